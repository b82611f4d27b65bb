import ExplainProtocol

/// One token as the REPL draws it: its text, where it sits in the input (Unicode scalar offsets: the REPL asks
/// for the utf-32 position encoding), and its score when it comes from an explanation.
public struct ShownToken: Sendable, Equatable {
    public var text: String
    public var start: Int?
    public var end: Int?
    public var special: Bool
    public var word: Int?
    public var score: Double?
    public init(text: String, start: Int?, end: Int?, special: Bool, word: Int?, score: Double?) {
        self.text = text; self.start = start; self.end = end; self.special = special; self.word = word; self.score = score
    }
}

public struct ShownWord: Sendable, Equatable {
    public var text: String
    public var start: Int
    public var end: Int
    public var tokens: [Int]
    public var score: Double?
}

public struct Prediction: Sendable, Equatable {
    public var label: String
    public var index: Int
    public var probabilities: [Double]
    public var truncated: Bool

    public init(label: String, index: Int, probabilities: [Double], truncated: Bool = false) {
        self.label = label; self.index = index; self.probabilities = probabilities; self.truncated = truncated
    }

    public init?(json: JSONValue) {
        guard let label = json["label"]?.stringValue, let index = json["index"]?.intValue else { return nil }
        self.init(label: label, index: index, probabilities: (json["probabilities"]?.arrayValue ?? []).compactMap(\.doubleValue),
                  truncated: json["truncated"]?.boolValue ?? false)
    }
}

/// The result of `explain` for one text, decoded from the reply.
public struct Explanation: Sendable, Equatable {
    public var text: String
    public var method: String
    public var target: String
    public var foil: String?
    public var prediction: Prediction
    public var normalize: String
    public var granularity: String
    public var tokens: [ShownToken]
    public var words: [ShownWord]
    public var truncated: Bool
    public var elapsedMs: Double?
    public var options: JSONObject

    public init(json: JSONValue) throws {
        guard let text = json["text"]?.stringValue, let method = json["method"]?.stringValue,
              let predictionJSON = json["prediction"], let prediction = Prediction(json: predictionJSON),
              let tokens = json["tokens"]?.arrayValue else {
            throw REPLError.unexpectedReply("an explanation needs text, method, prediction and tokens")
        }
        self.text = text
        self.method = method
        target = json["target"]?["label"]?.stringValue ?? prediction.label
        foil = json["foil"]?["label"]?.stringValue
        self.prediction = prediction
        normalize = json["normalize"]?.stringValue ?? ""
        granularity = json["granularity"]?.stringValue ?? "token"
        self.tokens = tokens.map(decodeToken)
        words = (json["words"]?.arrayValue ?? []).map { w in
            ShownWord(text: w["text"]?.stringValue ?? "", start: w["start"]?.intValue ?? 0, end: w["end"]?.intValue ?? 0,
                      tokens: (w["tokens"]?.arrayValue ?? []).compactMap(\.intValue), score: w["score"]?.doubleValue)
        }
        truncated = json["truncated"]?.boolValue ?? false
        elapsedMs = json["elapsedMs"]?.doubleValue
        options = json["options"]?.objectValue ?? [:]
    }
}

func decodeToken(_ t: JSONValue) -> ShownToken {
    ShownToken(text: t["text"]?.stringValue ?? "", start: t["start"]?.intValue, end: t["end"]?.intValue,
               special: t["special"]?.boolValue ?? false, word: t["word"]?.intValue, score: t["score"]?.doubleValue)
}

/// The result of `tokenize`.
public struct Tokenization: Sendable, Equatable {
    public var tokens: [ShownToken]
    public var words: [ShownWord]
    public var fragmentedWords: Set<Int>
    public var truncated: Bool

    public init(json: JSONValue) throws {
        guard let tokens = json["tokens"]?.arrayValue else { throw REPLError.unexpectedReply("tokenize without tokens") }
        self.tokens = tokens.map(decodeToken)
        words = (json["words"]?.arrayValue ?? []).map { w in
            ShownWord(text: w["text"]?.stringValue ?? "", start: w["start"]?.intValue ?? 0, end: w["end"]?.intValue ?? 0,
                      tokens: (w["tokens"]?.arrayValue ?? []).compactMap(\.intValue), score: nil)
        }
        fragmentedWords = Set((json["fragmented"]?.arrayValue ?? []).compactMap { $0["word"]?.intValue })
        truncated = json["truncated"]?.boolValue ?? false
    }
}
