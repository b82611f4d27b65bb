/// A class chosen by index or by label name (`target`, `foil`).
public enum ClassSelector: Equatable, Sendable, JSONDecodable {
    case index(Int)
    case label(String)
    public init(json: JSONValue, at path: String) throws {
        if case .string(let s) = json { self = .label(s); return }
        if let i = json.intValue { self = .index(i); return }
        throw InvalidField(field: path, reason: "expected a class index or label name, got \(json.typeName)")
    }
}

/// `explain` {text | texts, method?, target?, foil?, output?, normalize?, granularity?, options?, model?,
/// workDoneToken?}. Names of methods, normalisations and options are checked by the attribution library.
public struct ExplainParams: RequestParams, Equatable {
    public typealias Result = ExplainResult
    public static let method = "explain"
    public var input: TextInput
    public var method: String
    public var target: ClassSelector?
    public var foil: ClassSelector?
    public var output: String?
    public var normalize: String?
    public var granularity: String?
    public var options: JSONObject
    public var model: String?
    public var workDoneToken: ProgressToken?

    public init(_ params: ObjectReader) throws {
        input = try TextInput(params)
        method = try params.optional("method") ?? "vanillaGradient"
        target = try params.optional("target")
        foil = try params.optional("foil")
        output = try params.optional("output")
        normalize = try params.optional("normalize")
        granularity = try params.optional("granularity")
        let optionsReader = try params.object("options")
        for (name, value) in optionsReader.fields {
            switch value {
            case .integer, .number, .string, .bool: break
            default: throw InvalidField(field: optionsReader.path(of: name),
                                        reason: "an option is a number, string or boolean, got \(value.typeName)")
            }
        }
        options = optionsReader.fields
        model = try params.optional("model")
        workDoneToken = try params.optional("workDoneToken")
    }
}

public struct ClassInfo: Sendable, JSONEncodable {
    public var index: Int
    public var label: String
    public init(index: Int, label: String) { self.index = index; self.label = label }
    public var json: JSONValue { ["index": .integer(index), "label": .string(label)] }
}

/// An explanation of one text: the prediction, what was explained and how, and one score per token
/// (and per word when `granularity` is `word`).
public struct ExplanationInfo: Sendable, JSONEncodable {
    public var text: String
    public var method: String
    public var options: [String: JSONValue]
    public var target: ClassInfo
    public var foil: ClassInfo?
    public var prediction: PredictionInfo
    public var output: String
    public var normalize: String
    public var granularity: String
    public var tokens: [TokenInfo]
    public var tokenScores: [Float]
    /// Before normalisation (for signed methods, the sign and scale the method gives).
    public var rawTokenScores: [Float]
    public var words: [WordInfo]
    public var wordScores: [Float]?
    public var truncated: Bool
    public var extras: [String: JSONValue]
    public var elapsedMs: Double

    public init(text: String, method: String, options: [String: JSONValue], target: ClassInfo, foil: ClassInfo?,
                prediction: PredictionInfo, output: String, normalize: String, granularity: String,
                tokens: [TokenInfo], tokenScores: [Float], rawTokenScores: [Float], words: [WordInfo], wordScores: [Float]?,
                truncated: Bool, extras: [String: JSONValue], elapsedMs: Double) {
        self.text = text; self.method = method; self.options = options; self.target = target; self.foil = foil
        self.prediction = prediction; self.output = output; self.normalize = normalize
        self.granularity = granularity; self.tokens = tokens; self.tokenScores = tokenScores; self.rawTokenScores = rawTokenScores; self.words = words
        self.wordScores = wordScores; self.truncated = truncated; self.extras = extras; self.elapsedMs = elapsedMs
    }

    public var json: JSONValue {
        var tokenValues: [JSONValue] = []
        for (i, (token, score)) in zip(tokens, tokenScores).enumerated() {
            guard case .object(var o) = token.json else { continue }
            o["score"] = JSONValue(score)
            if i < rawTokenScores.count { o["rawScore"] = JSONValue(rawTokenScores[i]) }
            tokenValues.append(.object(o))
        }
        var wordValues: [JSONValue] = []
        for (i, word) in words.enumerated() {
            guard case .object(var o) = word.json else { continue }
            if let wordScores, i < wordScores.count { o["score"] = JSONValue(wordScores[i]) }
            wordValues.append(.object(o))
        }
        var o: [String: JSONValue] = [
            "text": .string(text), "method": .string(method), "options": .object(options), "target": target.json,
            "prediction": prediction.json, "output": .string(output), "normalize": .string(normalize),
            "granularity": .string(granularity), "tokens": .array(tokenValues), "words": .array(wordValues),
            "truncated": .bool(truncated), "extras": .object(extras), "elapsedMs": JSONValue(elapsedMs),
        ]
        o["foil"] = foil?.json ?? .null
        return .object(o)
    }
}

/// One explanation for `text`; for `texts`, {explanations: [...], elapsedMs} (one batched run).
public enum ExplainResult: Sendable, JSONEncodable {
    case single(ExplanationInfo)
    case many([ExplanationInfo], elapsedMs: Double)
    public var json: JSONValue {
        switch self {
        case .single(let e): return e.json
        case .many(let es, let ms): return ["explanations": es.json, "elapsedMs": JSONValue(ms)]
        }
    }
}
