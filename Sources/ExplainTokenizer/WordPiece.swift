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
        guard let first = vocabulary.longestMatch(in: text, from: word.lowerBound, to: word.upperBound, after: 0) else {
            piece(unknownID, word.lowerBound, word.upperBound)
            return
        }
        // Most words are one entry; only a word that splits needs its pieces kept until it is known to match.
        if first.end == word.upperBound {
            piece(first.id, word.lowerBound, word.upperBound)
            return
        }
        var pieces: [(id: Int, start: Int, end: Int)] = [(first.id, word.lowerBound, first.end)]
        var start = first.end
        while start < word.upperBound {
            guard let node = continuationNode,
                  let match = vocabulary.longestMatch(in: text, from: start, to: word.upperBound, after: node) else {
                piece(unknownID, word.lowerBound, word.upperBound)
                return
            }
            pieces.append((match.id, start, match.end))
            start = match.end
        }
        for p in pieces { piece(p.id, p.start, p.end) }
    }
}
