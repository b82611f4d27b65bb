/// A post-processor finishes one encoded sequence: special tokens around it, offsets trimmed (HF
/// tokenizers/src/processors/). Decoded from tokenizer.json's `post_processor` by its `type` tag.
protocol PostProcessor: Sendable {
    /// How many tokens `process` adds to a single sequence: truncation keeps room for them.
    var addedTokenCount: Int { get }
    /// Every token it can add, with its id, so the tokenizer checks them against the vocabulary at load.
    var specialTokens: [(token: String, id: Int)] { get }
    func process(_ tokens: inout [Token])
}

enum PostProcessors {
    /// Every post-processor by its `type` tag in tokenizer.json. A new one is one file plus one line here.
    static let registry: [String: (JSONNode) throws -> any PostProcessor] = [
        "BertProcessing": { try BertProcessing(json: $0) },
        "TemplateProcessing": { try TemplateProcessing(json: $0) },
        "Sequence": { try PostProcessorSequence(json: $0) },
        "RobertaProcessing": { try RobertaProcessing(json: $0) },
        "ByteLevel": { try ByteLevelOffsets(json: $0) },
    ]

    static func decode(_ json: JSONNode) throws -> any PostProcessor {
        let tag = try json.typeTag
        guard let make = registry[tag] else { throw json.error("unknown post-processor type \"\(tag)\"") }
        return try make(json)
    }

    /// A `["[CLS]", 101]` pair.
    static func tokenAndID(_ json: JSONNode) throws -> (token: String, id: Int) {
        let pair = try json.elements
        guard pair.count == 2 else { throw json.error("expected [token, id]") }
        return (try pair[0].string, try pair[1].integer(in: 0...TokenizerModels.largestID))
    }

    /// A special token the post-processor adds: no offsets, no word.
    static func special(_ token: String, _ id: Int) -> Token {
        Token(id: id, text: token, start: nil, end: nil, special: true, word: nil)
    }
}

/// HF `processors::Sequence`: each post-processor in turn.
struct PostProcessorSequence: PostProcessor {
    var processors: [any PostProcessor]

    init(json: JSONNode) throws {
        processors = try json.required("processors").elements.map(PostProcessors.decode)
    }

    var addedTokenCount: Int { processors.reduce(0) { $0 + $1.addedTokenCount } }
    var specialTokens: [(token: String, id: Int)] { processors.flatMap(\.specialTokens) }

    func process(_ tokens: inout [Token]) {
        for processor in processors { processor.process(&tokens) }
    }
}
