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

    public init(_ p: PredictionInfo) {
        self.init(label: p.label, index: p.index, probabilities: p.probabilities.compactMap(decimal), truncated: p.truncated)
    }
}

/// The result of `explain` for one text as the views draw it, from the decoded reply.
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
    public var output: String
    /// What the method reports besides scores: steps used, completeness gap, …
    public var extras: JSONObject
    /// The model that explained (the reply does not say; the session fills it in).
    public var model: String?

    public init(_ e: ExplanationInfo) {
        text = e.text
        method = e.method
        target = e.target.label
        foil = e.foil?.label
        prediction = Prediction(e.prediction)
        normalize = e.normalize
        granularity = e.granularity
        tokens = zip(e.tokens, e.tokenScores).map { ShownToken($0, score: decimal($1)) }
        words = e.words.enumerated().map { i, w in
            ShownWord(w, score: e.wordScores.flatMap { i < $0.count ? decimal($0[i]) : nil })
        }
        truncated = e.truncated
        elapsedMs = e.elapsedMs
        options = JSONObject(e.options)
        output = e.output
        extras = JSONObject(e.extras)
        model = nil
    }
}

/// A score as the reply wrote it (the shortest decimal that reads back as the Float: 0.3, not
/// 0.30000001192092896), so views show what `--json` shows; nil for NaN, which the reply writes as null.
func decimal(_ value: Float) -> Double? { JSONValue(value).doubleValue }

extension ShownToken {
    init(_ t: TokenInfo, score: Double?) {
        self.init(text: t.text, start: t.start, end: t.end, special: t.special, word: t.word, score: score)
    }
}

extension ShownWord {
    init(_ w: WordInfo, score: Double?) {
        self.init(text: w.text, start: w.start, end: w.end, tokens: w.tokens, score: score)
    }
}

/// The result of `tokenize`.
public struct Tokenization: Sendable, Equatable {
    public var tokens: [ShownToken]
    public var words: [ShownWord]
    public var fragmentedWords: Set<Int>
    public var truncated: Bool

    public init(_ t: TokenizeResult) {
        tokens = t.tokens.map { ShownToken($0, score: nil) }
        words = t.words.map { ShownWord($0, score: nil) }
        fragmentedWords = Set(t.fragmented.map(\.word))
        truncated = t.truncated
    }
}
