/// A class chosen by index or by label name (`target`, `foil`).
public enum ClassSelector: Equatable, Sendable, JSONValueCodable {
    case index(Int)
    case label(String)
    public var json: JSONValue {
        switch self {
        case .index(let i): return .integer(i)
        case .label(let s): return .string(s)
        }
    }
    public init(json: JSONValue, at path: String) throws {
        if case .string(let s) = json { self = .label(s); return }
        if let i = json.intValue { self = .index(i); return }
        throw InvalidField(field: path, reason: "expected a class index or label name, got \(json.typeName)")
    }
}

/// `explain` {text | texts, method?, target?, foil?, output?, normalize?, normalizeSpecialTokens?, granularity?,
/// options?, long?, stride?, model?, workDoneToken?}. Names of methods, normalisations and options are checked by
/// the attribution library.
public struct ExplainParams: RequestParams, WorkDoneProgressParams, Equatable {
    public typealias Result = ExplainResult
    public static let method = "explain"
    public var input: TextInput
    public var method: String
    public var scoring: ScoringParams
    public var options: [String: OptionScalar]
    /// Texts longer than the model's positions: "truncate" (the default) or "windows" (Protocol.md, long texts).
    public var long: String?
    /// Tokens between window starts with "windows" (default: half a window).
    public var stride: Int?
    public var model: String?
    public var workDoneToken: ProgressToken?

    public init(input: TextInput, method: String = "vanillaGradient", scoring: ScoringParams = ScoringParams(),
                options: [String: OptionScalar] = [:], long: String? = nil, stride: Int? = nil, model: String? = nil,
                workDoneToken: ProgressToken? = nil) {
        self.input = input; self.method = method; self.scoring = scoring; self.options = options; self.model = model
        self.long = long; self.stride = stride
        self.workDoneToken = workDoneToken
    }

    public init(_ params: ObjectReader) throws {
        input = try TextInput(params)
        method = try params.optional("method") ?? "vanillaGradient"
        scoring = try ScoringParams(params)
        options = try params.optional("options") ?? [:]
        long = try params.optional("long")
        stride = try params.optional("stride")
        model = try params.optional("model")
        workDoneToken = try params.optional("workDoneToken")
    }

    public var json: JSONValue {
        var params = ObjectWriter()
        input.write(into: &params)
        params.set("method", method)
        params.set(fieldsOf: scoring)
        if !options.isEmpty { params.set("options", JSONValue.object(options.mapValues(\.json))) }
        params.set("long", long)
        params.set("stride", stride)
        params.set("model", model)
        params.set("workDoneToken", workDoneToken)
        return params.json
    }
}

public struct ClassInfo: Sendable, Equatable, JSONRecord {
    public var index: Int
    public var label: String
    public init(index: Int, label: String) { self.index = index; self.label = label }
}

/// An explanation of one text: the prediction, what was explained and how, and one score per token
/// (and per word when `granularity` is `word`).
public struct ExplanationInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
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
    /// With `long: "windows"`, for a text longer than the model's positions: each window's [start, end) token
    /// indices (its special tokens aside); absent for a text explained in one pass.
    public var windows: [[Int]]?
    public var elapsedMs: Double

    public init(text: String, method: String, options: [String: JSONValue], target: ClassInfo, foil: ClassInfo?,
                prediction: PredictionInfo, output: String, normalize: String, granularity: String,
                tokens: [TokenInfo], tokenScores: [Float], rawTokenScores: [Float], words: [WordInfo], wordScores: [Float]?,
                truncated: Bool, extras: [String: JSONValue], windows: [[Int]]? = nil, elapsedMs: Double) {
        self.windows = windows
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
        if let windows { o["windows"] = windows.json }
        return .object(o)
    }

    /// Scores sit in the tokens and words as `score` (and `rawScore`); an absent one reads as NaN.
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        let tokenValues: [JSONValue] = try o.required("tokens")
        let wordValues: [JSONValue] = try o.optional("words") ?? []
        var tokens: [TokenInfo] = [], tokenScores: [Float] = [], rawTokenScores: [Float] = []
        for (i, value) in tokenValues.enumerated() {
            let field = o.path(of: "tokens") + "[\(i)]"
            let token = try ObjectReader(value, at: field)
            tokens.append(try TokenInfo(json: value, at: field))
            tokenScores.append(try token.optional("score") ?? .nan)
            if let raw: Float = try token.optional("rawScore") { rawTokenScores.append(raw) }
        }
        var words: [WordInfo] = [], wordScores: [Float] = []
        for (i, value) in wordValues.enumerated() {
            let field = o.path(of: "words") + "[\(i)]"
            words.append(try WordInfo(json: value, at: field))
            if let score: Float = try ObjectReader(value, at: field).optional("score") { wordScores.append(score) }
        }
        self.init(text: try o.required("text"), method: try o.required("method"), options: try o.optional("options") ?? [:],
                  target: try o.required("target"), foil: try o.optional("foil"), prediction: try o.required("prediction"),
                  output: try o.required("output"), normalize: try o.required("normalize"),
                  granularity: try o.required("granularity"), tokens: tokens, tokenScores: tokenScores,
                  rawTokenScores: rawTokenScores, words: words, wordScores: wordScores.isEmpty ? nil : wordScores,
                  truncated: try o.required("truncated"), extras: try o.optional("extras") ?? [:],
                  windows: try o.optional("windows"), elapsedMs: try o.required("elapsedMs"))
    }
}

/// One explanation for `text`; for `texts`, {explanations: [...], elapsedMs} (one batched run).
public enum ExplainResult: Sendable, JSONEncodable, JSONDecodable {
    case single(ExplanationInfo)
    case many([ExplanationInfo], elapsedMs: Double)
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        if o.has("explanations") {
            self = .many(try o.required("explanations"), elapsedMs: try o.required("elapsedMs"))
        } else {
            self = .single(try ExplanationInfo(json: json, at: path))
        }
    }
    public var json: JSONValue {
        switch self {
        case .single(let e): return e.json
        case .many(let es, let ms): return ["explanations": es.json, "elapsedMs": JSONValue(ms)]
        }
    }
}
