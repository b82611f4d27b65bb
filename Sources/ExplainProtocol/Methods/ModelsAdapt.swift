import ExplainJSON

/// `models/adapt` {data, out, addTokens | addFrom + top, model?, heldout?, train?, id?, epochs?, learningRate?,
/// weightDecay?, batchSize?, seed?, format?, textField?, labelField?, workDoneToken?} → {model, out, report}: adds tokens
/// to a resident model, trains them, writes a HuggingFace directory to `out` and loads it under `id` (default:
/// out's directory name). Long-running, with work-done progress; a cancelled request writes nothing.
public struct ModelsAdaptParams: RequestParams, WorkDoneProgressParams, Equatable, JSONRecord {
    public typealias Result = ModelsAdaptResult
    public static let method = "models/adapt"
    public var model: String?
    public var data: String
    public var heldout: String?
    public var addTokens: [String]?
    public var addFrom: String?
    public var top: Int?
    public var train: String?
    public var out: String
    public var id: String?
    public var epochs: Int?
    public var learningRate: Double?
    public var weightDecay: Double?
    public var batchSize: Int?
    public var seed: Int?
    /// "jsonl", "csv" or "tsv" for data and heldout (nil: each by its extension, as `explaind corpus` guesses).
    public var format: String?
    public var textField: String?
    public var labelField: String?
    public var workDoneToken: ProgressToken?

    public init(data: String, out: String, addTokens: [String]? = nil, addFrom: String? = nil, top: Int? = nil, model: String? = nil,
                heldout: String? = nil, train: String? = nil, id: String? = nil, epochs: Int? = nil, learningRate: Double? = nil,
                seed: Int? = nil, workDoneToken: ProgressToken? = nil) {
        self.data = data; self.out = out; self.addTokens = addTokens; self.addFrom = addFrom; self.top = top; self.model = model
        self.heldout = heldout; self.train = train; self.id = id; self.epochs = epochs; self.learningRate = learningRate
        self.seed = seed; self.workDoneToken = workDoneToken
    }

    /// The fields, then what no one field shows: exactly one source of new tokens, `top` with `addFrom`, a
    /// non-empty id.
    public init(_ params: ObjectReader) throws {
        self = try Self(json: .object(params.fields), at: params.path)
        if (addTokens == nil) == (addFrom == nil) {
            throw InvalidField(field: params.path(of: "addTokens"), reason: "give exactly one of addTokens (an array of strings) and addFrom (an aggregate file, with top)")
        }
        if addFrom != nil && top == nil { throw InvalidField(field: params.path(of: "top"), reason: "addFrom needs top (how many words)") }
        if let id, id.isEmpty { throw InvalidField(field: params.path(of: "id"), reason: "must not be empty") }
    }
}

/// The adapted model as loaded, where it was written, and its report (adapt-report.json's content).
public struct ModelsAdaptResult: Sendable, Equatable, JSONRecord {
    public var model: ModelDescription
    public var out: String
    public var report: JSONValue
    public init(model: ModelDescription, out: String, report: JSONValue) { self.model = model; self.out = out; self.report = report }
}
