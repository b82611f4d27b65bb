/// HF's `Punctuation` (tokenizers/src/pre_tokenizers/punctuation.rs): split at each punctuation character, treated
/// as `behavior` says (isolated by default).
struct Punctuation: PreTokenizer {
    var behavior: SplitDelimiterBehavior

    init(json: JSONNode) throws {
        behavior = try json["behavior"].map(SplitDelimiterBehavior.init(json:)) ?? .isolated
    }

    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { $0.split(ScalarPattern(test: CharacterClasses.isPunctuation), behavior) }
    }
}
