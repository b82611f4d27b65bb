/// One pre-norm ModernBERT layer (ModernBertEncoderLayer): h = x + Attention(LN₁(x)); y = h + MLP(LN₂(h)).
/// Layer 0 has no attention norm (transformers' nn.Identity): the embedding norm has just run.
struct ModernBertLayer: Sendable {
    let attentionNorm: LayerNorm?   // nil in layer 0
    let attention: RotaryAttention
    let mlpNorm: LayerNorm
    let feedForward: GatedFeedForward

    final class Cache {
        let rows: Int
        let attentionNormalized: FloatBuffer, attentionRstd: FloatBuffer   // LN₁'s x̂ (N, H), rstd (N); empty in layer 0
        let attention: RotaryAttention.Cache
        let mlpNormalized: FloatBuffer, mlpRstd: FloatBuffer               // LN₂'s
        let feedForward: GatedFeedForward.Cache
        init(layer: ModernBertLayer, spans: [SequenceSpan], rotation: RotaryEmbedding.Table) {
            let h = layer.attention.hiddenSize
            rows = spans.last.map { $0.offset + $0.length } ?? 0
            let normed = layer.attentionNorm == nil ? 0 : rows
            attentionNormalized = FloatBuffer(count: normed * h, zeroed: false)
            attentionRstd = FloatBuffer(count: normed, zeroed: false)
            attention = .init(attention: layer.attention, spans: spans, rotation: rotation)
            mlpNormalized = FloatBuffer(count: rows * h, zeroed: false)
            mlpRstd = FloatBuffer(count: rows, zeroed: false)
            feedForward = .init(rows: rows, inner: layer.feedForward.innerSize)
        }
    }

    /// y (N × H) from x (N × H); y may not alias x.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, cache: Cache) {
        let rows = cache.rows, count = rows * attention.hiddenSize
        let scratch = FloatBuffer(count: count, zeroed: false)
        var attentionInput = x
        if let attentionNorm {
            attentionNorm.forward(scratch.pointer, x, rows: rows, normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
            attentionInput = UnsafePointer(scratch.pointer)
        }
        attention.forward(y, attentionInput, cache: cache.attention)
        for i in 0..<count { y[i] += x[i] }
        mlpNorm.forward(scratch.pointer, y, rows: rows, normalized: cache.mlpNormalized.pointer, rstd: cache.mlpRstd.pointer)
        let mlp = FloatBuffer(count: count, zeroed: false)
        feedForward.forward(mlp.pointer, scratch.pointer, rows: rows, cache: cache.feedForward)
        for i in 0..<count { y[i] += mlp.pointer[i] }
    }

    /// dx (N × H, overwritten) from dy (N × H). Each residual carries its gradient past its branch.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, cache: Cache) {
        let rows = cache.rows, count = rows * attention.hiddenSize
        let dBranch = FloatBuffer(count: count)
        feedForward.backward(dx: dBranch.pointer, dy: dy, rows: rows, cache: cache.feedForward)
        let dHidden = FloatBuffer(count: count, zeroed: false)
        dHidden.pointer.update(from: dy, count: count)
        mlpNorm.backward(dx: dHidden.pointer, dy: dBranch.pointer, rows: rows, normalized: cache.mlpNormalized.pointer, rstd: cache.mlpRstd.pointer)
        dx.update(from: dHidden.pointer, count: count)
        guard let attentionNorm else {
            attention.backward(dx: dx, dy: dHidden.pointer, cache: cache.attention)
            return
        }
        dBranch.zero()
        attention.backward(dx: dBranch.pointer, dy: dHidden.pointer, cache: cache.attention)
        attentionNorm.backward(dx: dx, dy: dBranch.pointer, rows: rows, normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
    }
}
