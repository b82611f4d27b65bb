/// The gradient of a loss with respect to one layer's parameters — a Linear's weight (out × in) and bias, a
/// LayerNorm's gain and shift — accumulated over the rows of a pass (and over passes, until cleared).
final class WeightGradient: @unchecked Sendable {
    let weight: FloatBuffer
    let bias: FloatBuffer

    init(weightCount: Int, biasCount: Int) {
        weight = FloatBuffer(count: weightCount)
        bias = FloatBuffer(count: biasCount)
    }

    convenience init(_ linear: Linear) { self.init(weightCount: linear.outputSize * linear.inputSize, biasCount: linear.outputSize) }
    convenience init(_ norm: LayerNorm) { self.init(weightCount: norm.size, biasCount: norm.size) }
}
