/// HF's `BertPreTokenizer` (tokenizers/src/pre_tokenizers/bert.rs): split the normalized text on whitespace,
/// which is dropped, and make every punctuation character a word of its own. `WhitespaceSplit` followed by
/// `Punctuation` (isolated) is the same thing; either half alone is expressible too.
struct BertPreTokenizer: Sendable, Equatable {
    var splitOnWhitespace = true
    var isolatePunctuation = true

    static let bert = BertPreTokenizer()

    /// Calls `word` with the range of each word in `text[range]`, in order.
    func forEachWord(in text: [Unicode.Scalar], _ range: Range<Int>, _ word: (Range<Int>) -> Void) {
        var start = range.lowerBound
        for i in range {
            let c = text[i]
            if splitOnWhitespace && CharacterClasses.isWhitespace(c) {
                if start < i { word(start..<i) }
                start = i + 1
            } else if isolatePunctuation && CharacterClasses.isPunctuation(c) {
                if start < i { word(start..<i) }
                word(i..<(i + 1))
                start = i + 1
            }
        }
        if start < range.upperBound { word(start..<range.upperBound) }
    }
}
