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
    /// nil: the daemon's default (logit).
    public var output: String? = nil
    /// Special tokens in the normalisation's divisor (the daemon's default: not).
    public var normalizeSpecialTokens = false
    /// Method options set with `:set`, sent to every method that has an option of that name.
    public var options: [String: OptionScalar] = [:]
    /// nil: the daemon's default model.
    public var model: String? = nil
    public var bars = false

    public init() {}

    /// A class selector as the protocol takes it: digits are an index, anything else a label.
    public static func classSelector(_ s: String) -> ClassSelector {
        if let i = Int(s), i >= 0 { return .index(i) }
        return .label(s)
    }

    /// The options that apply to `method`: all of them when the server did not describe its options.
    public func options(for method: String, in server: ServerDescription) -> [String: OptionScalar] {
        guard let described = server.method(named: method) else { return options }
        let names = Set(described.options.map(\.name))
        return options.filter { names.contains($0.key) }
    }

    /// What the scores are about and how they are scaled, as both `explain` and `compareMethods` take it.
    public var scoring: ScoringParams {
        ScoringParams(target: target.map(Self.classSelector), foil: foil.map(Self.classSelector), output: output,
                      normalize: normalize, normalizeSpecialTokens: normalizeSpecialTokens ? true : nil,
                      granularity: granularity)
    }

    /// `explain` params for one text, or several.
    public func explainParams(texts: [String], server: ServerDescription, progressToken: String?) -> ExplainParams {
        ExplainParams(input: texts.count == 1 ? .single(texts[0]) : .many(texts), method: method, scoring: scoring,
                      options: options(for: method, in: server), model: model,
                      workDoneToken: progressToken.map { .string($0) })
    }

    public func compareParams(text: String, methods: [String], server: ServerDescription, progressToken: String?) -> CompareMethodsParams {
        var perMethod: [String: [String: OptionScalar]] = [:]
        for m in methods {
            let o = options(for: m, in: server)
            if !o.isEmpty { perMethod[m] = o }
        }
        return CompareMethodsParams(text: text, methods: methods.isEmpty ? nil : methods, scoring: scoring,
                                    options: perMethod, model: model, workDoneToken: progressToken.map { .string($0) })
    }

    /// A `:set` value: integers, numbers and booleans as such, anything else a string.
    public static func optionValue(_ text: String) -> OptionScalar {
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
            "output       \(output ?? "(server default)")",
            "specials     \(normalizeSpecialTokens ? "in the normalisation" : "out of the normalisation")",
            "model        \(model ?? server.model(id: nil).map { "\($0.id) (default)" } ?? "(server default)")",
            "bars         \(bars ? "on" : "off")",
        ]
        let applicable = options(for: method, in: server)
        let others = options.filter { applicable[$0.key] == nil }
        var optionText = applicable.keys.sorted().map { "\($0)=\(JSONSerializer.string(applicable[$0]!.json))" }
        if let m = server.method(named: method) {
            for o in m.options where applicable[o.name] == nil {
                optionText.append("\(o.name)=\(o.defaultValue.map(JSONSerializer.string) ?? "?") (default)")
            }
        }
        lines.append("options      " + (optionText.isEmpty ? "(none)" : optionText.joined(separator: ", ")))
        if !others.isEmpty {
            lines.append("             not used by \(method): " + others.keys.sorted().map { "\($0)=\(JSONSerializer.string(others[$0]!.json))" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}
