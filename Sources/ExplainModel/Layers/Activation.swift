/// The pointwise non-linearity of the feed-forward blocks (`hidden_act`) and of some heads, with its forward
/// and backward: one switch over the kinds, for every layer that applies one.
public enum Activation: String, Sendable {
    case geluErf      // "gelu": x·Φ(x), the exact form
    case geluTanh     // "gelu_new", "gelu_pytorch_tanh", "gelu_fast": the tanh approximation
    case relu

    /// y = act(x).
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        switch self {
        case .geluErf: GELU.forward(y, x, count: count, tanhForm: false)
        case .geluTanh: GELU.forward(y, x, count: count, tanhForm: true)
        case .relu: ReLU.forward(y, x, count: count)
        }
    }

    /// dx = dy · act'(x), in place on dy when dx == dy.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int) {
        switch self {
        case .geluErf: GELU.backward(dx: dx, dy: dy, x: x, count: count, tanhForm: false)
        case .geluTanh: GELU.backward(dx: dx, dy: dy, x: x, count: count, tanhForm: true)
        case .relu: ReLU.backward(dx: dx, dy: dy, x: x, count: count)
        }
    }

    /// y = act(x), leaving in x what `backward(dx:dy:kept:count:)` needs: for the exact GELU its derivative
    /// gelu'(x), computed alongside (GELU.forwardReplacingInputWithDerivative), else x itself. The
    /// feed-forward blocks, whose activations are the largest of a pass, use this form.
    func forward(_ y: UnsafeMutablePointer<Float>, replacingWithBackwardState x: UnsafeMutablePointer<Float>, count: Int) {
        if self == .geluErf { GELU.forwardReplacingInputWithDerivative(y, x, count: count) } else { forward(y, x, count: count) }
    }

    /// dx = dy · act'(x) from what `forward(_:replacingWithBackwardState:count:)` left, in place when dx == dy.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, kept: UnsafePointer<Float>, count: Int) {
        guard self == .geluErf else { return backward(dx: dx, dy: dy, x: kept, count: count) }
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            VectorMath.map8(range, dy, kept, dx) { $0 * $1 }
        }
    }
}
