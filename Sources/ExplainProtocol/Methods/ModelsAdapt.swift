import ExplainJSON

/// `models/adapt` {data, out, addTokens | addFrom + top, model?, heldout?, train?, id?, epochs?, learningRate?,
/// weightDecay?, batchSize?, seed?, format?, textField?, labelField?, workDoneToken?} → {model, out, report}: adds tokens
/// to a resident model, trains them, writes a HuggingFace directory to `out` and loads it under `id` (default:
/// out's directory name). Long-running, with work-done progress; a cancelled request writes nothing.
public struct ModelsAdaptParams: RequestParams, WorkDoneProgressParams, Equatable {
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

    public init(_ params: ObjectReader) throws {
        model = try params.optional("model")
        data = try params.required("data")
        heldout = try params.optional("heldout")
        addTokens = try params.optional("addTokens")
        addFrom = try params.optional("addFrom")
        top = try params.optional("top")
        train = try params.optional("train")
        out = try params.required("out")
        id = try params.optional("id")
        epochs = try params.optional("epochs")
        learningRate = try params.optional("learningRate")
        weightDecay = try params.optional("weightDecay")
        batchSize = try params.optional("batchSize")
        seed = try params.optional("seed")
        format = try params.optional("format")
        textField = try params.optional("textField")
        labelField = try params.optional("labelField")
        workDoneToken = try params.optional("workDoneToken")
        if (addTokens == nil) == (addFrom == nil) {
            throw InvalidField(field: params.path(of: "addTokens"), reason: "give exactly one of addTokens (an array of strings) and addFrom (an aggregate file, with top)")
        }
        if addFrom != nil && top == nil { throw InvalidField(field: params.path(of: "top"), reason: "addFrom needs top (how many words)") }
        if let id, id.isEmpty { throw InvalidField(field: params.path(of: "id"), reason: "must not be empty") }
    }

    public var json: JSONValue {
        var params = ObjectWriter()
        params.set("model", model)
        params.set("data", data)
        params.set("heldout", heldout)
        params.set("addTokens", addTokens)
        params.set("addFrom", addFrom)
        params.set("top", top)
        params.set("train", train)
        params.set("out", out)
        params.set("id", id)
        params.set("epochs", epochs)
        params.set("learningRate", learningRate)
        params.set("weightDecay", weightDecay)
        params.set("batchSize", batchSize)
        params.set("seed", seed)
        params.set("format", format)
        params.set("textField", textField)
        params.set("labelField", labelField)
        params.set("workDoneToken", workDoneToken)
        return params.json
    }
}

/// The adapted model as loaded, where it was written, and its report (adapt-report.json's content).
public struct ModelsAdaptResult: Sendable, Equatable, JSONEncodable, JSONDecodable {
    public var model: ModelDescription
    public var out: String
    public var report: JSONValue
    public init(model: ModelDescription, out: String, report: JSONValue) { self.model = model; self.out = out; self.report = report }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(model: try o.required("model"), out: try o.required("out"), report: try o.required("report"))
    }
    public var json: JSONValue { ["model": model.json, "out": .string(out), "report": report] }
}
