public struct ClientInfo: Equatable, Sendable, JSONRecord {
    public var name: String
    public var version: String?
    public init(name: String, version: String? = nil) { self.name = name; self.version = version }
}

/// `initialize`: the first request; negotiates the position encoding and describes the server.
public struct InitializeParams: RequestParams, Equatable {
    public typealias Result = InitializeResult
    public static let method = "initialize"
    public var clientInfo: ClientInfo?
    public var positionEncodings: [String]?

    public init(clientInfo: ClientInfo? = nil, positionEncodings: [String]? = nil) {
        self.clientInfo = clientInfo
        self.positionEncodings = positionEncodings
    }

    public init(_ params: ObjectReader) throws {
        clientInfo = try params.optional("clientInfo")
        // LSP puts them under capabilities.general; accept both places.
        positionEncodings = try params.optional("positionEncodings")
        if positionEncodings == nil, params.has("capabilities") {
            let general = try params.object("capabilities").object("general")
            positionEncodings = try general.optional("positionEncodings")
        }
    }

    public var json: JSONValue {
        var params = ObjectWriter()
        params.set("clientInfo", clientInfo)
        params.set("positionEncodings", positionEncodings)
        return params.json
    }
}

public struct ServerInfo: Sendable, Equatable, JSONRecord {
    public var name: String
    public var version: String
    public init(name: String, version: String) { self.name = name; self.version = version }
}

/// One option of an attribution method, with its default and range.
public struct OptionInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var name: String
    public var kind: String
    public var defaultValue: JSONValue?
    public var minimum: Double?
    public var maximum: Double?
    public var choices: [String]?
    public var summary: String
    public init(name: String, kind: String, defaultValue: JSONValue?, minimum: Double?, maximum: Double?,
                choices: [String]?, summary: String) {
        self.name = name; self.kind = kind; self.defaultValue = defaultValue
        self.minimum = minimum; self.maximum = maximum; self.choices = choices; self.summary = summary
    }
    public var json: JSONValue {
        var o: [String: JSONValue] = ["name": .string(name), "kind": .string(kind), "summary": .string(summary)]
        if let defaultValue { o["default"] = defaultValue }
        if let minimum { o["minimum"] = JSONValue(minimum) }
        if let maximum { o["maximum"] = JSONValue(maximum) }
        if let choices { o["choices"] = .array(choices.map { .string($0) }) }
        return .object(o)
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(name: try o.required("name"), kind: try o.required("kind"), defaultValue: o.fields["default"],
                  minimum: try o.optional("minimum"), maximum: try o.optional("maximum"), choices: try o.optional("choices"),
                  summary: try o.optional("summary") ?? "")
    }
}

public struct AttributionMethodInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var name: String
    public var signed: Bool
    public var summary: String
    public var options: [OptionInfo]
    public init(name: String, signed: Bool, summary: String, options: [OptionInfo]) {
        self.name = name; self.signed = signed; self.summary = summary; self.options = options
    }
    public var json: JSONValue {
        ["name": .string(name), "signed": .bool(signed), "summary": .string(summary), "options": options.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(name: try o.required("name"), signed: try o.optional("signed") ?? true, summary: try o.optional("summary") ?? "",
                  options: try o.optional("options") ?? [])
    }
}

/// The limits the server enforces (each with its own flag or default), so a client can stay inside them.
public struct Limits: Sendable, Equatable, JSONRecord {
    public var maxFrameBytes: Int
    public var maxTextBytes: Int
    public var maxTexts: Int
    public var maxBatchRequests: Int
    public var maxSteps: Int
    public var maxSamples: Int
    public var queueBound: Int
    public var maxQueuedBytes: Int
    public var maxQueuedWork: Int
    public var maxWork: Int
    public var maxThresholds: Int
    public init(maxFrameBytes: Int, maxTextBytes: Int, maxTexts: Int, maxBatchRequests: Int, maxSteps: Int,
                maxSamples: Int, queueBound: Int, maxQueuedBytes: Int, maxQueuedWork: Int, maxWork: Int, maxThresholds: Int) {
        self.maxFrameBytes = maxFrameBytes; self.maxTextBytes = maxTextBytes; self.maxTexts = maxTexts
        self.maxBatchRequests = maxBatchRequests; self.maxSteps = maxSteps; self.maxSamples = maxSamples
        self.queueBound = queueBound; self.maxQueuedBytes = maxQueuedBytes; self.maxQueuedWork = maxQueuedWork
        self.maxWork = maxWork
        self.maxThresholds = maxThresholds
    }
}

public struct ServerCapabilities: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var methods: [String]
    public var attributionMethods: [AttributionMethodInfo]
    public var normalizations: [String]
    public var granularities: [String]
    public var outputs: [String]
    public var limits: Limits
    public init(methods: [String], attributionMethods: [AttributionMethodInfo], normalizations: [String],
                granularities: [String], outputs: [String], limits: Limits) {
        self.methods = methods; self.attributionMethods = attributionMethods; self.normalizations = normalizations
        self.granularities = granularities; self.outputs = outputs; self.limits = limits
    }
    public var json: JSONValue {
        ["methods": .array(methods.map { .string($0) }), "attributionMethods": attributionMethods.json,
         "normalizations": .array(normalizations.map { .string($0) }),
         "granularities": .array(granularities.map { .string($0) }),
         "outputs": .array(outputs.map { .string($0) }), "limits": limits.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(methods: try o.required("methods"), attributionMethods: try o.optional("attributionMethods") ?? [],
                  normalizations: try o.optional("normalizations") ?? [], granularities: try o.optional("granularities") ?? [],
                  outputs: try o.optional("outputs") ?? [], limits: try o.required("limits"))
    }
}

public struct InitializeResult: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var serverInfo: ServerInfo
    public var positionEncoding: PositionEncoding
    public var capabilities: ServerCapabilities
    public var models: [ModelDescription]
    public init(serverInfo: ServerInfo, positionEncoding: PositionEncoding, capabilities: ServerCapabilities,
                models: [ModelDescription]) {
        self.serverInfo = serverInfo; self.positionEncoding = positionEncoding
        self.capabilities = capabilities; self.models = models
    }
    public var json: JSONValue {
        ["serverInfo": serverInfo.json, "positionEncoding": .string(positionEncoding.rawValue),
         "capabilities": capabilities.json, "models": models.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        let encoding: String = try o.required("positionEncoding")
        guard let positionEncoding = PositionEncoding(rawValue: encoding) else {
            throw InvalidField(field: o.path(of: "positionEncoding"), reason: "unknown position encoding \"\(encoding)\"")
        }
        self.init(serverInfo: try o.required("serverInfo"), positionEncoding: positionEncoding,
                  capabilities: try o.required("capabilities"), models: try o.optional("models") ?? [])
    }
}

public struct InitializedParams: NotificationParams {
    public static let method = "initialized"
    public init() {}
    public init(_ params: ObjectReader) throws {}
    public var json: JSONValue { [:] }
}

/// `shutdown`: after it only `exit` is accepted.
public struct ShutdownParams: RequestParams {
    public typealias Result = EmptyResult
    public static let method = "shutdown"
    public init() {}
    public init(_ params: ObjectReader) throws {}
    public var json: JSONValue { .null }
}

/// `exit`: ends the process, code 0 after `shutdown`, 1 otherwise.
public struct ExitParams: NotificationParams {
    public static let method = "exit"
    public init() {}
    public init(_ params: ObjectReader) throws {}
    public var json: JSONValue { .null }
}

/// `$/cancelRequest` {id}.
public struct CancelParams: NotificationParams, JSONRecord {
    public static let method = "$/cancelRequest"
    public var id: RequestID
    public init(id: RequestID) { self.id = id }
}

/// `$/progress` {token, value}: LSP work-done progress, sent by the server.
public enum WorkDoneProgress: Sendable, JSONEncodable {
    case begin(title: String, message: String?, percentage: Int?)
    case report(message: String?, percentage: Int?)
    case end(message: String?)

    public static let method = "$/progress"

    public var json: JSONValue {
        var o: [String: JSONValue]
        switch self {
        case let .begin(title, message, percentage):
            o = ["kind": "begin", "title": .string(title), "cancellable": true]
            if let message { o["message"] = .string(message) }
            if let percentage { o["percentage"] = .integer(percentage) }
        case let .report(message, percentage):
            o = ["kind": "report", "cancellable": true]
            if let message { o["message"] = .string(message) }
            if let percentage { o["percentage"] = .integer(percentage) }
        case let .end(message):
            o = ["kind": "end"]
            if let message { o["message"] = .string(message) }
        }
        return .object(o)
    }

    public func params(token: ProgressToken) -> JSONValue { ["token": token.json, "value": json] }
}
