/// HF's `WhitespaceSplit` (tokenizers/src/pre_tokenizers/whitespace.rs): split on whitespace, which is dropped.
struct WhitespaceSplit: PreTokenizer {
    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { $0.split(ScalarPattern(test: CharacterClasses.isWhitespace), .removed) }
    }
}
