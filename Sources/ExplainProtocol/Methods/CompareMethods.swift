/// `compareMethods` {text, methods?, target?, foil?, output?, normalize?, normalizeSpecialTokens?, granularity?,
/// options? (per method), metrics?, thresholds?, removal?, topK?, topKFraction?, batchSize?, model?,
/// workDoneToken?}: every method on the same tokens and target, with agreement and faithfulness figures.
/// Names (methods, metrics, removal) and ranges are checked by the attribution library.
public struct CompareMethodsParams: RequestParams, WorkDoneProgressParams, Equatable {
    public typealias Result = CompareMethodsResult
    public static let method = "compareMethods"
    public var text: String
    public var methods: [String]?
    public var scoring: ScoringParams
    /// Method name → option name → a number, string or boolean.
    public var options: [String: [String: OptionScalar]]
    public var metrics: [String]?
    public var thresholds: [Double]?
    public var removal: String?
    public var topK: Int?
    public var topKFraction: Double?
    public var batchSize: Int?
    public var model: String?
    public var workDoneToken: ProgressToken?

    public init(_ params: ObjectReader) throws {
        text = try params.required("text")
        methods = try params.optional("methods")
        scoring = try ScoringParams(params)
        let perMethod: [String: [String: OptionScalar]?] = try params.optional("options") ?? [:]
        options = perMethod.mapValues { $0 ?? [:] }
        metrics = try params.optional("metrics")
        thresholds = try params.optional("thresholds")
        removal = try params.optional("removal")
        topK = try params.optional("topK")
        topKFraction = try params.optional("topKFraction")
        batchSize = try params.optional("batchSize")
        model = try params.optional("model")
        workDoneToken = try params.optional("workDoneToken")
    }

    public init(text: String, methods: [String]? = nil, scoring: ScoringParams = ScoringParams(),
                options: [String: [String: OptionScalar]] = [:], metrics: [String]? = nil, thresholds: [Double]? = nil,
                removal: String? = nil, topK: Int? = nil, topKFraction: Double? = nil, batchSize: Int? = nil,
                model: String? = nil, workDoneToken: ProgressToken? = nil) {
        self.text = text; self.methods = methods; self.scoring = scoring; self.options = options; self.metrics = metrics
        self.thresholds = thresholds; self.removal = removal; self.topK = topK; self.topKFraction = topKFraction
        self.batchSize = batchSize; self.model = model; self.workDoneToken = workDoneToken
    }

    public var json: JSONValue {
        var params = ObjectWriter()
        params.set("text", text)
        params.set("methods", methods)
        params.set(fieldsOf: scoring)
        if !options.isEmpty {
            params.set("options", JSONValue.object(options.mapValues { JSONValue.object($0.mapValues(\.json)) }))
        }
        params.set("metrics", metrics)
        params.set("thresholds", thresholds)
        params.set("removal", removal)
        params.set("topK", topK)
        params.set("topKFraction", topKFraction)
        params.set("batchSize", batchSize)
        params.set("model", model)
        params.set("workDoneToken", workDoneToken)
        return params.json
    }
}

/// One method's run: its scores on the shared tokens, the options it used, its figures' inputs.
public struct ComparedMethodInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var method: String
    public var signed: Bool
    public var options: [String: JSONValue]
    /// One per token (specials included), normalised as requested; `rawScores` unnormalised.
    public var scores: [Float]
    public var rawScores: [Float]
    public var wordScores: [Float]?
    public var extras: [String: JSONValue]
    public var elapsedMs: Double

    public init(method: String, signed: Bool, options: [String: JSONValue], scores: [Float], rawScores: [Float],
                wordScores: [Float]?, extras: [String: JSONValue], elapsedMs: Double) {
        self.method = method; self.signed = signed; self.options = options; self.scores = scores
        self.rawScores = rawScores; self.wordScores = wordScores; self.extras = extras; self.elapsedMs = elapsedMs
    }

    public var json: JSONValue {
        ["method": .string(method), "signed": .bool(signed), "options": .object(options),
         "scores": .array(scores.map(JSONValue.init)), "rawScores": .array(rawScores.map(JSONValue.init)),
         "wordScores": wordScores.map { .array($0.map(JSONValue.init)) } ?? .null,
         "extras": .object(extras), "elapsedMs": JSONValue(elapsedMs)]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(method: try o.required("method"), signed: try o.required("signed"), options: try o.optional("options") ?? [:],
                  scores: try o.required("scores"), rawScores: try o.optional("rawScores") ?? [],
                  wordScores: try o.optional("wordScores"), extras: try o.optional("extras") ?? [:],
                  elapsedMs: try o.required("elapsedMs"))
    }
}

/// Agreement of two methods over the non-special tokens; null where a statistic is undefined.
public struct AgreementInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var a: String
    public var b: String
    public var spearman: Double?, kendall: Double?, topKOverlap: Double?
    public var spearmanAbsolute: Double?, kendallAbsolute: Double?, topKOverlapAbsolute: Double?

    public init(a: String, b: String, spearman: Double?, kendall: Double?, topKOverlap: Double?,
                spearmanAbsolute: Double?, kendallAbsolute: Double?, topKOverlapAbsolute: Double?) {
        self.a = a; self.b = b; self.spearman = spearman; self.kendall = kendall; self.topKOverlap = topKOverlap
        self.spearmanAbsolute = spearmanAbsolute; self.kendallAbsolute = kendallAbsolute
        self.topKOverlapAbsolute = topKOverlapAbsolute
    }

    public var json: JSONValue {
        ["a": .string(a), "b": .string(b), "spearman": spearman.json, "kendall": kendall.json, "topKOverlap": topKOverlap.json,
         "spearmanAbsolute": spearmanAbsolute.json, "kendallAbsolute": kendallAbsolute.json,
         "topKOverlapAbsolute": topKOverlapAbsolute.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(a: try o.required("a"), b: try o.required("b"), spearman: try o.optional("spearman"),
                  kendall: try o.optional("kendall"), topKOverlap: try o.optional("topKOverlap"),
                  spearmanAbsolute: try o.optional("spearmanAbsolute"), kendallAbsolute: try o.optional("kendallAbsolute"),
                  topKOverlapAbsolute: try o.optional("topKOverlapAbsolute"))
    }
}

/// One rationale: threshold, size, its tokens (indices into `tokens`) and p_c without it / with it alone.
public struct RationaleInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var threshold: Double
    public var k: Int
    public var tokens: [Int]
    public var withoutProbability: Double?
    public var onlyProbability: Double?

    public init(threshold: Double, k: Int, tokens: [Int], withoutProbability: Double?, onlyProbability: Double?) {
        self.threshold = threshold; self.k = k; self.tokens = tokens
        self.withoutProbability = withoutProbability; self.onlyProbability = onlyProbability
    }

    public var json: JSONValue {
        ["threshold": JSONValue(threshold), "k": .integer(k), "tokens": .array(tokens.map { .integer($0) }),
         "withoutProbability": withoutProbability.json, "onlyProbability": onlyProbability.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(threshold: try o.required("threshold"), k: try o.required("k"), tokens: try o.required("tokens"),
                  withoutProbability: try o.optional("withoutProbability"), onlyProbability: try o.optional("onlyProbability"))
    }
}

/// One method's faithfulness; a figure not asked for is null.
public struct FaithfulnessInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var method: String
    public var comprehensiveness: Double?
    public var sufficiency: Double?
    public var taucorrLoo: Double?
    public var rationales: [RationaleInfo]
    /// p_c with the top 0, 1, … n tokens removed, and its normalised area.
    public var deletionCurve: [Double]?
    public var deletionArea: Double?

    public init(method: String, comprehensiveness: Double?, sufficiency: Double?, taucorrLoo: Double?,
                rationales: [RationaleInfo], deletionCurve: [Double]?, deletionArea: Double?) {
        self.method = method; self.comprehensiveness = comprehensiveness; self.sufficiency = sufficiency
        self.taucorrLoo = taucorrLoo; self.rationales = rationales; self.deletionCurve = deletionCurve
        self.deletionArea = deletionArea
    }

    public var json: JSONValue {
        ["method": .string(method), "comprehensiveness": comprehensiveness.json, "sufficiency": sufficiency.json,
         "taucorr_loo": taucorrLoo.json, "rationales": rationales.json,
         "deletionCurve": deletionCurve.map { .array($0.map { JSONValue($0) }) } ?? .null, "deletionArea": deletionArea.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(method: try o.required("method"), comprehensiveness: try o.optional("comprehensiveness"),
                  sufficiency: try o.optional("sufficiency"), taucorrLoo: try o.optional("taucorr_loo"),
                  rationales: try o.optional("rationales") ?? [], deletionCurve: try o.optional("deletionCurve"),
                  deletionArea: try o.optional("deletionArea"))
    }
}

public struct RankInfo: Sendable, Equatable, JSONRecord {
    public var method: String
    public var rank: Int
    /// comprehensiveness − sufficiency
    public var score: Double
    public init(method: String, rank: Int, score: Double) { self.method = method; self.rank = rank; self.score = score }
}

/// The tokens once, each method's scores on them, the figures, the ranking and a one-line summary.
public struct CompareMethodsResult: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var text: String
    public var tokens: [TokenInfo]
    public var words: [WordInfo]
    public var truncated: Bool
    public var prediction: PredictionInfo
    public var target: ClassInfo
    public var foil: ClassInfo?
    public var output: String
    public var normalize: String
    public var granularity: String
    public var methods: [ComparedMethodInfo]
    /// p_c(x): the target's probability (minus the foil's) on the unperturbed input.
    public var probability: Double
    /// Leave-one-out importance per token (null for special tokens), when taucorr_loo was computed.
    public var leaveOneOut: [Double?]?
    public var topK: Int
    public var agreement: [AgreementInfo]
    public var faithfulness: [FaithfulnessInfo]
    public var ranking: [RankInfo]
    public var summary: String
    /// The settings used, defaults filled in: metrics, thresholds, removal, topK, topKFraction, batchSize.
    public var settings: [String: JSONValue]
    public var perturbedInputs: Int
    public var batches: Int
    public var elapsedMs: Double

    public init(text: String, tokens: [TokenInfo], words: [WordInfo], truncated: Bool, prediction: PredictionInfo,
                target: ClassInfo, foil: ClassInfo?, output: String, normalize: String, granularity: String,
                methods: [ComparedMethodInfo], probability: Double, leaveOneOut: [Double?]?, topK: Int,
                agreement: [AgreementInfo], faithfulness: [FaithfulnessInfo], ranking: [RankInfo], summary: String,
                settings: [String: JSONValue], perturbedInputs: Int, batches: Int, elapsedMs: Double) {
        self.text = text; self.tokens = tokens; self.words = words; self.truncated = truncated
        self.prediction = prediction; self.target = target; self.foil = foil; self.output = output
        self.normalize = normalize; self.granularity = granularity; self.methods = methods
        self.probability = probability; self.leaveOneOut = leaveOneOut; self.topK = topK; self.agreement = agreement
        self.faithfulness = faithfulness; self.ranking = ranking; self.summary = summary; self.settings = settings
        self.perturbedInputs = perturbedInputs; self.batches = batches; self.elapsedMs = elapsedMs
    }

    public var json: JSONValue {
        ["text": .string(text), "tokens": tokens.json, "words": words.json, "truncated": .bool(truncated),
         "prediction": prediction.json, "target": target.json, "foil": foil?.json ?? .null, "output": .string(output),
         "normalize": .string(normalize), "granularity": .string(granularity), "methods": methods.json,
         "probability": JSONValue(probability),
         "leaveOneOut": leaveOneOut.map { .array($0.map(\.json)) } ?? .null,
         "topK": .integer(topK), "agreement": agreement.json, "faithfulness": faithfulness.json, "ranking": ranking.json,
         "summary": .string(summary), "settings": .object(settings), "perturbedInputs": .integer(perturbedInputs),
         "batches": .integer(batches), "elapsedMs": JSONValue(elapsedMs)]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(text: try o.required("text"), tokens: try o.required("tokens"), words: try o.optional("words") ?? [],
                  truncated: try o.optional("truncated") ?? false, prediction: try o.required("prediction"),
                  target: try o.required("target"), foil: try o.optional("foil"), output: try o.required("output"),
                  normalize: try o.required("normalize"), granularity: try o.required("granularity"),
                  methods: try o.required("methods"), probability: try o.required("probability"),
                  leaveOneOut: try o.optional("leaveOneOut"), topK: try o.required("topK"),
                  agreement: try o.optional("agreement") ?? [], faithfulness: try o.optional("faithfulness") ?? [],
                  ranking: try o.optional("ranking") ?? [], summary: try o.optional("summary") ?? "",
                  settings: try o.optional("settings") ?? [:], perturbedInputs: try o.optional("perturbedInputs") ?? 0,
                  batches: try o.optional("batches") ?? 0, elapsedMs: try o.required("elapsedMs"))
    }
}
