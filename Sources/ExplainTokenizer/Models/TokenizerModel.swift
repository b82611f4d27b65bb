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
    static let registry: [String: (JSONNode) throws -> any TokenizerModel] = [
        "WordPiece": { try WordPiece(json: $0) },
    ]

    static func decode(_ json: JSONNode) throws -> any TokenizerModel {
        // Files written before the tag existed are told apart by their fields, as HF's untagged fallback does.
        let tag = try json.string("type") ?? (json["merges"] != nil ? "BPE" : "WordPiece")
        guard let make = registry[tag] else { throw json.error("unknown model type \"\(tag)\"") }
        return try make(json)
    }

    /// Ids beyond this are taken as a malformed file rather than a vocabulary to allocate.
    static let largestID = 16_777_215

    /// `vocab` as an object of token -> id, keys exactly as the file spells them.
    static func vocabulary(_ json: JSONNode) throws -> [(token: String, id: Int)] {
        let entries = try json.required("vocab").members
        if entries.isEmpty { throw json.error("vocab is empty") }
        return try entries.map { ($0.key, try $0.value.integer(in: 0...largestID)) }
    }
}
