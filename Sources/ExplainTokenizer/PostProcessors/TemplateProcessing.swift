/// HF's `TemplateProcessing` (tokenizers/src/processors/template.rs): special tokens (each may stand for several
/// ids) around the sequence `$A`, or around `$A` and `$B` for a pair, every piece with its type id.
struct TemplateProcessing: PostProcessor {
    enum Piece {
        case sequence(pair: Bool, typeID: Int)
        case special([(token: String, id: Int)], typeID: Int)
    }

    var single: [Piece]
    /// nil when tokenizer.json has no pair template: a pair is then the single template's A followed by B.
    var pair: [Piece]?

    init(json: JSONNode) throws {
        let specialTokens = try json.required("special_tokens")
        single = try Self.template(json.required("single"), specialTokens: specialTokens, pair: false)
        pair = try json["pair"].map { try Self.template($0, specialTokens: specialTokens, pair: true) }
    }

    /// A template is a list of pieces; a piece is {"SpecialToken": {"id", "type_id"}}, {"Sequence": {"id": "A"|"B",
    /// "type_id"}}, or the same as a string ("[CLS]", "$A", "$B:1", "[SEP]:1"); the whole template may be one string.
    private static func template(_ node: JSONNode, specialTokens: JSONNode, pair: Bool) throws -> [Piece] {
        let name = pair ? "pair" : "single"
        func special(_ id: String, typeID: Int, at node: JSONNode) throws -> Piece {
            guard let entry = specialTokens[id] else { throw specialTokens.error("no ids for \"\(id)\"") }
            let ids = try entry.required("ids").elements.map { try $0.integer(in: 0...TokenizerModels.largestID) }
            let tokens = try entry.required("tokens").elements.map { try $0.string }
            guard ids.count == tokens.count else { throw entry.error("ids and tokens differ in length") }
            return .special(Array(zip(tokens, ids)), typeID: typeID)
        }
        func sequence(_ id: String, typeID: Int, at node: JSONNode) throws -> Piece {
            switch id {
            case "A", "a", "": return .sequence(pair: false, typeID: typeID)
            case "B", "b":
                guard pair else { throw node.error("the single template uses sequence B") }
                return .sequence(pair: true, typeID: typeID)
            default: throw node.error("unknown sequence \"\(id)\" (A or B)")
            }
        }
        // "$A", "$B:1", "[SEP]:1", "$1" (sequence A of type 1).
        func piece(_ text: String, at node: JSONNode) throws -> Piece {
            let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            var typeID = 0
            if parts.count == 2 {
                guard let number = Int(parts[1]), number >= 0 else { throw node.error("type id \"\(parts[1])\" is not a number") }
                typeID = number
            }
            guard parts[0].hasPrefix("$") else { return try special(parts[0], typeID: typeID, at: node) }
            let id = String(parts[0].dropFirst())
            if let number = Int(id), number >= 0 { return .sequence(pair: false, typeID: number) }
            return try sequence(id, typeID: typeID, at: node)
        }
        let pieces: [Piece]
        if case .string(let text) = node.value {
            pieces = try text.split(separator: " ").map { try piece(String($0), at: node) }
        } else {
            pieces = try node.elements.map { element in
                if case .string(let text) = element.value { return try piece(text, at: element) }
                let typeID = { (n: JSONNode) in try n["type_id"].map { try $0.integer(in: 0...Int(Int32.max)) } ?? 0 }
                if let token = element["SpecialToken"] { return try special(token.required("id").string, typeID: typeID(token), at: element) }
                if let part = element["Sequence"] { return try sequence(part.required("id").string, typeID: typeID(part), at: element) }
                throw element.error("a template piece is neither SpecialToken nor Sequence")
            }
        }
        let sequences = pieces.compactMap { piece -> Bool? in if case .sequence(let isPair, _) = piece { return isPair } else { return nil } }
        guard sequences.filter({ !$0 }).count == 1 else { throw node.error("the \(name) template must hold sequence A once") }
        if pair { guard sequences.filter({ $0 }).count == 1 else { throw node.error("the pair template must hold sequence B once") } }
        return pieces
    }

    func addedTokenCount(pair isPair: Bool) -> Int {
        let template = isPair ? pair ?? single : single
        return template.reduce(0) { count, piece in
            if case .special(let tokens, _) = piece { return count + tokens.count }
            return count
        }
    }

    var specialTokens: [(token: String, id: Int)] {
        (single + (pair ?? [])).flatMap { piece -> [(token: String, id: Int)] in
            if case .special(let tokens, _) = piece { return tokens }
            return []
        }
    }

    func process(_ sequences: inout [[Token]]) {
        let template = sequences.count > 1 ? pair ?? single : single
        var merged: [Token] = []
        for piece in template {
            switch piece {
            case .special(let tokens, let typeID):
                merged += tokens.map { PostProcessors.special($0.token, $0.id, typeID: typeID) }
            case .sequence(let isPair, let typeID):
                merged += PostProcessors.typed(sequences[isPair ? 1 : 0], typeID)
            }
        }
        if sequences.count > 1 && pair == nil { merged += sequences[1] }
        sequences = [merged]
    }
}
