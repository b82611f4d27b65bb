/// One post-norm transformer encoder layer, shared by BERT (BertLayer) and DistilBERT (TransformerBlock):
/// h = LN1(x + Attention(x)); y = LN2(h + FFN(h)).
struct EncoderLayer: Sendable {
    let attention: SelfAttention
    let attentionNorm: LayerNorm
    let feedForward: FeedForward
    let outputNorm: LayerNorm

    final class Cache {
        let attention: SelfAttention.Cache
        let attentionNormalized: FloatBuffer, attentionRstd: FloatBuffer   // LN1's x̂ (N, H), rstd (N)
        let preActivation: FloatBuffer                                     // (N, I)
        let outputNormalized: FloatBuffer, outputRstd: FloatBuffer         // LN2's x̂, rstd
        init(rows: Int, hidden: Int, inner: Int, spans: [SequenceSpan], heads: Int) {
            attention = .init(rows: rows, hidden: hidden, spans: spans, heads: heads)
            attentionNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            attentionRstd = FloatBuffer(count: rows, zeroed: false)
            preActivation = FloatBuffer(count: rows * inner, zeroed: false)
            outputNormalized = FloatBuffer(count: rows * hidden, zeroed: false)
            outputRstd = FloatBuffer(count: rows, zeroed: false)
        }
    }

    func makeCache(rows: Int, spans: [SequenceSpan]) -> Cache {
        Cache(rows: rows, hidden: attention.hiddenSize, inner: feedForward.expand.outputSize, spans: spans,
              heads: attention.headCount)
    }

    /// y (N × H) from x (N × H); y may not alias x.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, spans: [SequenceSpan], cache: Cache) {
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let count = rows * attention.hiddenSize
        let sum = FloatBuffer(count: count, zeroed: false)
        attention.forward(sum.pointer, x, spans: spans, cache: cache.attention)
        for i in 0..<count { sum.pointer[i] += x[i] }
        let hidden = FloatBuffer(count: count, zeroed: false)
        attentionNorm.forward(hidden.pointer, sum.pointer, rows: rows,
                              normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        feedForward.forward(sum.pointer, hidden.pointer, rows: rows, preActivation: cache.preActivation)
        for i in 0..<count { sum.pointer[i] += hidden.pointer[i] }
        outputNorm.forward(y, sum.pointer, rows: rows,
                           normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
    }

    /// dx (N × H, overwritten) from dy.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, spans: [SequenceSpan], cache: Cache) {
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let count = rows * attention.hiddenSize
        // Through LN2; the residual carries dSum straight to h, the FFN adds its part.
        let dHidden = FloatBuffer(count: count)
        outputNorm.backward(dx: dHidden.pointer, dy: dy, rows: rows,
                            normalized: cache.outputNormalized.pointer, rstd: cache.outputRstd.pointer)
        let dSum = FloatBuffer(count: count, zeroed: false)
        dSum.pointer.update(from: dHidden.pointer, count: count)
        feedForward.backward(dx: dHidden.pointer, dy: dSum.pointer, rows: rows, preActivation: cache.preActivation)
        // Through LN1; the residual carries it to x, attention adds its part.
        dx.update(repeating: 0, count: count)
        attentionNorm.backward(dx: dx, dy: dHidden.pointer, rows: rows,
                               normalized: cache.attentionNormalized.pointer, rstd: cache.attentionRstd.pointer)
        dSum.pointer.update(from: dx, count: count)
        attention.backward(dx: dx, dy: dSum.pointer, spans: spans, cache: cache.attention)
    }
}
