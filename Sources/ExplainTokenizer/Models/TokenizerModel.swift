/// A model turns one pre-tokenized word into tokens (HF tokenizers/src/models/). Decoded from tokenizer.json's
/// `model` by its `type` tag.
protocol TokenizerModel: Sendable {
    /// Appends the tokens of `word`, each with its span in `word`'s scalars.
    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken])
    func id(forToken token: String) -> Int?
    func token(forID id: Int) -> String?
    /// Largest id + 1.
    var vocabularySize: Int { get }
}

enum TokenizerModels {
    /// Every model by its `type` tag in tokenizer.json. A new model is one file plus one line here.
    static let registry = PartRegistry<any TokenizerModel>(stage: "model", makers: [
        "WordPiece": { try WordPiece(json: $0) },
        "BPE": { try BPE(json: $0) },
        "Unigram": { try Unigram(json: $0) },
    ])

    static func decode(_ json: JSONNode) throws -> any TokenizerModel {
        // Files written before the tag existed are told apart by their fields, as HF's untagged fallback does.
        try registry.decode(json, tag: try json.string("type") ?? (json["merges"] != nil ? "BPE" : "WordPiece"))
    }

    /// Ids beyond this are taken as a malformed file rather than a vocabulary to allocate.
    static let largestID = 16_777_215

    /// `vocab`, an object of token -> id with keys exactly as the file spells them; a token listed twice or two
    /// tokens with one id are errors (a hash map would keep one silently).
    static func vocabulary(_ json: JSONNode) throws -> Vocabulary {
        let vocab = try json.required("vocab")
        let entries = try vocab.members
        if entries.isEmpty { throw vocab.error("the vocabulary is empty") }
        var vocabulary = Vocabulary()
        for (token, node) in entries {
            let id = try node.integer(in: 0...largestID)
            if vocabulary.id(for: token) != nil { throw node.error("the token is listed twice") }
            if id < vocabulary.tokens.count, let other = vocabulary.tokens[id] {
                throw node.error("id \(id) is also the id of \"\(other)\"")
            }
            vocabulary.insert(token, id: id)
        }
        return vocabulary
    }
}
