/// HF's WordPiece model (tokenizers/src/models/wordpiece/mod.rs; Python: `WordpieceTokenizer` in
/// tokenization_bert.py): greedy longest match from the left, continuations carry the `##` prefix, and a word
/// that is too long or has a part no entry matches becomes one unknown token.
struct WordPiece: Sendable {
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

    /// Calls `piece` with (id, start, end) for each token of the word `text[word]`, offsets in `text`.
    func tokenize(_ text: [Unicode.Scalar], _ word: Range<Int>, _ piece: (Int, Int, Int) -> Void) {
        if word.count > maxInputCharsPerWord {
            piece(unknownID, word.lowerBound, word.upperBound)
            return
        }
        // Most words are one entry; only a word that splits needs its pieces kept until it is known to match.
        var pieces: [(id: Int, start: Int, end: Int)] = []
        var start = word.lowerBound
        while start < word.upperBound {
            let node: Int32? = start == word.lowerBound ? 0 : continuationNode
            guard let node, let match = vocabulary.longestMatch(in: text, from: start, to: word.upperBound,
                                                                 after: node) else {
                piece(unknownID, word.lowerBound, word.upperBound)
                return
            }
            pieces.append((match.id, start, match.end))
            start = match.end
        }
        for p in pieces { piece(p.id, p.start, p.end) }
    }
}
