/// One pre-norm ModernBERT layer (ModernBertEncoderLayer): h = x + Attention(LN₁(x)); y = h + MLP(LN₂(h)).
/// Layer 0 has no attention norm (transformers' nn.Identity): the embedding norm has just run.
struct ModernBertLayer: Sendable {
    var attentionNorm: LayerNorm?   // nil in layer 0
    var attention: RotaryAttention
    var mlpNorm: LayerNorm
    var feedForward: GatedFeedForward

    final class Cache {
        let rows: Int
        let attentionNormalized: FloatBuffer, attentionRstd: FloatBuffer   // LN₁'s x̂ (N, H), rstd (N); empty in layer 0
        let attention: RotaryAttention.Cache
        let mlpNormalized: FloatBuffer, mlpRstd: FloatBuffer               // LN₂'s
        let feedForward: GatedFeedForward.Cache
        /// For weight gradients: the attention's input (LN₁'s output, or x in layer 0) and the MLP's (LN₂'s), (N, H).
        let kept: (attentionInput: FloatBuffer, mlpInput: FloatBuffer)?
        init(layer: ModernBertLayer, spans: [SequenceSpan], rotation: RotaryEmbedding.Table, keepsInputs: Bool = false) {
            let h = layer.attention.hiddenSize
            rows = spans.last.map { $0.offset + $0.length } ?? 0
            let normed = layer.attentionNorm == nil ? 0 : rows
            attentionNormalized = FloatBuffer(count: normed * h, zeroed: false)
            attentionRstd = FloatBuffer(count: normed, zeroed: false)
            attention = .init(attention: layer.attention, spans: spans, rotation: rotation, keepsContext: keepsInputs)
            mlpNormalized = FloatBuffer(count: rows * h, zeroed: false)
            mlpRstd = FloatBuffer(count: rows, zeroed: false)
            feedForward = .init(rows: rows, inner: layer.feedForward.innerSize, keepsInputs: keepsInputs)
            kept = keepsInputs ? (FloatBuffer(count: rows * h, zeroed: false), FloatBuffer(count: rows * h, zeroed: false)) : nil
        }
    }

    /// The weight gradients of every product and norm of the layer.
    struct Gradients {
        let attentionNorm: WeightGradient?
        let attention: RotaryAttention.Gradients
        let mlpNorm: WeightGradient
        let feedForward: GatedFeedForward.Gradients
        init(_ layer: ModernBertLayer) {
            attentionNorm = layer.attentionNorm.map { WeightGradient($0) }
            attention = .init(layer.attention)
            mlpNorm = WeightGradient(layer.mlpNorm)
            feedForward = .init(layer.feedForward)
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
        if let kept = cache.kept { kept.attentionInput.pointer.update(from: attentionInput, count: count) }
        attention.forward(y, attentionInput, cache: cache.attention)
        for i in 0..<count { y[i] += x[i] }
        mlpNorm.forward(scratch.pointer, y, rows: rows, normalized: cache.mlpNormalized.pointer, rstd: cache.mlpRstd.pointer)
        if let kept = cache.kept { kept.mlpInput.pointer.update(from: scratch.pointer, count: count) }
        let mlp = FloatBuffer(count: count, zeroed: false)
        feedForward.forward(mlp.pointer, scratch.pointer, rows: rows, cache: cache.feedForward)
        for i in 0..<count { y[i] += mlp.pointer[i] }
    }

    /// dx (N × H, overwritten) from dy (N × H). Each residual carries its gradient past its branch. With
    /// `gradients` (the cache made keeping inputs), also every product's and norm's weight gradients.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, cache: Cache, gradients: Gradients? = nil) {
        let rows = cache.rows, count = rows * attention.hiddenSize
        let weights = gradients.flatMap { g in cache.kept.map { (gradients: g, kept: $0) } }
        precondition(gradients == nil || weights != nil, "weight gradients need a cache that keeps the inputs")
        let dBranch = FloatBuffer(count: count)
        feedForward.backward(dx: dBranch.pointer, dy: dy, rows: rows, cache: cache.feedForward,
                             weights: weights.map { ($0.gradients.feedForward, UnsafePointer($0.kept.mlpInput.pointer)) })
        if let weights { mlpNorm.accumulateWeightGradient(weights.gradients.mlpNorm, dy: dBranch.pointer, rows: rows, normalized: cache.mlpNormalized.pointer) }
        let dHidden = FloatBuffer(count: count, zeroed: false)
        dHidden.pointer.update(from: dy, count: count)
        mlpNorm.backward(dx: dHidden.pointer, dy: dBranch.pointer, rows: rows, normalized: cache.mlpNormalized.pointer, rstd: cache.mlpRstd.pointer)
        dx.update(from: dHidden.pointer, count: count)
        let attentionWeights = weights.map { ($0.gradients.attention, UnsafePointer($0.kept.attentionInput.pointer)) }
        guard let attentionNorm else {
            attention.backward(dx: dx, dy: dHidden.pointer, cache: cache.attention, weights: attentionWeights)
            return
        }
        dBranch.zero()
        attention.backward(dx: dBranch.pointer, dy: dHidden.pointer, cache: cache.attention, weights: attentionWeights)
        if let weights, let normGradient = weights.gradients.attentionNorm {
            attentionNorm.accumulateWeightGradient(normGradient, dy: dBranch.pointer, rows: rows, normalized: cache.attentionNormalized.pointer)
        }
        attentionNorm.backward(dx: dx, dy: dBranch.pointer, rows: rows, normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
    }
}
