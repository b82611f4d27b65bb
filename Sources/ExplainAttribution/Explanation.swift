import ExplainTokenizer

public struct Prediction: Sendable, Equatable {
    public var label: String
    public var index: Int
    public var probabilities: [Float]
    public var logits: [Float]
}

public struct ClassRef: Sendable, Equatable {
    public var index: Int
    public var label: String
}

/// One text's explanation: the tokens, the prediction, what was explained and how, and the scores.
public struct Explanation: Sendable {
    public var text: String
    public var encoding: Encoding
    public var prediction: Prediction
    public var target: ClassRef
    public var foil: ClassRef?
    public var method: String
    /// The options actually used, defaults filled in.
    public var options: [String: OptionValue]
    public var output: OutputKind
    public var normalize: Normalization
    public var granularity: Granularity
    /// One score per token (special tokens included), normalised as requested.
    public var tokenScores: [Float]
    /// The raw, unnormalised scores, one per token.
    public var rawTokenScores: [Float]
    /// One score per entry of `encoding.words` (the sum of its tokens' raw scores, then normalised) when
    /// granularity is `.word`.
    public var wordScores: [Float]?
    /// Method-specific figures, e.g. integrated gradients' completeness gap and steps.
    public var extras: [String: OptionValue]
    /// For a text explained in windows (LongTexts.windows), each window's tokens: a range of `encoding.tokens`
    /// indices (the special tokens every window repeats are not in it); nil for a text in one pass.
    public var windows: [Range<Int>]? = nil
}
