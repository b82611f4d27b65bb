/// HF's `Whitespace` (tokenizers/src/pre_tokenizers/whitespace.rs): the runs of word characters and the runs of
/// other non-space characters are the words (`\w+|[^\w\s]+`); spaces are dropped.
struct Whitespace: PreTokenizer {
    static let pattern = InvertedPattern(base: RegexPattern(regex: try! Regex(#"\w+|[^\w\s]+"#, flavor: .rust)))

    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { $0.split(Self.pattern, .removed) }
    }
}
