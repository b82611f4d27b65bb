/// HF's `BertPreTokenizer` (tokenizers/src/pre_tokenizers/bert.rs): split on whitespace, which is dropped, and make
/// every punctuation character a word of its own.
struct BertPreTokenizer: PreTokenizer {
    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { s in
            var words: [NormalizedString] = []
            var start = 0
            for (i, c) in s.scalars.enumerated() {
                if CharacterClasses.isWhitespace(c) {
                    if start < i { words.append(s.slice(start..<i)) }
                    start = i + 1
                } else if CharacterClasses.isPunctuation(c) {
                    if start < i { words.append(s.slice(start..<i)) }
                    words.append(s.slice(i..<(i + 1)))
                    start = i + 1
                }
            }
            if start < s.count { words.append(start == 0 ? s : s.slice(start..<s.count)) }
            return words
        }
    }
}
