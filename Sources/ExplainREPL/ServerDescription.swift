import ExplainProtocol

/// What `initialize` told the REPL: the attribution methods with their options, the enumerations, the models.
/// Completion and the colour scale (signed or not) read it.
public struct ServerDescription: Sendable {
    public struct Option: Sendable, Equatable {
        public var name: String
        public var kind: String
        public var defaultValue: JSONValue?
        public var choices: [String]
        public var minimum: Double?
        public var maximum: Double?
        public var summary: String
    }
    public struct Method: Sendable, Equatable {
        public var name: String
        public var signed: Bool
        public var summary: String
        public var options: [Option]
    }
    public struct Model: Sendable, Equatable {
        public var id: String
        public var path: String
        public var architecture: String
        public var labels: [String]
        public var maxTokens: Int?
        public var isDefault: Bool
    }

    public var serverName = "explaind"
    public var serverVersion = ""
    public var positionEncoding = "utf-16"
    public var methods: [String] = []
    public var attributionMethods: [Method] = []
    public var normalizations: [String] = []
    public var granularities: [String] = []
    public var outputs: [String] = []
    public var models: [Model] = []

    public init() {}

    public init(initializeResult r: JSONValue) {
        serverName = r["serverInfo"]?["name"]?.stringValue ?? serverName
        serverVersion = r["serverInfo"]?["version"]?.stringValue ?? ""
        positionEncoding = r["positionEncoding"]?.stringValue ?? positionEncoding
        let capabilities = r["capabilities"]
        methods = strings(capabilities?["methods"])
        attributionMethods = (capabilities?["attributionMethods"]?.arrayValue ?? []).compactMap { m in
            guard let name = m["name"]?.stringValue else { return nil }
            let options = (m["options"]?.arrayValue ?? []).compactMap { o -> Option? in
                guard let n = o["name"]?.stringValue else { return nil }
                return Option(name: n, kind: o["kind"]?.stringValue ?? "", defaultValue: o["default"],
                              choices: strings(o["choices"]), minimum: o["minimum"]?.doubleValue,
                              maximum: o["maximum"]?.doubleValue, summary: o["summary"]?.stringValue ?? "")
            }
            return Method(name: name, signed: m["signed"]?.boolValue ?? false, summary: m["summary"]?.stringValue ?? "",
                          options: options)
        }
        normalizations = strings(capabilities?["normalizations"])
        granularities = strings(capabilities?["granularities"])
        outputs = strings(capabilities?["outputs"])
        models = Self.models(r["models"])
    }

    public static func models(_ json: JSONValue?) -> [Model] {
        (json?.arrayValue ?? []).compactMap(model)
    }

    public static func model(_ m: JSONValue) -> Model? {
        guard let id = m["id"]?.stringValue else { return nil }
        return Model(id: id, path: m["path"]?.stringValue ?? "", architecture: m["architecture"]?.stringValue ?? "",
                     labels: strings(m["labels"]), maxTokens: m["maxTokens"]?.intValue,
                     isDefault: m["default"]?.boolValue ?? false)
    }

    public func method(named name: String) -> Method? { attributionMethods.first { $0.name == name } }

    /// The names people use for the methods (Captum's and the papers'), each with the method names it may
    /// stand for; an alias resolves only to a method this daemon offers.
    public static let methodAliases: [String: [String]] = [
        "ig": ["integratedGradients"], "integrated": ["integratedGradients"],
        "saliency": ["vanillaGradient"], "vanilla": ["vanillaGradient"], "gradient": ["vanillaGradient"],
        "norm": ["gradientNorm"], "gxi": ["gradientXInput"], "inputxgradient": ["gradientXInput"],
        "sg": ["smoothGrad"], "smooth": ["smoothGrad"], "occ": ["occlusion"],
        "shap": ["kernelShap", "partitionShap", "shap"], "kernelshap": ["kernelShap"], "lime": ["lime"],
    ]

    /// A method name as typed — any case, or an alias — as the daemon names it; nil when it offers no such
    /// method. A daemon that did not list its methods takes the name as it is.
    public func resolveMethod(_ name: String) -> String? {
        if attributionMethods.isEmpty { return name }
        let lowered = name.lowercased()
        if let m = attributionMethods.first(where: { $0.name.lowercased() == lowered }) { return m.name }
        for candidate in Self.methodAliases[lowered] ?? [] {
            if let m = attributionMethods.first(where: { $0.name.lowercased() == candidate.lowercased() }) { return m.name }
        }
        return nil
    }

    /// The aliases that resolve here, for `:method` and completion.
    public var availableAliases: [(alias: String, method: String)] {
        Self.methodAliases.keys.sorted().compactMap { a in resolveMethod(a).map { (a, $0) } }
    }
    public func model(id: String?) -> Model? {
        if let id { return models.first { $0.id == id } }
        return models.first { $0.isDefault } ?? models.first
    }
    /// Every option name of every method, for `:set` completion (options are shared across methods by name).
    public var optionNames: [String] {
        var seen: [String] = []
        for m in attributionMethods { for o in m.options where !seen.contains(o.name) { seen.append(o.name) } }
        return seen
    }
    public func supports(_ method: String) -> Bool { methods.isEmpty || methods.contains(method) }
}

func strings(_ json: JSONValue?) -> [String] { (json?.arrayValue ?? []).compactMap(\.stringValue) }
