import ExplainTokenizer

/// One method's scores to be measured: one per token, special tokens included (their scores are ignored).
public struct ScoredMethod: Sendable {
    public var method: String
    public var scores: [Float]

    public init(method: String, scores: [Float]) {
        self.method = method
        self.scores = scores
    }
}

/// The agreement and faithfulness figures of several methods' scores on one input.
public struct ComparisonFigures: Sendable {
    /// The explained probability p_c(x) of the unperturbed input (p_target − p_foil with a foil).
    public var probability: Double
    /// The k of the top-k overlaps.
    public var topK: Int
    public var agreement: [MethodAgreement]
    /// p_c(x) − p_c(x without token j), per non-special token, when taucorr_loo was asked for.
    public var leaveOneOut: [Double]?
    /// One entry per method, in the request's order.
    public var faithfulness: [MethodFaithfulness]
    public var ranking: [RankedMethod]
    public var summary: String
    public var settings: ComparisonSettings
    /// Distinct perturbed inputs run through the model, and the batched passes they took.
    public var perturbedInputs: Int
    public var batches: Int
}

/// One method's run inside a comparison.
public struct MethodRun: Sendable {
    public var explanation: Explanation
    public var elapsedMs: Double
}

/// A `compareMethods` result: the tokens once, each method's explanation of the same target, the figures.
public struct Comparison: Sendable {
    public var text: String
    public var encoding: Encoding
    public var prediction: Prediction
    public var target: ClassRef
    public var foil: ClassRef?
    public var runs: [MethodRun]
    public var figures: ComparisonFigures
    /// Wall time of the figures' perturbed passes and statistics.
    public var figuresElapsedMs: Double
}
