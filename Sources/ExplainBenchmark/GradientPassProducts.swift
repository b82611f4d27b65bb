@_spi(Benchmark) import ExplainModel

/// The matrix products of one input-gradient pass over one sequence of T tokens, and nothing else: the
/// model's own packed weights, the same shapes, transposes and calls (split across the workers as the pass
/// splits them), without layer norms, GELU, softmax, residual adds or the head. The benchmark times it beside
/// the real pass: it is the floor the matrix libraries set for that pass, and the gap to the pass is what the
/// rest costs. The values are meaningless (fixed small inputs, outputs never read).
///
/// With `firstLayerThroughout`, every layer's products run through the first layer's weights: the same
/// calls and shapes, but one layer's weights (`weightBytes`; MiniLM's with its copies, 14 MB) that the
/// caches keep from one layer to the next, where they hold them, instead of a model's worth streamed from
/// memory. The gap between the two is what fetching the weights costs; the cache-resident rate is the most
/// the library's kernels give at these row counts on this machine.
public final class GradientPassProducts {
    private let layers: [LayerProducts]
    private let length: Int
    private let hidden: Int
    private let input: UnsafeMutablePointer<Float>    // T × max(3H, I, T): read as x, dy, probabilities or scores
    private let output: UnsafeMutablePointer<Float>   // the same size: written by every product
    private let size: Int
    /// The dense weights one run reads: every layer's, or the first layer's once.
    public let weightBytes: Int

    /// Whether the replay is the pass's products: the BERT-like layers, without DeBERTa's position terms.
    public static func replays(_ model: ClassifierModel) -> Bool {
        !model.layerProducts.isEmpty && ModelShape(model.config).relativePositions == nil
    }

    public init(model: ClassifierModel, length: Int, firstLayerThroughout: Bool = false) {
        precondition(length > 0)
        let own = model.layerProducts
        layers = firstLayerThroughout ? own.map { _ in own[0] } : own
        weightBytes = firstLayerThroughout ? own[0].weightBytes : own.reduce(0) { $0 + $1.weightBytes }
        self.length = length
        hidden = model.config.hiddenSize
        size = length * max(3 * model.config.hiddenSize, model.config.intermediateSize, length)
        input = .allocate(capacity: size)
        output = .allocate(capacity: size)
        output.initialize(repeating: 0, count: size)
        for i in 0..<size { input[i] = Float(i % 13) * 0.001 }
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    /// Forward through every layer (the last one with a single query row, as the pass), then the input
    /// gradient back through them.
    public func run() {
        let x = UnsafePointer(input), y = output, t = length
        for (index, layer) in layers.enumerated() {
            let rows = index == layers.count - 1 ? 1 : t
            layer.forward(.queryKeyValue, y, x, rows: t)
            attentionProducts(layer, queryRows: rows, backward: false)
            layer.forward(.output, y, x, rows: rows)
            layer.forward(.expand, y, x, rows: rows)
            layer.forward(.project, y, x, rows: rows)
        }
        for (index, layer) in layers.enumerated().reversed() {
            let rows = index == layers.count - 1 ? 1 : t
            layer.backward(.project, dx: y, dy: x, rows: rows)
            layer.backward(.expand, dx: y, dy: x, rows: rows)
            layer.backward(.output, dx: y, dy: x, rows: rows)
            attentionProducts(layer, queryRows: rows, backward: true)
            layer.backward(.queryKeyValue, dx: y, dy: x, rows: t)
        }
    }

    /// Per head, as SelfAttention: scores and context forward; dP, dV, dQ, dK backward.
    private func attentionProducts(_ layer: LayerProducts, queryRows tq: Int, backward: Bool) {
        let h = hidden, d = hidden / layer.headCount, ld = 3 * h, t = length
        let x = UnsafePointer(input), y = output
        LayerProducts.forRanges(layer.headCount, minimumPerWorker: 4) { heads in
            let scores = UnsafeMutablePointer<Float>.allocate(capacity: tq * t)
            defer { scores.deallocate() }
            for head in heads {
                let q = x + head * d, k = q + h, v = q + 2 * h, p = x
                let out = y + head * d
                if backward {
                    LayerProducts.gemm(transposeB: true, m: tq, n: t, k: d, a: x + head * d, lda: h, b: v, ldb: ld, c: scores, ldc: t)
                    LayerProducts.gemm(transposeA: true, m: t, n: d, k: tq, a: p, lda: t, b: x + head * d, ldb: h, c: out + 2 * h, ldc: ld)
                    LayerProducts.gemm(m: tq, n: d, k: t, a: p, lda: t, b: k, ldb: ld, c: out, ldc: ld)
                    LayerProducts.gemm(transposeA: true, m: t, n: d, k: tq, a: p, lda: t, b: q, ldb: ld, c: out + h, ldc: ld)
                } else {
                    LayerProducts.gemm(transposeB: true, m: tq, n: t, k: d, a: q, lda: ld, b: k, ldb: ld, c: scores, ldc: t)
                    LayerProducts.gemm(m: tq, n: d, k: t, a: p, lda: t, b: v, ldb: ld, c: out, ldc: h)
                }
            }
        }
    }
}
