/// The position-wise feed-forward block: expand, non-linearity, project back (BertIntermediate +
/// BertOutput.dense; DistilBERT's FFN lin1/lin2).
struct FeedForward: Sendable {
    var expand: Linear     // (I, H)
    var project: Linear    // (H, I)
    let activation: Activation

    /// Keeps what the backward needs in `preActivation` (N × I): the pre-activation u, or for the exact GELU
    /// its derivative gelu'(u), computed alongside the activation. `activated` (N × I), when given, keeps the
    /// activation (the projection's input) for weight gradients.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, preActivation: FloatBuffer,
                 activated kept: FloatBuffer? = nil) {
        let inner = expand.outputSize
        expand.forward(preActivation.pointer, x, rows: rows)
        let activated = kept ?? FloatBuffer(count: rows * inner, zeroed: false)
        activation.forward(activated.pointer, replacingWithBackwardState: preActivation.pointer, count: rows * inner)
        project.forward(y, activated.pointer, rows: rows)
    }

    /// The weight gradients of both linears.
    struct Gradients {
        let expand: WeightGradient
        let project: WeightGradient
        init(_ block: FeedForward) {
            expand = WeightGradient(block.expand)
            project = WeightGradient(block.project)
        }
    }

    /// dx += ∂/∂x given dy. With `weights` (its gradients, the forward's input x and kept activation), also
    /// accumulates both linears' dW, db.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, preActivation: FloatBuffer,
                  weights: (gradients: Gradients, input: UnsafePointer<Float>, activated: UnsafePointer<Float>)? = nil) {
        let count = rows * expand.outputSize
        let dInner = FloatBuffer(count: count)
        project.backward(dx: dInner.pointer, dy: dy, rows: rows)
        if let weights { project.accumulateWeightGradient(weights.gradients.project, dy: dy, x: weights.activated, rows: rows) }
        activation.backward(dx: dInner.pointer, dy: dInner.pointer, kept: preActivation.pointer, count: count)
        expand.backward(dx: dx, dy: dInner.pointer, rows: rows)
        if let weights { expand.accumulateWeightGradient(weights.gradients.expand, dy: dInner.pointer, x: weights.input, rows: rows) }
    }
}
