/// Which class an explanation is about.
public enum TargetSpec: Sendable, Equatable { case predicted, index(Int), label(String) }

/// How scores are scaled for display (the reference workflow divides by the maximum, giving 0–1).
public enum Normalization: String, Sendable, CaseIterable { case max, l1, l2, none }

/// Scores per word piece, or summed per word.
public enum Granularity: String, Sendable, CaseIterable { case token, word }

/// The explained quantity: the target's logit (the reference workflow, ferret) or its softmax probability
/// (transformers-interpret, LIT's examples).
public enum OutputKind: String, Sendable, CaseIterable { case logit, probability }

/// Texts longer than the model's positions: cut to them (`truncate`), or explained in overlapping windows
/// whose scores are averaged (`windows`, LongTextWindows.swift).
public enum LongTexts: String, Sendable, CaseIterable { case truncate, windows }

/// What the scores are about and how they are scaled: the part of a request `explain` and `compareMethods`
/// share (a comparison runs each of its methods with the same scoring).
public struct Scoring: Sendable, Equatable {
    public var target: TargetSpec = .predicted
    /// A second class, making the explained quantity f_target − f_foil (contrastive explanation).
    public var foil: TargetSpec? = nil
    /// For the gradient methods; occlusion and the faithfulness figures always use probabilities.
    public var output: OutputKind = .logit
    public var normalize: Normalization = .max
    /// Whether [CLS], [SEP] and other special tokens count in the normalisation's divisor (by default they
    /// do not: their scores are divided by the text tokens' divisor like the others).
    public var normalizeSpecialTokens = false
    public var granularity: Granularity = .token

    public init() {}
}

/// One explanation request, as the protocol's `explain` params carry it.
public struct ExplainRequest: Sendable {
    public var method: String = "vanillaGradient"
    public var scoring = Scoring()
    public var options: [String: OptionValue] = [:]
    public var long: LongTexts = .truncate
    /// Tokens between window starts (nil: half a window).
    public var stride: Int? = nil

    public init(method: String = "vanillaGradient") { self.method = method }
}
