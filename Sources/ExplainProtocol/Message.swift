/// A request id: JSON-RPC allows strings and numbers (we keep integers; fractional ids are rejected).
public enum RequestID: Hashable, Sendable, CustomStringConvertible, JSONEncodable {
    case number(Int)
    case string(String)

    public init?(json: JSONValue) {
        switch json {
        case .integer(let i): self = .number(i)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }

    public var json: JSONValue {
        switch self {
        case .number(let i): return .integer(i)
        case .string(let s): return .string(s)
        }
    }

    public var description: String {
        switch self {
        case .number(let i): return String(i)
        case .string(let s): return "\"\(s)\""
        }
    }
}

/// One JSON-RPC message after structural validation (params are decoded later, per method).
public enum Message: Equatable, Sendable {
    case request(id: RequestID, method: String, params: JSONValue?)
    case notification(method: String, params: JSONValue?)
    /// A reply from the client; the daemon sends no requests, so it only logs these.
    case response(id: RequestID?, result: JSONValue?, error: JSONValue?)

    /// Classifies a decoded JSON value. On failure the error carries the id when one could be read, so that
    /// the invalid request can still be answered (JSON-RPC 2.0 §5: id null when it cannot be determined).
    public static func decode(_ json: JSONValue) -> Result<Message, InvalidMessage> {
        guard case .object(let fields) = json else {
            return .failure(InvalidMessage(id: nil, error: .invalidRequest("a message must be an object, got \(json.typeName)")))
        }
        var id: RequestID? = nil
        if let rawID = fields["id"], rawID != .null {
            guard let parsed = RequestID(json: rawID) else {
                return .failure(InvalidMessage(id: nil, error: .invalidRequest("id must be a string or an integer")))
            }
            id = parsed
        }
        func invalid(_ message: String) -> Result<Message, InvalidMessage> {
            .failure(InvalidMessage(id: id, error: .invalidRequest(message)))
        }
        guard fields["jsonrpc"] == .string("2.0") else { return invalid("\"jsonrpc\" must be \"2.0\"") }
        // `"params": null` counts as absent: Emacs' jsonrpc.el and other LSP clients send it for shutdown/exit.
        let params = fields["params"] == .null ? nil : fields["params"]
        if let params, params.objectValue == nil, params.arrayValue == nil {
            return invalid("params must be an object or an array")
        }
        guard let rawMethod = fields["method"] else {
            if fields["result"] != nil || fields["error"] != nil {
                return .success(.response(id: id, result: fields["result"], error: fields["error"]))
            }
            return invalid("\"method\" is missing")
        }
        guard case .string(let method) = rawMethod else { return invalid("\"method\" must be a string") }
        if fields["id"] == nil { return .success(.notification(method: method, params: params)) }
        guard let id else { return invalid("id must not be null in a request") }
        return .success(.request(id: id, method: method, params: params))
    }
}

public struct InvalidMessage: Error, Equatable, Sendable {
    public var id: RequestID?
    public var error: ResponseError
}

/// Outgoing messages as JSON values.
public enum OutgoingMessage {
    public static func result(id: RequestID, _ result: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "id": id.json, "result": result]
    }
    public static func error(id: RequestID?, _ error: ResponseError) -> JSONValue {
        ["jsonrpc": "2.0", "id": id?.json ?? .null, "error": error.json]
    }
    public static func notification(method: String, params: JSONValue) -> JSONValue {
        ["jsonrpc": "2.0", "method": .string(method), "params": params]
    }
}
