/// HF's `TemplateProcessing` (tokenizers/src/processors/template.rs), single-sequence template: special tokens
/// (each may stand for several ids) before and after the sequence `$A`.
struct TemplateProcessing: PostProcessor {
    var prefix: [(token: String, id: Int)]
    var suffix: [(token: String, id: Int)]

    init(json: JSONNode) throws {
        let single = try json.required("single")
        // A template is a list of pieces; a piece is {"SpecialToken": {"id": …}}, {"Sequence": {"id": "A"}}, or
        // the same as a string ("[CLS]", "$A", "$A:1"); the whole template may be one string too.
        enum Piece { case sequence, special(String) }
        func piece(_ text: String) -> Piece {
            let id = String(text.split(separator: ":", omittingEmptySubsequences: false)[0])
            return id.hasPrefix("$") ? .sequence : .special(id)
        }
        let pieces: [(Piece, JSONNode)] = try {
            if case .string(let text) = single.value { return text.split(separator: " ").map { (piece(String($0)), single) } }
            return try single.elements.map { node in
                if case .string(let text) = node.value { return (piece(text), node) }
                if let special = node["SpecialToken"] { return (.special(try special.required("id").string), node) }
                if let sequence = node["Sequence"] {
                    guard try sequence.required("id").string == "A" else { throw node.error("the single template uses sequence B") }
                    return (.sequence, node)
                }
                throw node.error("a template piece is neither SpecialToken nor Sequence")
            }
        }()
        let specialTokens = try json.required("special_tokens")
        var prefix: [(token: String, id: Int)] = [], suffix: [(token: String, id: Int)] = []
        var seenSequence = false
        for (piece, node) in pieces {
            guard case .special(let id) = piece else {
                if seenSequence { throw node.error("the single template has more than one sequence") }
                seenSequence = true
                continue
            }
            guard let entry = specialTokens[id] else { throw specialTokens.error("no ids for \"\(id)\"") }
            let ids = try entry.required("ids").elements.map { try $0.integer(in: 0...TokenizerModels.largestID) }
            let tokens = try entry.required("tokens").elements.map { try $0.string }
            guard ids.count == tokens.count else { throw entry.error("ids and tokens differ in length") }
            for pair in zip(tokens, ids) {
                if seenSequence { suffix.append(pair) } else { prefix.append(pair) }
            }
        }
        if !seenSequence { throw single.error("the single template has no sequence") }
        self.prefix = prefix
        self.suffix = suffix
    }

    var addedTokenCount: Int { prefix.count + suffix.count }
    var specialTokens: [(token: String, id: Int)] { prefix + suffix }

    func process(_ tokens: inout [Token]) {
        tokens.insert(contentsOf: prefix.map { PostProcessors.special($0.token, $0.id) }, at: 0)
        tokens.append(contentsOf: suffix.map { PostProcessors.special($0.token, $0.id) })
    }
}
