/// A pre-tokenizer cuts the normalized text into the words the model tokenizes one by one, and may change their
/// text (ByteLevel maps bytes to characters, Metaspace spaces to "▁"), keeping alignments (HF
/// tokenizers/src/pre_tokenizers/). Decoded from tokenizer.json's `pre_tokenizer` by its `type` tag.
protocol PreTokenizer: Sendable {
    func preTokenize(_ text: inout PreTokenizedString)
}

enum PreTokenizers {
    /// Every pre-tokenizer by its `type` tag in tokenizer.json. A new one is one file plus one line here.
    static let registry = PartRegistry<any PreTokenizer>(stage: "pre-tokenizer", makers: [
        "BertPreTokenizer": { _ in BertPreTokenizer() },
        "WhitespaceSplit": { _ in WhitespaceSplit() },
        "Punctuation": { try Punctuation(json: $0) },
        "Sequence": { try PreTokenizerSequence(json: $0) },
        "Metaspace": { try Metaspace(json: $0) },
        "ByteLevel": { try ByteLevel(json: $0) },
        "Whitespace": { _ in Whitespace() },
        "Digits": { try Digits(json: $0) },
        "Split": { try SplitPreTokenizer(json: $0) },
    ])

    static func decode(_ json: JSONNode) throws -> any PreTokenizer { try registry.decode(json) }
}

/// HF `pre_tokenizers::Sequence`: each pre-tokenizer in turn, each on the splits the previous one made.
struct PreTokenizerSequence: PreTokenizer {
    var preTokenizers: [any PreTokenizer]

    init(json: JSONNode) throws {
        preTokenizers = try json.required("pretokenizers").elements.map(PreTokenizers.decode)
    }

    func preTokenize(_ text: inout PreTokenizedString) {
        for preTokenizer in preTokenizers { preTokenizer.preTokenize(&text) }
    }
}

extension SplitDelimiterBehavior {
    /// The `behavior` field of Split and Punctuation.
    init(json: JSONNode) throws {
        let name = try json.string
        guard let behavior = SplitDelimiterBehavior(rawValue: name) else {
            throw json.error("unknown behavior \"\(name)\" (one of "
                             + Self.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        self = behavior
    }
}
