/// The params of one request method, decoded from `params` with field-precise errors, and the type of its
/// result. The server registers a handler per `method` (see ExplainServer's MethodTable).
public protocol RequestParams {
    associatedtype Result: JSONEncodable
    static var method: String { get }
    init(_ params: ObjectReader) throws
}

/// The params of one notification method.
public protocol NotificationParams {
    static var method: String { get }
    init(_ params: ObjectReader) throws
}

extension RequestParams {
    /// Decodes `params` (object or absent; positional arrays are not supported by any method).
    public static func decode(_ params: JSONValue?) throws -> Self {
        try Self(ObjectReader(params, at: ""))
    }
}

extension NotificationParams {
    public static func decode(_ params: JSONValue?) throws -> Self {
        try Self(ObjectReader(params, at: ""))
    }
}

/// A result without content (`shutdown`): JSON null.
public struct EmptyResult: JSONEncodable, Sendable {
    public init() {}
    public var json: JSONValue { .null }
}

/// LSP work-done progress token: an integer or a string.
public typealias ProgressToken = RequestID

extension RequestID: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard let id = RequestID(json: json) else { throw InvalidField.mismatch("string or integer", json, at: path) }
        self = id
    }
}

/// `text` or `texts` (exactly one): one input gives one result object, several give an array of them.
public enum TextInput: Equatable, Sendable {
    case single(String)
    case many([String])

    public var texts: [String] {
        switch self {
        case .single(let t): return [t]
        case .many(let ts): return ts
        }
    }

    public init(_ params: ObjectReader) throws {
        let text: String? = try params.optional("text")
        let texts: [String]? = try params.optional("texts")
        switch (text, texts) {
        case (let t?, nil): self = .single(t)
        case (nil, let ts?):
            guard !ts.isEmpty else { throw InvalidField(field: params.path(of: "texts"), reason: "must not be empty") }
            self = .many(ts)
        case (nil, nil): throw InvalidField(field: params.path(of: "text"), reason: "required field is missing (or give \"texts\")")
        case (_?, _?): throw InvalidField(field: params.path(of: "texts"), reason: "give either \"text\" or \"texts\", not both")
        }
    }
}

/// The position encodings of LSP 3.17 (`PositionEncodingKind`): what `start`/`end` offsets count.
public enum PositionEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case utf16 = "utf-16"
    case utf32 = "utf-32"

    /// The first of the client's preferences we support; utf-16 when it names none we know (LSP's default).
    public static func negotiate(_ preferences: [String]?) -> PositionEncoding {
        for name in preferences ?? [] {
            if let encoding = PositionEncoding(rawValue: name) { return encoding }
        }
        return .utf16
    }
}

extension Array where Element: JSONEncodable {
    public var json: JSONValue { .array(map(\.json)) }
}

extension Optional where Wrapped == Int {
    var json: JSONValue { map { .integer($0) } ?? .null }
}
