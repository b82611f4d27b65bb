/// `predict` {text | texts, model?}: the classifier's output per text.
public struct PredictParams: RequestParams, Equatable {
    public typealias Result = PredictResult
    public static let method = "predict"
    public var input: TextInput
    public var model: String?
    public init(input: TextInput, model: String? = nil) { self.input = input; self.model = model }
    public init(_ params: ObjectReader) throws {
        input = try TextInput(params)
        model = try params.optional("model")
    }
    public var json: JSONValue {
        var params = ObjectWriter()
        input.write(into: &params)
        params.set("model", model)
        return params.json
    }
}

public struct PredictionInfo: Sendable, Equatable, JSONEncodable, JSONDecodable {
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
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(label: try o.required("label"), index: try o.required("index"), probabilities: try o.required("probabilities"),
                  logits: try o.optional("logits") ?? [], truncated: try o.optional("truncated") ?? false)
    }
}

/// One prediction for `text`, an array of them (in order) for `texts`.
public enum PredictResult: Sendable, JSONEncodable, JSONDecodable {
    case single(PredictionInfo)
    case many([PredictionInfo])
    public init(json: JSONValue, at path: String) throws {
        if case .array = json { self = .many(try [PredictionInfo](json: json, at: path)) }
        else { self = .single(try PredictionInfo(json: json, at: path)) }
    }
    public var json: JSONValue {
        switch self {
        case .single(let p): return p.json
        case .many(let ps): return ps.json
        }
    }
}
