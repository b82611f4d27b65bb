/// HF's `Split` (tokenizers/src/pre_tokenizers/split.rs): split at the matches of a string or a regex, the matches
/// treated as `behavior` says; `invert` swaps matches and the text between them.
struct SplitPreTokenizer: PreTokenizer {
    var pattern: any SplitPattern & Sendable
    var behavior: SplitDelimiterBehavior
    var invert: Bool

    init(json: JSONNode) throws {
        pattern = try Replace.pattern(json.required("pattern"))
        behavior = try SplitDelimiterBehavior(json: json.required("behavior"))
        invert = try json.bool("invert", default: false)
    }

    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { piece in
            invert ? piece.split(InvertedPattern(base: AnyPattern(base: pattern)), behavior)
                : piece.split(AnyPattern(base: pattern), behavior)
        }
    }
}

/// A pattern held as an existential, usable where a concrete pattern type is expected.
struct AnyPattern: SplitPattern {
    var base: any SplitPattern

    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] { base.matches(in: text) }
}
