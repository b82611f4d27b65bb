/// `predict` {text | texts, model?}: the classifier's output per text.
public struct PredictParams: RequestParams, Equatable {
    public typealias Result = PredictResult
    public static let method = "predict"
    public var input: TextInput
    public var model: String?
    public init(_ params: ObjectReader) throws {
        input = try TextInput(params)
        model = try params.optional("model")
    }
}

public struct PredictionInfo: Sendable, JSONEncodable {
    public var label: String
    public var index: Int
    public var probabilities: [Float]
    public var logits: [Float]
    public var truncated: Bool
    public init(label: String, index: Int, probabilities: [Float], logits: [Float], truncated: Bool) {
        self.label = label; self.index = index; self.probabilities = probabilities; self.logits = logits
        self.truncated = truncated
    }
    public var json: JSONValue {
        ["label": .string(label), "index": .integer(index), "probabilities": .array(probabilities.map(JSONValue.init)),
         "logits": .array(logits.map(JSONValue.init)), "truncated": .bool(truncated)]
    }
}

/// One prediction for `text`, an array of them (in order) for `texts`.
public enum PredictResult: Sendable, JSONEncodable {
    case single(PredictionInfo)
    case many([PredictionInfo])
    public var json: JSONValue {
        switch self {
        case .single(let p): return p.json
        case .many(let ps): return ps.json
        }
    }
}
