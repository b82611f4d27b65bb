/// `tokenize` {text, model?}: the model's WordPiece tokens with offsets in the negotiated encoding.
public struct TokenizeParams: RequestParams, Equatable, JSONRecord {
    public typealias Result = TokenizeResult
    public static let method = "tokenize"
    public var text: String
    public var model: String?
    public init(text: String, model: String? = nil) { self.text = text; self.model = model }
}

public struct TokenInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
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
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(id: try o.required("id"), text: try o.required("text"), start: try o.optional("start"), end: try o.optional("end"),
                  special: try o.optional("special") ?? false, word: try o.optional("word"))
    }
}

/// Mapped by hand, as TokenInfo: every explanation and tokenization reply holds one per word, and the
/// Codable path a JSONRecord takes cost a fifth of a short explanation's reply encoding.
public struct WordInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var text: String
    public var start: Int
    public var end: Int
    public var tokens: [Int]
    public init(text: String, start: Int, end: Int, tokens: [Int]) {
        self.text = text; self.start = start; self.end = end; self.tokens = tokens
    }
    public var json: JSONValue {
        ["text": .string(text), "start": .integer(start), "end": .integer(end), "tokens": .array(tokens.map(JSONValue.integer))]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(text: try o.required("text"), start: try o.required("start"), end: try o.required("end"), tokens: try o.required("tokens"))
    }
}

/// A word split into three or more pieces: usually a name the vocabulary does not know.
public struct FragmentedWord: Sendable, Equatable, JSONRecord {
    public var word: Int
    public var text: String
    public var pieces: [String]
    public init(word: Int, text: String, pieces: [String]) { self.word = word; self.text = text; self.pieces = pieces }
}

public struct TokenizeResult: Sendable, Equatable, JSONEncodable, JSONDecodable {
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
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(tokens: try o.required("tokens"), words: try o.optional("words") ?? [], truncated: try o.optional("truncated") ?? false,
                  fragmented: try o.optional("fragmented") ?? [])
    }
}
