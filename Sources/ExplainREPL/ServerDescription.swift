import ExplainProtocol

/// What `initialize` told the REPL, as the protocol's own types: the attribution methods with their options,
/// the enumerations, the models. Completion and the colour scale (signed or not) read it.
public struct ServerDescription: Sendable {
    public var serverInfo = ServerInfo(name: "explaind", version: "")
    public var positionEncoding = PositionEncoding.utf16
    public var methods: [String] = []
    public var attributionMethods: [AttributionMethodInfo] = []
    public var normalizations: [String] = []
    public var granularities: [String] = []
    public var outputs: [String] = []
    public var models: [ModelDescription] = []

    public init() {}

    public init(_ r: InitializeResult) {
        serverInfo = r.serverInfo
        positionEncoding = r.positionEncoding
        methods = r.capabilities.methods
        attributionMethods = r.capabilities.attributionMethods
        normalizations = r.capabilities.normalizations
        granularities = r.capabilities.granularities
        outputs = r.capabilities.outputs
        models = r.models
    }

    public func method(named name: String) -> AttributionMethodInfo? { attributionMethods.first { $0.name == name } }

    /// The names people use for the methods (Captum's and the papers'), each with the method names it may
    /// stand for; an alias resolves only to a method this daemon offers.
    public static let methodAliases: [String: [String]] = [
        "ig": ["integratedGradients"], "integrated": ["integratedGradients"],
        "saliency": ["vanillaGradient"], "vanilla": ["vanillaGradient"], "gradient": ["vanillaGradient"],
        "norm": ["gradientNorm"], "gxi": ["gradientXInput"], "inputxgradient": ["gradientXInput"],
        "sg": ["smoothGrad"], "smooth": ["smoothGrad"], "occ": ["occlusion"],
        "shap": ["kernelShap", "partitionShap", "shap"], "kernelshap": ["kernelShap"], "lime": ["lime"],
        "rollout": ["attentionRollout"], "chefer": ["attentionGradient"], "gradattention": ["attentionGradient"],
        "sig": ["sequentialIntegratedGradients"], "sequential": ["sequentialIntegratedGradients"],
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
    public func model(id: String?) -> ModelDescription? {
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

