/// HF's WordPiece model (tokenizers/src/models/wordpiece/mod.rs; Python: `WordpieceTokenizer` in
/// tokenization_bert.py): greedy longest match from the left, continuations carry the `##` prefix, and a word
/// that is too long or has a part no entry matches becomes one unknown token.
struct WordPiece: TokenizerModel {
    var vocabulary: Vocabulary
    var unknownID: Int
    var continuingSubwordPrefix: String
    var maxInputCharsPerWord: Int
    /// The trie node after the continuation prefix; nil when no entry starts with it.
    private let continuationNode: Int32?

    init(vocabulary: Vocabulary, unknownID: Int, continuingSubwordPrefix: String, maxInputCharsPerWord: Int) {
        self.vocabulary = vocabulary
        self.unknownID = unknownID
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
        continuationNode = vocabulary.node(after: continuingSubwordPrefix.unicodeScalars)
    }

    init(json: JSONNode) throws {
        let vocabulary = try TokenizerModels.vocabulary(json)
        let unk = try json.string("unk_token") ?? "[UNK]"
        guard let unknownID = vocabulary.id(for: unk) else { throw json.error("vocab has no unk_token \"\(unk)\"") }
        let maxChars = try json.integer("max_input_chars_per_word", in: 1...Int(Int32.max)) ?? 100
        self.init(vocabulary: vocabulary, unknownID: unknownID,
                  continuingSubwordPrefix: try json.string("continuing_subword_prefix") ?? "##",
                  maxInputCharsPerWord: maxChars)
    }

    var vocabularySize: Int { vocabulary.tokens.count }
    func id(forToken token: String) -> Int? { vocabulary.id(for: token) }
    func token(forID id: Int) -> String? { vocabulary.tokens.indices.contains(id) ? vocabulary.tokens[id] : nil }

    func tokenize(_ text: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        let word = 0..<text.count
        if word.isEmpty { return }
        if word.count > maxInputCharsPerWord {
            tokens.append(ModelToken(id: unknownID, start: 0, end: text.count))
            return
        }
        guard let first = vocabulary.longestMatch(in: text, from: 0, to: text.count, after: 0) else {
            tokens.append(ModelToken(id: unknownID, start: 0, end: text.count))
            return
        }
        // Most words are one entry; only a word that splits needs its pieces kept until it is known to match.
        if first.end == text.count {
            tokens.append(ModelToken(id: first.id, start: 0, end: text.count))
            return
        }
        let mark = tokens.count
        tokens.append(ModelToken(id: first.id, start: 0, end: first.end))
        var start = first.end
        while start < word.upperBound {
            guard let node = continuationNode,
                  let match = vocabulary.longestMatch(in: text, from: start, to: word.upperBound, after: node) else {
                tokens.removeSubrange(mark...)
                tokens.append(ModelToken(id: unknownID, start: 0, end: text.count))
                return
            }
            tokens.append(ModelToken(id: match.id, start: start, end: match.end))
            start = match.end
        }
    }
}
