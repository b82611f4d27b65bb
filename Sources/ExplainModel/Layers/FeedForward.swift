/// The position-wise feed-forward block: expand, non-linearity, project back (BertIntermediate +
/// BertOutput.dense; DistilBERT's FFN lin1/lin2).
struct FeedForward: Sendable {
    let expand: Linear     // (I, H)
    let project: Linear    // (H, I)
    let activation: Activation

    /// Keeps what the backward needs in `preActivation` (N × I): the pre-activation u, or for the exact GELU
    /// its derivative gelu'(u), computed alongside the activation.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, preActivation: FloatBuffer) {
        let inner = expand.outputSize
        expand.forward(preActivation.pointer, x, rows: rows)
        let activated = FloatBuffer(count: rows * inner, zeroed: false)
        switch activation {
        case .geluErf: GELU.forwardReplacingInputWithDerivative(activated.pointer, preActivation.pointer, count: rows * inner)
        case .geluTanh: GELU.forward(activated.pointer, preActivation.pointer, count: rows * inner, tanhForm: true)
        case .relu: ReLU.forward(activated.pointer, preActivation.pointer, count: rows * inner)
        }
        project.forward(y, activated.pointer, rows: rows)
    }

    /// dx += ∂/∂x given dy.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, preActivation: FloatBuffer) {
        let count = rows * expand.outputSize
        let dInner = FloatBuffer(count: count)
        project.backward(dx: dInner.pointer, dy: dy, rows: rows)
        switch activation {
        case .geluErf:
            let derivative = preActivation.pointer, d = dInner.pointer
            Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
                VectorMath.map8(range, d, derivative, d) { $0 * $1 }
            }
        case .geluTanh: GELU.backward(dx: dInner.pointer, dy: dInner.pointer, x: preActivation.pointer, count: count, tanhForm: true)
        case .relu: ReLU.backward(dx: dInner.pointer, dy: dInner.pointer, x: preActivation.pointer, count: count)
        }
        expand.backward(dx: dx, dy: dInner.pointer, rows: rows)
    }
}
