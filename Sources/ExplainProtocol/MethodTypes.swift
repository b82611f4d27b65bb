/// The params of one request method, decoded from `params` with field-precise errors, and the type of its
/// result. The server registers a handler per `method` (see ExplainServer's MethodTable).
/// Params and results go both ways: the daemon decodes params and encodes results, clients (the REPL, the
/// tests) encode params and decode results, with the same types.
public protocol RequestParams: JSONEncodable {
    associatedtype Result: JSONEncodable & JSONDecodable
    static var method: String { get }
    init(_ params: ObjectReader) throws
}

/// The params of one notification method.
public protocol NotificationParams: JSONEncodable {
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
public struct EmptyResult: JSONEncodable, JSONDecodable, Sendable {
    public init() {}
    public init(json: JSONValue, at path: String) throws {
        guard json == .null else { throw InvalidField.mismatch("null", json, at: path) }
    }
    public var json: JSONValue { .null }
}

/// LSP work-done progress token: an integer or a string.
public typealias ProgressToken = RequestID

extension RequestID: JSONValueCodable {
    public init(json: JSONValue, at path: String) throws {
        guard let id = RequestID(json: json) else { throw InvalidField.mismatch("string or integer", json, at: path) }
        self = id
    }
}

/// `text` or `texts` (exactly one): one input gives one result object, several give an array of them.
public enum TextInput: Equatable, Sendable {
    /// The field it is sent as, into params being written.
    func write(into params: inout ObjectWriter) {
        switch self {
        case .single(let t): params.set("text", t)
        case .many(let ts): params.set("texts", ts)
        }
    }

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

/// The value of one attribution option: a number, string or boolean (integers kept exact, so replies echo
/// what was sent). Checked here, once; names and ranges are the attribution library's to check.
public enum OptionScalar: Equatable, Sendable, JSONDecodable, JSONEncodable {
    case integer(Int)
    case number(Double)
    case string(String)
    case bool(Bool)

    public init(json: JSONValue, at path: String) throws {
        switch json {
        case .integer(let i): self = .integer(i)
        case .number(let d): self = .number(d)
        case .string(let s): self = .string(s)
        case .bool(let b): self = .bool(b)
        default: throw InvalidField(field: path, reason: "an option is a number, string or boolean, got \(json.typeName)")
        }
    }

    public var json: JSONValue {
        switch self {
        case .integer(let i): return .integer(i)
        case .number(let d): return .number(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        }
    }
}

/// Params that may carry an LSP work-done progress token; the dispatcher reads it from the decoded params.
public protocol WorkDoneProgressParams {
    var workDoneToken: ProgressToken? { get }
}
