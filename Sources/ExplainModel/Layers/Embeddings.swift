/// The input layer: word + absolute position (+ token type 0 for BERT) embeddings, summed, then layer
/// norm (BertEmbeddings, DistilBERT's Embeddings). The word embeddings may be given instead of looked up:
/// that is the `inputs_embeds` input explanations differentiate against.
struct Embeddings: Sendable {
    let words: Weights          // (V, H)
    let positions: Weights      // (P, H)
    let tokenType: [Float]?     // row 0 of (type_vocab, H); nil when the model has none
    let norm: LayerNorm
    let hiddenSize: Int

    final class Cache {
        let normalized: FloatBuffer, rstd: FloatBuffer
        init(rows: Int, hidden: Int) {
            normalized = FloatBuffer(count: rows * hidden, zeroed: false)
            rstd = FloatBuffer(count: rows, zeroed: false)
        }
    }

    func lookup(ids: [Int]) -> [Float] {
        var rows = [Float](repeating: 0, count: ids.count * hiddenSize)
        for (t, id) in ids.enumerated() {
            for j in 0..<hiddenSize { rows[t * hiddenSize + j] = words[id * hiddenSize + j] }
        }
        return rows
    }

    /// y (N × H). `wordRows` holds each token's word embedding (N × H), looked up or given.
    func forward(_ y: UnsafeMutablePointer<Float>, wordRows: UnsafePointer<Float>, spans: [SequenceSpan], cache: Cache) {
        let h = hiddenSize
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let sum = FloatBuffer(count: rows * h, zeroed: false)
        for span in spans {
            for t in 0..<span.length {
                let r = span.offset + t
                for j in 0..<h {
                    sum.pointer[r * h + j] = wordRows[r * h + j] + positions[t * h + j] + (tokenType?[j] ?? 0)
                }
            }
        }
        norm.forward(y, sum.pointer, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
    }

    /// The gradient with respect to the word-embedding rows: the sum passes it through unchanged, so it is
    /// the layer norm's input gradient.
    func backward(dWords: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, cache: Cache) {
        dWords.update(repeating: 0, count: rows * hiddenSize)
        norm.backward(dx: dWords, dy: dy, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
    }
}
