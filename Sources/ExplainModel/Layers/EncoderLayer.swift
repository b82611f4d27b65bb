/// One post-norm transformer encoder layer, shared by BERT (BertLayer) and DistilBERT (TransformerBlock):
/// h = LN1(x + Attention(x)); y = LN2(h + FFN(h)), on the output rows of a RowLayout.
struct EncoderLayer: Sendable {
    let attention: SelfAttention
    let attentionNorm: LayerNorm
    let feedForward: FeedForward
    let outputNorm: LayerNorm

    final class Cache {
        let layout: RowLayout
        let attention: SelfAttention.Cache
        let attentionNormalized: FloatBuffer, attentionRstd: FloatBuffer   // LN1's x̂ (M, H), rstd (M)
        let preActivation: FloatBuffer                                     // (M, I)
        let outputNormalized: FloatBuffer, outputRstd: FloatBuffer         // LN2's x̂, rstd
        init(layout: RowLayout, hidden: Int, inner: Int, heads: Int) {
            let rows = layout.outputRows
            self.layout = layout
            attention = .init(layout: layout, hidden: hidden, heads: heads)
            attentionNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            attentionRstd = FloatBuffer(count: rows, zeroed: false)
            preActivation = FloatBuffer(count: rows * inner, zeroed: false)
            outputNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            outputRstd = FloatBuffer(count: rows, zeroed: false)
        }

        /// This layer's attention, for the attention-based explanations.
        var attentionMaps: any AttentionMapsRecorder { attention }
    }

    func makeCache(_ layout: RowLayout) -> Cache {
        Cache(layout: layout, hidden: attention.hiddenSize, inner: feedForward.expand.outputSize, heads: attention.headCount)
    }

    /// y (output rows × H) from x (input rows × H); y may not alias x.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, cache: Cache) {
        let layout = cache.layout, h = attention.hiddenSize
        let rows = layout.outputRows, count = rows * h
        let sum = FloatBuffer(count: count, zeroed: false)
        attention.forward(sum.pointer, x, layout: layout, cache: cache.attention)
        layout.forEachOutputRow { output, input in
            for j in 0..<h { sum.pointer[output * h + j] += x[input * h + j] }
        }
        let hidden = FloatBuffer(count: count, zeroed: false)
        attentionNorm.forward(hidden.pointer, sum.pointer, rows: rows,
                              normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        feedForward.forward(sum.pointer, hidden.pointer, rows: rows, preActivation: cache.preActivation)
        for i in 0..<count { sum.pointer[i] += hidden.pointer[i] }
        outputNorm.forward(y, sum.pointer, rows: rows,
                           normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
    }

    /// dx (input rows × H, overwritten) from dy (output rows × H).
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, cache: Cache) {
        let layout = cache.layout, h = attention.hiddenSize
        let rows = layout.outputRows, count = rows * h
        // Through LN2; the residual carries dSum straight to h, the FFN adds its part.
        let dHidden = FloatBuffer(count: count)
        outputNorm.backward(dx: dHidden.pointer, dy: dy, rows: rows,
                            normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
        let dSum = FloatBuffer(count: count, zeroed: false)
        dSum.pointer.update(from: dHidden.pointer, count: count)
        feedForward.backward(dx: dHidden.pointer, dy: dSum.pointer, rows: rows, preActivation: cache.preActivation)
        // Through LN1; the residual carries it to x's rows, attention adds its part to all of x.
        dSum.zero()
        attentionNorm.backward(dx: dSum.pointer, dy: dHidden.pointer, rows: rows,
                               normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        dx.update(repeating: 0, count: layout.inputRows * h)
        layout.forEachOutputRow { output, input in
            for j in 0..<h { dx[input * h + j] = dSum.pointer[output * h + j] }
        }
        attention.backward(dx: dx, dy: dSum.pointer, layout: layout, cache: cache.attention)
    }
}
