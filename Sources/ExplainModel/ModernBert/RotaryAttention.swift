import Foundation

/// ModernBERT's attention (ModernBertAttention, eager): a fused Q, K, V product, rotary embeddings on Q and
/// K, scaled dot-product attention over all tokens (global layers) or over the tokens at most
/// `halfWindow` away (local layers, `local_attention / 2`), then the output product.
///
/// A sequence's queries run in blocks, each against only the keys its band reaches, so a local layer's
/// scores, probabilities and products cost O(T · window) in both directions, not O(T²): the cache
/// holds each block's (queries × keys) probabilities, and keys a query cannot see get probability 0.
/// A global layer is one block of all queries against all keys.
struct RotaryAttention: Sendable {
    var queryKeyValue: Linear   // (3H, H): rows [Wq; Wk; Wv]
    var output: Linear          // (H, H)
    let headCount: Int
    let rotary: RotaryEmbedding
    let halfWindow: Int?        // nil: global
    var hiddenSize: Int { output.outputSize }
    var headSize: Int { hiddenSize / headCount }

    /// A block of queries and the keys they read.
    struct Block {
        let queries: Range<Int>, keys: Range<Int>
        var scoreCount: Int { queries.count * keys.count }
    }

    func blocks(length t: Int) -> [Block] { Self.blocks(length: t, halfWindow: halfWindow) }

    /// The query blocks of a T-token sequence. Blocks of about half a window keep the keys read within
    /// about 1.25 times the band.
    static func blocks(length t: Int, halfWindow: Int?) -> [Block] {
        guard let w = halfWindow, w < t - 1 else { return [Block(queries: 0..<t, keys: 0..<t)] }
        let size = max(16, w / 2)
        return stride(from: 0, to: t, by: size).map { a in
            let b = min(t, a + size)
            return Block(queries: a..<b, keys: max(0, a - w)..<min(t, b + w))
        }
    }

    /// The (query, key) scores one head computes over a T-token sequence: T² for a global layer, about
    /// 1.25 · T · window for a local one. The benchmark counts the layer's attention products with it.
    static func scoreCount(length t: Int, halfWindow: Int?) -> Int {
        blocks(length: t, halfWindow: halfWindow).reduce(0) { $0 + $1.scoreCount }
    }

    final class Cache: AttentionMapsRecorder {
        let spans: [SequenceSpan]
        let heads: Int
        /// ∂f/∂A in the probabilities' layout, filled by the backward once recordGradients() made it.
        private(set) var probabilityGradients: FloatBuffer?
        let rotation: RotaryEmbedding.Table
        let qkv: FloatBuffer             // (N, 3H), Q and K rotated
        let probabilities: FloatBuffer   // per sequence, per head, per block: (queries, keys)
        let blocks: [[Block]]            // per sequence
        let offsets: [Int]               // per sequence: where its heads' probabilities start
        let perHead: [Int]               // per sequence: one head's probabilities
        /// For weight gradients: the output product's input (N, H).
        let context: FloatBuffer?
        init(attention: RotaryAttention, spans: [SequenceSpan], rotation: RotaryEmbedding.Table, keepsContext: Bool = false) {
            self.spans = spans
            context = keepsContext ? FloatBuffer(count: (spans.last.map { $0.offset + $0.length } ?? 0) * attention.hiddenSize, zeroed: false) : nil
            self.rotation = rotation
            heads = attention.headCount
            qkv = FloatBuffer(count: (spans.last.map { $0.offset + $0.length } ?? 0) * 3 * attention.hiddenSize, zeroed: false)
            blocks = spans.map { attention.blocks(length: $0.length) }
            perHead = blocks.map { $0.reduce(0) { $0 + $1.scoreCount } }
            var offsets: [Int] = [], total = 0
            for size in perHead {
                offsets.append(total)
                total += attention.headCount * size
            }
            self.offsets = offsets
            probabilities = FloatBuffer(count: total, zeroed: false)
        }

        func recordGradients() {
            if probabilityGradients == nil { probabilityGradients = FloatBuffer(count: probabilities.count) }
        }

        /// The blocks laid out as full T × T rows per head: keys outside a block, or outside a query's
        /// band, are 0 (the masked matrix a local layer is).
        func maps(sequence s: Int) -> AttentionMaps {
            let t = spans[s].length
            func dense(_ buffer: FloatBuffer) -> [Float] {
                var out = [Float](repeating: 0, count: heads * t * t)
                var p = buffer.pointer + offsets[s]
                for head in 0..<heads {
                    for block in blocks[s] {
                        let n = block.keys.count
                        for (r, i) in block.queries.enumerated() {
                            for (c, j) in block.keys.enumerated() { out[(head * t + i) * t + j] = p[r * n + c] }
                        }
                        p += block.scoreCount
                    }
                }
                return out
            }
            return AttentionMaps(heads: heads, queries: t, keys: t, probabilities: dense(probabilities),
                                 gradients: probabilityGradients.map(dense))
        }
    }

    private func pairs(_ spans: [SequenceSpan]) -> [(Int, Int)] {
        spans.indices.flatMap { s in (0..<headCount).map { (s, $0) } }
    }

    /// y (N × H) from x (N × H).
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, cache: Cache) {
        let h = hiddenSize, d = headSize, ld = 3 * h, rows = cache.spans.last.map { $0.offset + $0.length } ?? 0
        let scale = 1 / Float(d).squareRoot()
        let qkv = cache.qkv.pointer
        queryKeyValue.forward(qkv, x, rows: rows)
        let context = cache.context ?? FloatBuffer(count: rows * h, zeroed: false)
        let pairs = pairs(cache.spans)
        Parallel.forRanges(pairs.count, minimumPerWorker: 1) { range in
            for (s, head) in pairs[range] {
                let span = cache.spans[s]
                let q = qkv + span.offset * ld + head * d, k = q + h, v = q + 2 * h
                rotary.rotate(q, count: span.length, stride: ld, firstPosition: 0, table: cache.rotation, inverse: false)
                rotary.rotate(k, count: span.length, stride: ld, firstPosition: 0, table: cache.rotation, inverse: false)
                var p = cache.probabilities.pointer + cache.offsets[s] + head * cache.perHead[s]
                for block in cache.blocks[s] {
                    let m = block.queries.count, n = block.keys.count
                    BLAS.gemm(transposeB: true, m: m, n: n, k: d, alpha: scale, a: q + block.queries.lowerBound * ld, lda: ld,
                              b: k + block.keys.lowerBound * ld, ldb: ld, c: p, ldc: n)
                    softmaxInBand(p, block: block)
                    BLAS.gemm(m: m, n: d, k: n, a: p, lda: n, b: v + block.keys.lowerBound * ld, ldb: ld,
                              c: context.pointer + (span.offset + block.queries.lowerBound) * h + head * d, ldc: h)
                    p += block.scoreCount
                }
            }
        }
        output.forward(y, context.pointer, rows: rows)
    }

    /// Each query row's softmax over the keys within its band; the others get probability 0.
    private func softmaxInBand(_ p: UnsafeMutablePointer<Float>, block: Block) {
        let n = block.keys.count
        guard let w = halfWindow else {
            Softmax.forwardRows(p, rows: block.queries.count, columns: n)
            return
        }
        for (r, i) in block.queries.enumerated() {
            let row = p + r * n
            let first = max(block.keys.lowerBound, i - w) - block.keys.lowerBound
            let end = min(block.keys.upperBound, i + w + 1) - block.keys.lowerBound
            for j in 0..<first { row[j] = 0 }
            Softmax.forwardRows(row + first, rows: 1, columns: end - first)
            for j in end..<n { row[j] = 0 }
        }
    }

    /// The weight gradients of the two products.
    struct Gradients {
        let queryKeyValue: WeightGradient, output: WeightGradient
        init(_ attention: RotaryAttention) {
            queryKeyValue = WeightGradient(attention.queryKeyValue)
            output = WeightGradient(attention.output)
        }
    }

    /// dx (N × H) += ∂/∂x given dy (N × H). Per head and block: dP = dC·Vᵀ, dV += Pᵀ·dC,
    /// dS = P ⊙ (dP − rowsum(dP ⊙ P)) (zero off the band, where P is), dQ = scale·dS·K, dK += scale·dSᵀ·Q;
    /// then dQ and dK rotated back. With `weights` (its gradients and the forward's input x; the cache made
    /// keeping the context), also both products' dW, db.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, cache: Cache,
                  weights: (gradients: Gradients, input: UnsafePointer<Float>)? = nil) {
        let h = hiddenSize, d = headSize, ld = 3 * h, rows = cache.spans.last.map { $0.offset + $0.length } ?? 0
        let scale = 1 / Float(d).squareRoot()
        let dContext = FloatBuffer(count: rows * h)
        output.backward(dx: dContext.pointer, dy: dy, rows: rows)
        let dqkv = FloatBuffer(count: rows * ld)
        let scratch = cache.blocks.flatMap { $0 }.map(\.scoreCount).max() ?? 0
        let pairs = pairs(cache.spans)
        Parallel.forRanges(pairs.count, minimumPerWorker: 1) { range in
            let dScores = FloatBuffer(count: scratch, zeroed: false)
            for (s, head) in pairs[range] {
                let span = cache.spans[s]
                let q = cache.qkv.pointer + span.offset * ld + head * d, k = q + h, v = q + 2 * h
                let dq = dqkv.pointer + span.offset * ld + head * d, dk = dq + h, dv = dq + 2 * h
                var p = cache.probabilities.pointer + cache.offsets[s] + head * cache.perHead[s]
                for block in cache.blocks[s] {
                    let m = block.queries.count, n = block.keys.count
                    let a = block.queries.lowerBound, first = block.keys.lowerBound
                    let dc = dContext.pointer + (span.offset + a) * h + head * d, dp = dScores.pointer
                    BLAS.gemm(transposeB: true, m: m, n: n, k: d, a: dc, lda: h, b: v + first * ld, ldb: ld, c: dp, ldc: n)
                    BLAS.gemm(transposeA: true, m: n, n: d, k: m, a: p, lda: n, b: dc, ldb: h, beta: 1, c: dv + first * ld, ldc: ld)
                    if let recorded = cache.probabilityGradients {
                        (recorded.pointer + (p - cache.probabilities.pointer)).update(from: dp, count: block.scoreCount)
                    }
                    Softmax.backwardRows(dScores: dp, probabilities: p, rows: m, columns: n)
                    BLAS.gemm(m: m, n: d, k: n, alpha: scale, a: dp, lda: n, b: k + first * ld, ldb: ld, beta: 1, c: dq + a * ld, ldc: ld)
                    BLAS.gemm(transposeA: true, m: n, n: d, k: m, alpha: scale, a: dp, lda: n, b: q + a * ld, ldb: ld, beta: 1,
                              c: dk + first * ld, ldc: ld)
                    p += block.scoreCount
                }
                rotary.rotate(dq, count: span.length, stride: ld, firstPosition: 0, table: cache.rotation, inverse: true)
                rotary.rotate(dk, count: span.length, stride: ld, firstPosition: 0, table: cache.rotation, inverse: true)
            }
        }
        queryKeyValue.backward(dx: dx, dy: dqkv.pointer, rows: rows)
        if let weights, let context = cache.context {
            output.accumulateWeightGradient(weights.gradients.output, dy: dy, x: context.pointer, rows: rows)
            queryKeyValue.accumulateWeightGradient(weights.gradients.queryKeyValue, dy: dqkv.pointer, x: weights.input, rows: rows)
        }
    }
}
