/// The matrix products of one input-gradient pass over one sequence of T tokens, and nothing else: the
/// model's own weights, the same shapes, transposes and calls (split across the workers as the pass splits
/// them), without layer norms, GELU, softmax, residual adds or the head. The benchmark times it beside the
/// real pass: it is the floor the BLAS sets for that pass, and the gap to the pass is what the rest costs.
/// The values are meaningless (fixed small inputs, outputs never read).
public final class GradientPassProducts {
    private let layers: [EncoderLayer]
    private let length: Int
    private let input: FloatBuffer        // T × max(3H, I): read as x, dy, probabilities or scores
    private let output: FloatBuffer       // T × max(3H, I): written by every product

    public init(model: ClassifierModel, length: Int) {
        precondition(length > 0)
        layers = (model.network as? BertFamilyNetwork)?.encoder.layers ?? []
        self.length = length
        let widest = max(3 * model.config.hiddenSize, model.config.intermediateSize, length)
        input = FloatBuffer(count: length * widest, zeroed: false)
        output = FloatBuffer(count: length * widest)
        for i in 0..<input.count { input.pointer[i] = Float(i % 13) * 0.001 }
    }

    /// Forward through every layer (the last one with a single query row, as the pass), then the input
    /// gradient back through them.
    public func run() {
        let x = UnsafePointer(input.pointer), y = output.pointer, t = length
        for (index, layer) in layers.enumerated() {
            let rows = index == layers.count - 1 ? 1 : t
            layer.attention.queryKeyValue.forward(y, x, rows: t)
            attentionProducts(layer.attention, queryRows: rows, backward: false)
            layer.attention.output.forward(y, x, rows: rows)
            layer.feedForward.expand.forward(y, x, rows: rows)
            layer.feedForward.project.forward(y, x, rows: rows)
        }
        for (index, layer) in layers.enumerated().reversed() {
            let rows = index == layers.count - 1 ? 1 : t
            layer.feedForward.project.backward(dx: y, dy: x, rows: rows)
            layer.feedForward.expand.backward(dx: y, dy: x, rows: rows)
            layer.attention.output.backward(dx: y, dy: x, rows: rows)
            attentionProducts(layer.attention, queryRows: rows, backward: true)
            layer.attention.queryKeyValue.backward(dx: y, dy: x, rows: t)
        }
    }

    /// Per head, as SelfAttention: scores and context forward; dP, dV, dQ, dK backward.
    private func attentionProducts(_ attention: SelfAttention, queryRows tq: Int, backward: Bool) {
        let h = attention.hiddenSize, d = attention.headSize, ld = 3 * h, t = length
        let x = UnsafePointer(input.pointer), y = output.pointer
        Parallel.forRanges(attention.headCount, minimumPerWorker: 4) { heads in
            let scores = FloatBuffer(count: tq * t, zeroed: false)
            for head in heads {
                let q = x + head * d, k = q + h, v = q + 2 * h, p = x
                let out = y + head * d
                if backward {
                    BLAS.gemm(transposeB: true, m: tq, n: t, k: d, a: x + head * d, lda: h, b: v, ldb: ld, c: scores.pointer, ldc: t)
                    BLAS.gemm(transposeA: true, m: t, n: d, k: tq, a: p, lda: t, b: x + head * d, ldb: h, c: out + 2 * h, ldc: ld)
                    BLAS.gemm(m: tq, n: d, k: t, a: p, lda: t, b: k, ldb: ld, c: out, ldc: ld)
                    BLAS.gemm(transposeA: true, m: t, n: d, k: tq, a: p, lda: t, b: q, ldb: ld, c: out + h, ldc: ld)
                } else {
                    BLAS.gemm(transposeB: true, m: tq, n: t, k: d, a: q, lda: ld, b: k, ldb: ld, c: scores.pointer, ldc: t)
                    BLAS.gemm(m: tq, n: d, k: t, a: p, lda: t, b: v, ldb: ld, c: out, ldc: h)
                }
            }
        }
    }
}
