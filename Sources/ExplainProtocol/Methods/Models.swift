/// A resident model as the protocol describes it.
public struct ModelDescription: Sendable, Equatable, JSONRecord {
    public var id: String
    public var path: String
    public var architecture: String
    public var labels: [String]
    public var maxTokens: Int
    public var isDefault: Bool
    public var hiddenSize: Int
    public var layers: Int
    public var vocabularySize: Int
    enum CodingKeys: String, CodingKey {
        case id, path, architecture, labels, maxTokens, isDefault = "default", hiddenSize, layers, vocabularySize
    }
    public init(id: String, path: String, architecture: String, labels: [String], maxTokens: Int, isDefault: Bool,
                hiddenSize: Int, layers: Int, vocabularySize: Int) {
        self.id = id; self.path = path; self.architecture = architecture; self.labels = labels
        self.maxTokens = maxTokens; self.isDefault = isDefault; self.hiddenSize = hiddenSize; self.layers = layers
        self.vocabularySize = vocabularySize
    }
}

/// `models/load` {path, id?, default?} → the model's description. The id defaults to the directory's name.
public struct ModelsLoadParams: RequestParams, Equatable {
    public typealias Result = ModelDescription
    public static let method = "models/load"
    public var path: String
    public var id: String?
    public var makeDefault: Bool
    public init(path: String, id: String? = nil, makeDefault: Bool = false) {
        self.path = path; self.id = id; self.makeDefault = makeDefault
    }
    public init(_ params: ObjectReader) throws {
        path = try params.required("path")
        id = try params.optional("id")
        if let id, id.isEmpty { throw InvalidField(field: params.path(of: "id"), reason: "must not be empty") }
        makeDefault = try params.optional("default") ?? false
    }
    public var json: JSONValue {
        var params = ObjectWriter()
        params.set("path", path)
        params.set("id", id)
        if makeDefault { params.set("default", true) }
        return params.json
    }
}

public struct ModelsListResult: Sendable, Equatable, JSONRecord {
    public var models: [ModelDescription]
    public init(models: [ModelDescription]) { self.models = models }
}

/// `models/list` {} → {models}.
public struct ModelsListParams: RequestParams {
    public typealias Result = ModelsListResult
    public static let method = "models/list"
    public init() {}
    public init(_ params: ObjectReader) throws {}
    public var json: JSONValue { [:] }
}

public struct ModelsUnloadResult: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var id: String
    public var defaultModel: String?
    public init(id: String, defaultModel: String?) { self.id = id; self.defaultModel = defaultModel }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(id: try o.required("id"), defaultModel: try o.optional("defaultModel"))
    }
    public var json: JSONValue { ["id": .string(id), "defaultModel": defaultModel.map { .string($0) } ?? .null] }
}

/// `models/unload` {id} → {id, defaultModel}: requests already running keep the model until they finish.
public struct ModelsUnloadParams: RequestParams, Equatable, JSONRecord {
    public typealias Result = ModelsUnloadResult
    public static let method = "models/unload"
    public var id: String
    public init(id: String) { self.id = id }
}
