import Foundation
import Synchronization

/// Multi-head scaled dot-product self-attention (Vaswani et al. 2017) with its output projection, as
/// BERT's BertAttention minus the residual and layer norm, and DistilBERT's MultiHeadSelfAttention; with
/// DeBERTa's position terms added to the scores, its DisentangledSelfAttention.
/// Query, key and value projections are fused into one (3H × H) product.
struct SelfAttention: Sendable {
    let queryKeyValue: Linear   // (3H, H): rows [Wq; Wk; Wv]
    let output: Linear          // (H, H)
    let headCount: Int
    /// DeBERTa: 1 + the number of position terms; the scores are divided by √(head size · scaleFactor).
    var scaleFactor = 1
    /// DeBERTa's content→position and position→content terms.
    var positionBias: DisentangledPositionBias? = nil
    var hiddenSize: Int { output.outputSize }
    var headSize: Int { hiddenSize / headCount }
    /// As PyTorch: 1 / sqrt(float32(d) · scaleFactor).
    private var scale: Float { 1 / (Float(headSize) * Float(scaleFactor)).squareRoot() }

    /// The same attention with weights replaced (training's updated ones); DeBERTa's position terms follow
    /// their projections and the relative embeddings.
    func replacing(queryKeyValue: Linear? = nil, output: Linear? = nil, positionKey: Linear? = nil, positionQuery: Linear? = nil,
                   relative: RelativeEmbeddings? = nil) -> SelfAttention {
        let queryKeyValue = queryKeyValue ?? self.queryKeyValue
        let rebuilt = positionBias.map { bias in
            bias.sharesAttentionKey || positionKey != nil || positionQuery != nil || relative != nil
                ? bias.replacing(queryKeyValue: queryKeyValue, keyProjection: positionKey, queryProjection: positionQuery, relative: relative)
                : bias
        }
        return SelfAttention(queryKeyValue: queryKeyValue, output: output ?? self.output, headCount: headCount,
                             scaleFactor: scaleFactor, positionBias: rebuilt)
    }

    /// Floats of per-worker scratch the position terms need for the layout's largest sequence.
    private func positionScratch(_ layout: RowLayout) -> Int {
        guard positionBias != nil else { return 0 }
        return zip(layout.inputs, layout.outputs).map { DisentangledPositionBias.scratchCount(queries: $1.length, keys: $0.length) }.max() ?? 0
    }

    /// What the backward needs: Q, K, V of every input row and the attention probabilities of every
    /// sequence and head, (queries × keys) each; for weight gradients also the context (the output
    /// projection's input).
    final class Cache: AttentionMapsRecorder {
        let qkv: FloatBuffer            // (N, 3H)
        let probabilities: FloatBuffer  // per sequence, per head: (Tq, T), at probabilityOffsets[s] + h·Tq·T
        let probabilityOffsets: [Int]
        /// ∂f/∂A in the probabilities' layout, filled by the backward once recordGradients() made it.
        private(set) var probabilityGradients: FloatBuffer?
        let layout: RowLayout
        let heads: Int
        let keepsContext: Bool
        var context: FloatBuffer?       // (output rows, H), when keepsContext
        init(layout: RowLayout, hidden: Int, heads: Int, keepsContext: Bool = false) {
            self.layout = layout
            self.heads = heads
            self.keepsContext = keepsContext
            qkv = FloatBuffer(count: layout.inputRows * 3 * hidden, zeroed: false)
            var offsets: [Int] = []
            var total = 0
            for (input, output) in zip(layout.inputs, layout.outputs) {
                offsets.append(total)
                total += heads * output.length * input.length
            }
            probabilityOffsets = offsets
            probabilities = FloatBuffer(count: total, zeroed: false)
        }

        func recordGradients() {
            if probabilityGradients == nil { probabilityGradients = FloatBuffer(count: probabilities.count) }
        }

        func maps(sequence s: Int) -> AttentionMaps {
            let t = layout.inputs[s].length, tq = layout.outputs[s].length, count = heads * tq * t
            let start = probabilityOffsets[s]
            return AttentionMaps(
                heads: heads, queries: tq, keys: t,
                probabilities: Array(UnsafeBufferPointer(start: probabilities.pointer + start, count: count)),
                gradients: probabilityGradients.map { Array(UnsafeBufferPointer(start: $0.pointer + start, count: count)) })
        }
    }

    /// Every (sequence, head) pair is independent: the loops split them across the cores.
    private func pairs(_ layout: RowLayout) -> [(Int, Int)] {
        layout.inputs.indices.flatMap { s in (0..<headCount).map { (s, $0) } }
    }

    /// y (output rows × H) from x (input rows × H): the queries are the output rows' tokens, the keys and
    /// values all of the sequence's.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, layout: RowLayout, cache: Cache) {
        let h = hiddenSize, d = headSize, ld = 3 * h
        let scale = self.scale
        let qkv = cache.qkv.pointer
        queryKeyValue.forward(qkv, x, rows: layout.inputRows)
        let context = FloatBuffer(count: layout.outputRows * h, zeroed: false)
        let pairs = pairs(layout)
        let scratchCount = positionScratch(layout)
        Parallel.forRanges(pairs.count, minimumPerWorker: 4) { range in
            let scratch = FloatBuffer(count: scratchCount, zeroed: false)
            for (s, head) in pairs[range] {
                let input = layout.inputs[s], output = layout.outputs[s]
                let t = input.length, tq = output.length
                let q = qkv + input.offset * ld + head * d
                let k = q + h, v = q + 2 * h
                let p = cache.probabilities.pointer + cache.probabilityOffsets[s] + head * tq * t
                BLAS.gemm(transposeB: true, m: tq, n: t, k: d, alpha: scale, a: q, lda: ld, b: k, ldb: ld, c: p, ldc: t)
                positionBias?.addScores(p, q: q, k: k, ld: ld, head: head, headSize: d, queries: tq, keys: t, scale: scale,
                                        scratch: scratch.pointer)
                Softmax.forwardRows(p, rows: tq, columns: t)
                BLAS.gemm(m: tq, n: d, k: t, a: p, lda: t, b: v, ldb: ld,
                          c: context.pointer + output.offset * h + head * d, ldc: h)
            }
        }
        output.forward(y, context.pointer, rows: layout.outputRows)
        if cache.keepsContext { cache.context = context }
    }

    /// The weight gradients of the two projections and of DeBERTa's position projections (pos_key_proj,
    /// pos_query_proj); `relative`, shared by the layers, collects dR when the relative embeddings train too.
    struct Gradients {
        let queryKeyValue: WeightGradient
        let output: WeightGradient
        let positionKey: WeightGradient?, positionQuery: WeightGradient?
        let relative: RelativeEmbeddings.Gradients?
        init(_ attention: SelfAttention, relative: RelativeEmbeddings.Gradients? = nil) {
            queryKeyValue = WeightGradient(attention.queryKeyValue)
            output = WeightGradient(attention.output)
            positionKey = attention.positionBias?.keyProjection.map { WeightGradient($0) }
            positionQuery = attention.positionBias?.queryProjection.map { WeightGradient($0) }
            self.relative = relative
        }
    }

    /// dx (input rows × H) += ∂/∂x of the attention block, given dy (output rows × H). Per head:
    /// dP = dC·Vᵀ, dV = Pᵀ·dC, dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = scale·dS·K, dK = scale·dSᵀ·Q.
    /// With `weights` (its gradients and the forward's input x), also accumulates both projections' dW, db.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, layout: RowLayout, cache: Cache,
                  weights: (gradients: Gradients, input: UnsafePointer<Float>)? = nil) {
        let h = hiddenSize, d = headSize, ld = 3 * h
        let scale = self.scale
        let dContext = FloatBuffer(count: layout.outputRows * h)
        output.backward(dx: dContext.pointer, dy: dy, rows: layout.outputRows)
        if let weights, let context = cache.context {
            output.accumulateWeightGradient(weights.gradients.output, dy: dy, x: context.pointer, rows: layout.outputRows)
        }
        let dqkv = FloatBuffer(count: layout.inputRows * ld)
        let scratch = zip(layout.inputs, layout.outputs).map { $0.length * $1.length }.max() ?? 0
        let pairs = pairs(layout)
        let positionScratchCount = positionScratch(layout)
        // Training DeBERTa: each part of the split sums its own dKr, dQr; the parts are added in their order
        // after, so the result does not depend on which thread finished first.
        let trainsPositions = weights != nil && positionBias != nil
        let positionParts = Mutex<[(Int, DisentangledPositionBias.PositionGradients)]>([])
        Parallel.forRanges(pairs.count, minimumPerWorker: 4) { range in
            let dScores = FloatBuffer(count: scratch, zeroed: false)
            let positionScratch = FloatBuffer(count: positionScratchCount, zeroed: false)
            let positionGradients = trainsPositions ? positionBias!.makePositionGradients() : nil
            defer { if let positionGradients { positionParts.withLock { $0.append((range.lowerBound, positionGradients)) } } }
            for (s, head) in pairs[range] {
                let input = layout.inputs[s], output = layout.outputs[s]
                let t = input.length, tq = output.length
                let q = cache.qkv.pointer + input.offset * ld + head * d
                let k = q + h, v = q + 2 * h
                let dq = dqkv.pointer + input.offset * ld + head * d
                let dk = dq + h, dv = dq + 2 * h
                let p = cache.probabilities.pointer + cache.probabilityOffsets[s] + head * tq * t
                let dc = dContext.pointer + output.offset * h + head * d
                let dp = dScores.pointer
                BLAS.gemm(transposeB: true, m: tq, n: t, k: d, a: dc, lda: h, b: v, ldb: ld, c: dp, ldc: t)
                BLAS.gemm(transposeA: true, m: t, n: d, k: tq, a: p, lda: t, b: dc, ldb: h, c: dv, ldc: ld)
                if let recorded = cache.probabilityGradients {
                    (recorded.pointer + cache.probabilityOffsets[s] + head * tq * t).update(from: dp, count: tq * t)
                }
                Softmax.backwardRows(dScores: dp, probabilities: p, rows: tq, columns: t)
                BLAS.gemm(m: tq, n: d, k: t, alpha: scale, a: dp, lda: t, b: k, ldb: ld, c: dq, ldc: ld)
                BLAS.gemm(transposeA: true, m: t, n: d, k: tq, alpha: scale, a: dp, lda: t, b: q, ldb: ld, c: dk, ldc: ld)
                positionBias?.backward(dScores: dp, q: q, k: k, dq: dq, dk: dk, ld: ld, head: head, headSize: d, queries: tq, keys: t,
                                       scale: scale, scratch: positionScratch.pointer, positionGradients: positionGradients)
            }
        }
        queryKeyValue.backward(dx: dx, dy: dqkv.pointer, rows: layout.inputRows)
        if let weights {
            queryKeyValue.accumulateWeightGradient(weights.gradients.queryKeyValue, dy: dqkv.pointer, x: weights.input, rows: layout.inputRows)
            if let positionBias {
                let parts = positionParts.withLock { $0 }.sorted { $0.0 < $1.0 }.map(\.1)
                let total = parts[0]
                for part in parts.dropFirst() { total.add(part) }
                positionBias.accumulateWeightGradients(total, queryKeyValue: queryKeyValue, queryKeyValueGradient: weights.gradients.queryKeyValue,
                                                       keyProjection: weights.gradients.positionKey, queryProjection: weights.gradients.positionQuery,
                                                       relative: weights.gradients.relative)
            }
        }
    }
}
