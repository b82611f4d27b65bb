/// One attention layer's maps for one sequence, as the forward computed them: the probabilities A of every
/// head and, when the backward was asked to record them, their gradients ∂f/∂A. Rows are queries, columns
/// keys; a layer that computes only the first token's output (the last, see RowLayout) has one row, and a
/// key a query may not see (a sliding window, a mask) is an entry 0 of a full row of T keys.
public struct AttentionMaps: Sendable {
    public let heads: Int
    /// The rows are the sequence's first `queries` tokens.
    public let queries: Int
    public let keys: Int
    /// heads × queries × keys, row-major.
    public let probabilities: [Float]
    /// ∂f/∂A in the same layout, nil unless recorded.
    public let gradients: [Float]?

    public init(heads: Int, queries: Int, keys: Int, probabilities: [Float], gradients: [Float]?) {
        precondition(probabilities.count == heads * queries * keys && (gradients?.count ?? probabilities.count) == probabilities.count,
                     "attention maps are not heads × queries × keys")
        self.heads = heads
        self.queries = queries
        self.keys = keys
        self.probabilities = probabilities
        self.gradients = gradients
    }
}

/// The seam between an attention layer and the attention-based explanations (rollout, gradient-weighted
/// attention). A layer's attention cache conforms: its forward keeps A anyway for its own backward, so
/// `maps` only copies it out; `recordGradients()`, called between the forward and the backward, makes the
/// backward also keep ∂f/∂A (the gradient reaching the probabilities, before the softmax backward). Without
/// that call the backward does nothing extra. A new attention layer plugs in by conforming its cache and
/// listing it in its encoder layer's `attentionMaps` (see EncoderLayer.Cache).
protocol AttentionMapsRecorder: AnyObject {
    func recordGradients()
    func maps(sequence: Int) -> AttentionMaps
}
