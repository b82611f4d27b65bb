/// JSON-RPC 2.0 and LSP error codes, plus explaind's own in the server range (-32000 ... -32099).
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    // JSON-RPC 2.0
    public static let parseError = ErrorCode(rawValue: -32700)
    public static let invalidRequest = ErrorCode(rawValue: -32600)
    public static let methodNotFound = ErrorCode(rawValue: -32601)
    public static let invalidParams = ErrorCode(rawValue: -32602)
    public static let internalError = ErrorCode(rawValue: -32603)
    // LSP
    public static let serverNotInitialized = ErrorCode(rawValue: -32002)
    public static let requestCancelled = ErrorCode(rawValue: -32800)
    // explaind
    public static let modelNotFound = ErrorCode(rawValue: -32010)
    public static let modelCorrupt = ErrorCode(rawValue: -32011)
    public static let modelUnsupported = ErrorCode(rawValue: -32012)
    public static let serverBusy = ErrorCode(rawValue: -32013)

    public var description: String { String(rawValue) }
}

/// The `error` member of a response.
public struct ResponseError: Error, Equatable, Sendable, JSONEncodable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String
    public var data: JSONValue?

    public init(code: ErrorCode, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var json: JSONValue {
        var fields: [String: JSONValue] = ["code": .integer(code.rawValue), "message": .string(message)]
        if let data { fields["data"] = data }
        return .object(fields)
    }

    public var description: String { "\(code.rawValue): \(message)" }

    public static func parseError(_ error: JSONParseError) -> ResponseError {
        ResponseError(code: .parseError, message: "parse error: \(error)", data: ["offset": .integer(error.offset)])
    }
    public static func invalidRequest(_ message: String) -> ResponseError {
        ResponseError(code: .invalidRequest, message: "invalid request: \(message)")
    }
    public static func methodNotFound(_ method: String) -> ResponseError {
        ResponseError(code: .methodNotFound, message: "method not found: \(method)")
    }
    public static func invalidParams(_ field: InvalidField) -> ResponseError {
        ResponseError(code: .invalidParams, message: "invalid params: \(field)",
                      data: ["field": .string(field.field), "reason": .string(field.reason)])
    }
    public static func invalidParams(field: String, reason: String) -> ResponseError {
        invalidParams(InvalidField(field: field, reason: reason))
    }
    public static func internalError(_ message: String) -> ResponseError {
        ResponseError(code: .internalError, message: "internal error: \(message)")
    }
    public static let serverNotInitialized =
        ResponseError(code: .serverNotInitialized, message: "server not initialized: send initialize first")
    public static let cancelled = ResponseError(code: .requestCancelled, message: "request cancelled")
    public static func serverBusy(queue: String, bound: Int) -> ResponseError {
        ResponseError(code: .serverBusy, message: "server busy: the \(queue) queue holds \(bound) requests; retry later",
                      data: ["queue": .string(queue), "bound": .integer(bound)])
    }
}
