/// One post-norm transformer encoder layer, shared by BERT (BertLayer) and DistilBERT (TransformerBlock):
/// h = LN1(x + Attention(x)); y = LN2(h + FFN(h)), on the output rows of a RowLayout.
struct EncoderLayer: Sendable {
    // var: training's updated weights replace one part of a copy.
    var attention: SelfAttention
    var attentionNorm: LayerNorm
    var feedForward: FeedForward
    var outputNorm: LayerNorm

    final class Cache {
        let layout: RowLayout
        let attention: SelfAttention.Cache
        let attentionNormalized: FloatBuffer, attentionRstd: FloatBuffer   // LN1's x̂ (M, H), rstd (M)
        let preActivation: FloatBuffer                                     // (M, I)
        let outputNormalized: FloatBuffer, outputRstd: FloatBuffer         // LN2's x̂, rstd
        /// For weight gradients: the layer's input x (N, H), LN1's output (M, H) and the activation (M, I),
        /// the inputs of the linears.
        let kept: (input: FloatBuffer, hidden: FloatBuffer, activated: FloatBuffer)?
        init(layout: RowLayout, hidden: Int, inner: Int, heads: Int, keepsInputs: Bool = false) {
            let rows = layout.outputRows
            self.layout = layout
            attention = .init(layout: layout, hidden: hidden, heads: heads, keepsContext: keepsInputs)
            kept = keepsInputs ? (FloatBuffer(count: layout.inputRows * hidden, zeroed: false), FloatBuffer(count: rows * hidden, zeroed: false),
                                  FloatBuffer(count: rows * inner, zeroed: false)) : nil
            attentionNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            attentionRstd = FloatBuffer(count: rows, zeroed: false)
            preActivation = FloatBuffer(count: rows * inner, zeroed: false)
            outputNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            outputRstd = FloatBuffer(count: rows, zeroed: false)
        }

        /// This layer's attention, for the attention-based explanations.
        var attentionMaps: any AttentionMapsRecorder { attention }
    }

    func makeCache(_ layout: RowLayout, keepsInputs: Bool = false) -> Cache {
        Cache(layout: layout, hidden: attention.hiddenSize, inner: feedForward.expand.outputSize, heads: attention.headCount,
              keepsInputs: keepsInputs)
    }

    /// The weight gradients of every linear and layer norm of the layer.
    struct Gradients {
        let attention: SelfAttention.Gradients
        let attentionNorm: WeightGradient
        let feedForward: FeedForward.Gradients
        let outputNorm: WeightGradient
        /// `relative`: where DeBERTa's layers add dR when the relative embeddings train (one for all layers).
        init(_ layer: EncoderLayer, relative: RelativeEmbeddings.Gradients? = nil) {
            attention = .init(layer.attention, relative: relative)
            attentionNorm = WeightGradient(layer.attentionNorm)
            feedForward = .init(layer.feedForward)
            outputNorm = WeightGradient(layer.outputNorm)
        }
    }

    /// y (output rows × H) from x (input rows × H); y may not alias x.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, cache: Cache) {
        let layout = cache.layout, h = attention.hiddenSize
        let rows = layout.outputRows, count = rows * h
        let sum = FloatBuffer(count: count, zeroed: false)
        if let kept = cache.kept { kept.input.pointer.update(from: x, count: layout.inputRows * h) }
        attention.forward(sum.pointer, x, layout: layout, cache: cache.attention)
        layout.forEachOutputRow { output, input in
            for j in 0..<h { sum.pointer[output * h + j] += x[input * h + j] }
        }
        let hidden = cache.kept?.hidden ?? FloatBuffer(count: count, zeroed: false)
        attentionNorm.forward(hidden.pointer, sum.pointer, rows: rows,
                              normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        feedForward.forward(sum.pointer, hidden.pointer, rows: rows, preActivation: cache.preActivation, activated: cache.kept?.activated)
        for i in 0..<count { sum.pointer[i] += hidden.pointer[i] }
        outputNorm.forward(y, sum.pointer, rows: rows,
                           normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
    }

    /// dx (input rows × H, overwritten) from dy (output rows × H); with `gradients` (the cache made with
    /// keepsInputs), also accumulates the weight gradients of every linear and layer norm.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, cache: Cache, gradients: Gradients? = nil) {
        let layout = cache.layout, h = attention.hiddenSize
        let rows = layout.outputRows, count = rows * h
        let weights = gradients.flatMap { g in cache.kept.map { (gradients: g, kept: $0) } }
        precondition(gradients == nil || weights != nil, "weight gradients need a cache that keeps the inputs")
        // Through LN2; the residual carries dSum straight to h, the FFN adds its part.
        let dHidden = FloatBuffer(count: count)
        outputNorm.backward(dx: dHidden.pointer, dy: dy, rows: rows,
                            normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
        if let weights { outputNorm.accumulateWeightGradient(weights.gradients.outputNorm, dy: dy, rows: rows, normalized: cache.outputNormalized.pointer) }
        let dSum = FloatBuffer(count: count, zeroed: false)
        dSum.pointer.update(from: dHidden.pointer, count: count)
        feedForward.backward(dx: dHidden.pointer, dy: dSum.pointer, rows: rows, preActivation: cache.preActivation,
                             weights: weights.map { ($0.gradients.feedForward, UnsafePointer($0.kept.hidden.pointer), UnsafePointer($0.kept.activated.pointer)) })
        if let weights {
            attentionNorm.accumulateWeightGradient(weights.gradients.attentionNorm, dy: dHidden.pointer, rows: rows,
                                                   normalized: cache.attentionNormalized.pointer)
        }
        // Through LN1; the residual carries it to x's rows, attention adds its part to all of x.
        dSum.zero()
        attentionNorm.backward(dx: dSum.pointer, dy: dHidden.pointer, rows: rows,
                               normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        dx.update(repeating: 0, count: layout.inputRows * h)
        layout.forEachOutputRow { output, input in
            for j in 0..<h { dx[input * h + j] = dSum.pointer[output * h + j] }
        }
        attention.backward(dx: dx, dy: dSum.pointer, layout: layout, cache: cache.attention,
                           weights: weights.map { ($0.gradients.attention, UnsafePointer($0.kept.input.pointer)) })
    }
}
