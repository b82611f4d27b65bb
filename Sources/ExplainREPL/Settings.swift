import ExplainProtocol

/// The REPL's current explanation settings; every bare line is explained with them.
public struct Settings: Sendable, Equatable {
    public var method = "vanillaGradient"
    /// nil: the predicted class. A label name, or an index written as digits.
    public var target: String? = nil
    public var foil: String? = nil
    /// nil: the daemon's default.
    public var normalize: String? = nil
    public var granularity: String? = nil
    /// Method options set with `:set`, sent to every method that has an option of that name.
    public var options: [String: JSONValue] = [:]
    /// nil: the daemon's default model.
    public var model: String? = nil
    public var bars = false

    public init() {}

    /// A class selector as the protocol takes it: digits are an index, anything else a label.
    public static func classSelector(_ s: String) -> JSONValue {
        if let i = Int(s), i >= 0 { return .integer(i) }
        return .string(s)
    }

    /// The options that apply to `method`: all of them when the server did not describe its options.
    public func options(for method: String, in server: ServerDescription) -> [String: JSONValue] {
        guard let described = server.method(named: method) else { return options }
        let names = Set(described.options.map(\.name))
        return options.filter { names.contains($0.key) }
    }

    /// `explain` params for one text, or several.
    public func explainParams(texts: [String], server: ServerDescription, progressToken: String?) -> JSONValue {
        var params: [String: JSONValue] = ["method": .string(method)]
        if texts.count == 1 { params["text"] = .string(texts[0]) } else { params["texts"] = .array(texts.map { .string($0) }) }
        if let target { params["target"] = Self.classSelector(target) }
        if let foil { params["foil"] = Self.classSelector(foil) }
        if let normalize { params["normalize"] = .string(normalize) }
        if let granularity { params["granularity"] = .string(granularity) }
        let applicable = options(for: method, in: server)
        if !applicable.isEmpty { params["options"] = .object(applicable) }
        if let model { params["model"] = .string(model) }
        if let progressToken { params["workDoneToken"] = .string(progressToken) }
        return .object(params)
    }

    public func compareParams(text: String, methods: [String], server: ServerDescription, progressToken: String?) -> JSONValue {
        var params: [String: JSONValue] = ["text": .string(text)]
        if !methods.isEmpty {
            params["methods"] = .array(methods.map { .string($0) })
            // per-method options, for the methods that have them
            var perMethod: [String: JSONValue] = [:]
            for m in methods {
                let o = options(for: m, in: server)
                if !o.isEmpty { perMethod[m] = .object(o) }
            }
            if !perMethod.isEmpty { params["options"] = .object(perMethod) }
        }
        if let target { params["target"] = Self.classSelector(target) }
        if let foil { params["foil"] = Self.classSelector(foil) }
        if let normalize { params["normalize"] = .string(normalize) }
        if let granularity { params["granularity"] = .string(granularity) }
        if let model { params["model"] = .string(model) }
        if let progressToken { params["workDoneToken"] = .string(progressToken) }
        return .object(params)
    }

    /// A `:set` value: integers, numbers and booleans as such, anything else a string.
    public static func optionValue(_ text: String) -> JSONValue {
        if let i = Int(text) { return .integer(i) }
        if let d = Double(text), d.isFinite { return .number(d) }
        switch text.lowercased() {
        case "true", "yes", "on": return .bool(true)
        case "false", "no", "off": return .bool(false)
        default: return .string(text)
        }
    }

    /// `:show`.
    public func describe(server: ServerDescription) -> String {
        var lines = [
            "method       \(method)",
            "target       \(target ?? "predicted")",
            "foil         \(foil ?? "none")",
            "normalize    \(normalize ?? "(server default)")",
            "granularity  \(granularity ?? "(server default)")",
            "model        \(model ?? server.model(id: nil).map { "\($0.id) (default)" } ?? "(server default)")",
            "bars         \(bars ? "on" : "off")",
        ]
        let applicable = options(for: method, in: server)
        let others = options.filter { applicable[$0.key] == nil }
        var optionText = applicable.keys.sorted().map { "\($0)=\(JSONSerializer.string(applicable[$0]!))" }
        if let m = server.method(named: method) {
            for o in m.options where applicable[o.name] == nil {
                optionText.append("\(o.name)=\(o.defaultValue.map(JSONSerializer.string) ?? "?") (default)")
            }
        }
        lines.append("options      " + (optionText.isEmpty ? "(none)" : optionText.joined(separator: ", ")))
        if !others.isEmpty {
            lines.append("             not used by \(method): " + others.keys.sorted().map { "\($0)=\(JSONSerializer.string(others[$0]!))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
