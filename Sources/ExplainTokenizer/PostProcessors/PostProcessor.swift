/// A post-processor finishes the encoded sequences, one or a pair (HF tokenizers/src/processors/,
/// `process_encodings`): offsets trimmed, and special tokens and type ids put around them by a template that
/// merges the pair into one sequence. Decoded from tokenizer.json's `post_processor` by its `type` tag.
protocol PostProcessor: Sendable {
    /// How many tokens `process` adds to one sequence or a pair: truncation keeps room for them.
    func addedTokenCount(pair: Bool) -> Int
    /// Every token it can add, with its id, so the tokenizer checks them against the vocabulary at load.
    var specialTokens: [(token: String, id: Int)] { get }
    /// `sequences` holds the text's tokens, then the pair's when there is one; a template leaves one sequence.
    func process(_ sequences: inout [[Token]])
}

enum PostProcessors {
    /// Every post-processor by its `type` tag in tokenizer.json. A new one is one file plus one line here.
    static let registry = PartRegistry<any PostProcessor>(stage: "post-processor", makers: [
        "BertProcessing": { try BertProcessing(json: $0) },
        "TemplateProcessing": { try TemplateProcessing(json: $0) },
        "Sequence": { try PostProcessorSequence(json: $0) },
        "RobertaProcessing": { try RobertaProcessing(json: $0) },
        "ByteLevel": { try ByteLevelOffsets(json: $0) },
    ])

    static func decode(_ json: JSONNode) throws -> any PostProcessor { try registry.decode(json) }

    /// A `["[CLS]", 101]` pair.
    static func tokenAndID(_ json: JSONNode) throws -> (token: String, id: Int) {
        let pair = try json.elements
        guard pair.count == 2 else { throw json.error("expected [token, id]") }
        return (try pair[0].string, try pair[1].integer(in: 0...TokenizerModels.largestID))
    }

    /// A special token the post-processor adds: no offsets, no word, no sequence.
    static func special(_ token: String, _ id: Int, typeID: Int = 0) -> Token {
        var special = Token(id: id, text: token, start: nil, end: nil, special: true, word: nil)
        special.sequence = nil
        special.typeID = typeID
        return special
    }

    /// `tokens` with every type id set to `typeID`.
    static func typed(_ tokens: [Token], _ typeID: Int) -> [Token] {
        tokens.map { var token = $0; token.typeID = typeID; return token }
    }
}

/// HF `processors::Sequence`: each post-processor in turn.
struct PostProcessorSequence: PostProcessor {
    var processors: [any PostProcessor]

    init(json: JSONNode) throws {
        processors = try json.required("processors").elements.map(PostProcessors.decode)
    }

    func addedTokenCount(pair: Bool) -> Int { processors.reduce(0) { $0 + $1.addedTokenCount(pair: pair) } }
    var specialTokens: [(token: String, id: Int)] { processors.flatMap(\.specialTokens) }

    func process(_ sequences: inout [[Token]]) {
        for processor in processors { processor.process(&sequences) }
    }
}
