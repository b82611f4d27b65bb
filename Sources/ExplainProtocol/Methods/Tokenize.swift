/// `tokenize` {text, model?}: the model's WordPiece tokens with offsets in the negotiated encoding.
public struct TokenizeParams: RequestParams, Equatable {
    public typealias Result = TokenizeResult
    public static let method = "tokenize"
    public var text: String
    public var model: String?
    public init(_ params: ObjectReader) throws {
        text = try params.required("text")
        model = try params.optional("model")
    }
}

public struct TokenInfo: Sendable, Equatable, JSONEncodable {
    public var id: Int
    public var text: String
    public var start: Int?   // nil for added special tokens ([CLS], [SEP])
    public var end: Int?
    public var special: Bool
    public var word: Int?
    public init(id: Int, text: String, start: Int?, end: Int?, special: Bool, word: Int?) {
        self.id = id; self.text = text; self.start = start; self.end = end; self.special = special; self.word = word
    }
    public var json: JSONValue {
        ["id": .integer(id), "text": .string(text), "start": start.json, "end": end.json,
         "special": .bool(special), "word": word.json]
    }
}

public struct WordInfo: Sendable, Equatable, JSONEncodable {
    public var text: String
    public var start: Int
    public var end: Int
    public var tokens: [Int]
    public init(text: String, start: Int, end: Int, tokens: [Int]) {
        self.text = text; self.start = start; self.end = end; self.tokens = tokens
    }
    public var json: JSONValue {
        ["text": .string(text), "start": .integer(start), "end": .integer(end),
         "tokens": .array(tokens.map { .integer($0) })]
    }
}

/// A word split into three or more pieces: usually a name the vocabulary does not know.
public struct FragmentedWord: Sendable, Equatable, JSONEncodable {
    public var word: Int
    public var text: String
    public var pieces: [String]
    public init(word: Int, text: String, pieces: [String]) { self.word = word; self.text = text; self.pieces = pieces }
    public var json: JSONValue {
        ["word": .integer(word), "text": .string(text), "pieces": .array(pieces.map { .string($0) })]
    }
}

public struct TokenizeResult: Sendable, JSONEncodable {
    public var tokens: [TokenInfo]
    public var words: [WordInfo]
    public var truncated: Bool
    public var fragmented: [FragmentedWord]
    public init(tokens: [TokenInfo], words: [WordInfo], truncated: Bool, fragmented: [FragmentedWord]) {
        self.tokens = tokens; self.words = words; self.truncated = truncated; self.fragmented = fragmented
    }
    public var json: JSONValue {
        ["tokens": tokens.json, "words": words.json, "truncated": .bool(truncated), "fragmented": fragmented.json]
    }
}
