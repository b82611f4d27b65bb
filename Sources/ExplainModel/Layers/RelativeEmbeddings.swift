/// DeBERTa's relative-position embeddings (transformers' DebertaV2Encoder.get_rel_embedding): the table
/// encoder.rel_embeddings (2·span × H), layer-normed by encoder.LayerNorm when norm_rel_ebd says so. The rows R
/// depend on no input: they are computed once, and every layer's position terms project them. One object is
/// shared by all the layers, so its gradient is the sum of theirs.
final class RelativeEmbeddings: @unchecked Sendable {
    let table: Weights             // (2·span, H): encoder.rel_embeddings.weight
    let norm: LayerNorm?           // encoder.LayerNorm, when norm_rel_ebd holds "layer_norm"
    let values: FloatBuffer        // R (2·span, H)
    private let normalized: FloatBuffer?, rstd: FloatBuffer?   // the norm's x̂ and rstd, for the backward
    let rows: Int
    var hiddenSize: Int { table.count / rows }

    init(table: Weights, rows: Int, norm: LayerNorm?) {
        self.table = table
        self.norm = norm
        self.rows = rows
        let h = table.count / rows
        values = FloatBuffer(count: rows * h, zeroed: false)
        if let norm {
            let normalized = FloatBuffer(count: rows * h, zeroed: false), rstd = FloatBuffer(count: rows, zeroed: false)
            norm.forward(values.pointer, table.pointer, rows: rows, normalized: normalized.pointer, rstd: rstd.pointer)
            self.normalized = normalized
            self.rstd = rstd
        } else {
            values.pointer.update(from: table.pointer, count: rows * h)
            normalized = nil
            rstd = nil
        }
    }

    /// dR, accumulated by every trained layer's position terms, and what it becomes: the table's gradient and
    /// the norm's.
    final class Gradients {
        let values: FloatBuffer        // dR (2·span, H)
        let table: WeightGradient      // d(rel_embeddings.weight) in `weight`; no bias
        let norm: WeightGradient?
        init(_ relative: RelativeEmbeddings) {
            values = FloatBuffer(count: relative.rows * relative.hiddenSize)
            table = WeightGradient(weightCount: relative.rows * relative.hiddenSize, biasCount: 0)
            norm = relative.norm.map { WeightGradient($0) }
        }
    }

    /// The table's and the norm's gradients from the accumulated dR (once, after every layer's backward).
    func backward(_ gradients: Gradients) {
        let count = rows * hiddenSize
        guard let norm, let normalized, let rstd, let normGradient = gradients.norm else {
            for i in 0..<count { gradients.table.weight.pointer[i] += gradients.values.pointer[i] }
            return
        }
        norm.backward(dx: gradients.table.weight.pointer, dy: gradients.values.pointer, rows: rows, normalized: normalized.pointer, rstd: rstd.pointer)
        norm.accumulateWeightGradient(normGradient, dy: gradients.values.pointer, rows: rows, normalized: normalized.pointer)
    }
}
