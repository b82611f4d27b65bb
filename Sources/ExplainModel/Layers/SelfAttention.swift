import Foundation

/// Multi-head scaled dot-product self-attention (Vaswani et al. 2017) with its output projection, as
/// BERT's BertAttention minus the residual and layer norm, and DistilBERT's MultiHeadSelfAttention.
/// Query, key and value projections are fused into one (3H × H) product.
struct SelfAttention: Sendable {
    let queryKeyValue: Linear   // (3H, H): rows [Wq; Wk; Wv]
    let output: Linear          // (H, H)
    let headCount: Int
    var hiddenSize: Int { output.outputSize }
    var headSize: Int { hiddenSize / headCount }

    /// What the backward needs: Q, K, V and the attention probabilities of every sequence and head.
    final class Cache {
        let qkv: FloatBuffer            // (N, 3H)
        let probabilities: FloatBuffer  // per sequence, per head: (T, T), at probabilityOffsets[s] + h·T·T
        let probabilityOffsets: [Int]
        init(rows: Int, hidden: Int, spans: [SequenceSpan], heads: Int) {
            qkv = FloatBuffer(count: rows * 3 * hidden, zeroed: false)
            var offsets: [Int] = []
            var total = 0
            for span in spans { offsets.append(total); total += heads * span.length * span.length }
            probabilityOffsets = offsets
            probabilities = FloatBuffer(count: total, zeroed: false)
        }
    }

    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, spans: [SequenceSpan], cache: Cache) {
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let h = hiddenSize, d = headSize, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let qkv = cache.qkv.pointer
        queryKeyValue.forward(qkv, x, rows: rows)
        let context = FloatBuffer(count: rows * h, zeroed: false)
        // Every (sequence, head) pair is independent: split them across the cores.
        let pairs = spans.indices.flatMap { s in (0..<headCount).map { (s, $0) } }
        Parallel.forRanges(pairs.count, minimumPerWorker: 4) { range in
            for (s, head) in pairs[range] {
                let span = spans[s], t = span.length
                let q = qkv + span.offset * ld + head * d
                let k = q + h, v = q + 2 * h
                let p = cache.probabilities.pointer + cache.probabilityOffsets[s] + head * t * t
                BLAS.gemm(transposeB: true, m: t, n: t, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: p, ldc: t)
                Softmax.forwardRows(p, rows: t, columns: t)
                BLAS.gemm(m: t, n: d, k: t, a: p, lda: t, b: v, ldb: ld,
                          c: context.pointer + span.offset * h + head * d, ldc: h)
            }
        }
        output.forward(y, context.pointer, rows: rows)
    }

    /// dx += ∂/∂x of the attention block, given dy. Per head: dP = dC·Vᵀ, dV = Pᵀ·dC,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, spans: [SequenceSpan], cache: Cache) {
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let h = hiddenSize, d = headSize, ld = 3 * h
        let scale = 1 / Float(d).squareRoot()
        let dContext = FloatBuffer(count: rows * h)
        output.backward(dx: dContext.pointer, dy: dy, rows: rows)
        let dqkv = FloatBuffer(count: rows * ld)
        let maxLength = spans.map(\.length).max() ?? 0
        let pairs = spans.indices.flatMap { s in (0..<headCount).map { (s, $0) } }
        Parallel.forRanges(pairs.count, minimumPerWorker: 4) { range in
            let dScores = FloatBuffer(count: maxLength * maxLength, zeroed: false)
            for (s, head) in pairs[range] {
                let span = spans[s], t = span.length
                let q = cache.qkv.pointer + span.offset * ld + head * d
                let k = q + h, v = q + 2 * h
                let dq = dqkv.pointer + span.offset * ld + head * d
                let dk = dq + h, dv = dq + 2 * h
                let p = cache.probabilities.pointer + cache.probabilityOffsets[s] + head * t * t
                let dc = dContext.pointer + span.offset * h + head * d
                let dp = dScores.pointer
                BLAS.gemm(transposeB: true, m: t, n: t, k: d, a: dc, lda: h, b: v, ldb: ld, c: dp, ldc: t)
                BLAS.gemm(transposeA: true, m: t, n: d, k: t, a: p, lda: t, b: dc, ldb: h, c: dv, ldc: ld)
                Softmax.backwardRows(dScores: dp, probabilities: p, rows: t, columns: t)
                BLAS.gemm(m: t, n: d, k: t, alpha: scale, a: dp, lda: t, b: k, ldb: ld, c: dq, ldc: ld)
                BLAS.gemm(transposeA: true, m: t, n: d, k: t, alpha: scale, a: dp, lda: t, b: q, ldb: ld, c: dk, ldc: ld)
            }
        }
        queryKeyValue.backward(dx: dx, dy: dqkv.pointer, rows: rows)
    }
}
