/// DeBERTa's disentangled attention terms (He et al. 2021, §3.1; transformers' disentangled_attention_bias):
/// for one head, content→position Q_i · Kr_{row(i−j)} and position→content K_j · Qr_{row(i−j)}, each scaled like
/// the content term, added to the scores before the softmax. Kr and Qr are the relative embeddings R
/// (RelativeEmbeddings) through the key and query projections — the layer's own with share_att_key, else
/// pos_key_proj and pos_query_proj. They depend on no input, so they are computed when the layer is made; for
/// the input gradient only Q and K carry it, for training Kr and Qr do too (back to the projections and R).
///
/// A sequence of T keys and Tq queries reaches the rows row(−(T−1)) … row(Tq−1) only: the products run on that
/// window (W ≤ Tq + T − 1 rows), not on all 2·span rows, then each score picks its row from it.
struct DisentangledPositionBias: Sendable {
    let relative: RelativeEmbeddings
    /// pos_key_proj and pos_query_proj; nil with share_att_key (the attention's own key and query rows serve).
    let keyProjection: Linear?, queryProjection: Linear?
    let contentToPosition: Bool, positionToContent: Bool
    let sharesAttentionKey: Bool
    let positionKeys: Weights?      // (2·span, H): Kr, for content→position; nil without c2p
    let positionQueries: Weights?   // (2·span, H): Qr, for position→content; nil without p2c
    let buckets: RelativePositionBuckets
    var hiddenSize: Int { relative.hiddenSize }

    /// Kr and Qr from R through the projections: the attention's fused Q/K/V ones (`queryKeyValue`, rows
    /// [Wq; Wk; Wv]) when they are shared, else `keyProjection` and `queryProjection`.
    init(relative: RelativeEmbeddings, queryKeyValue: Linear, keyProjection: Linear?, queryProjection: Linear?,
         contentToPosition: Bool, positionToContent: Bool, buckets: RelativePositionBuckets) {
        self.relative = relative
        self.keyProjection = keyProjection
        self.queryProjection = queryProjection
        self.contentToPosition = contentToPosition
        self.positionToContent = positionToContent
        self.buckets = buckets
        sharesAttentionKey = keyProjection == nil && queryProjection == nil
        let rows = relative.rows, h = relative.hiddenSize
        func projected(_ linear: Linear) -> Weights {
            let out = FloatBuffer(count: rows * linear.outputSize, zeroed: false)
            linear.forward(out.pointer, relative.values.pointer, rows: rows)
            return Weights(out.array)
        }
        if sharesAttentionKey {
            let qkv = projected(queryKeyValue).array
            func columns(_ block: Int) -> Weights {
                Weights((0..<rows).flatMap { r in qkv[(r * 3 + block) * h..<(r * 3 + block + 1) * h] })
            }
            positionKeys = contentToPosition ? columns(1) : nil
            positionQueries = positionToContent ? columns(0) : nil
        } else {
            positionKeys = contentToPosition ? keyProjection.map(projected) : nil
            positionQueries = positionToContent ? queryProjection.map(projected) : nil
        }
    }

    /// The same terms after training changed their weights: the attention's Q/K/V (shared keys), the position
    /// projections or R.
    func replacing(queryKeyValue: Linear, keyProjection: Linear? = nil, queryProjection: Linear? = nil,
                   relative: RelativeEmbeddings? = nil) -> DisentangledPositionBias {
        DisentangledPositionBias(relative: relative ?? self.relative, queryKeyValue: queryKeyValue,
                                 keyProjection: keyProjection ?? self.keyProjection, queryProjection: queryProjection ?? self.queryProjection,
                                 contentToPosition: contentToPosition, positionToContent: positionToContent, buckets: buckets)
    }

    /// Floats of scratch one head needs: a Tq × W and a T × W block.
    static func scratchCount(queries: Int, keys: Int) -> Int { (queries + keys) * (queries + keys - 1) }

    private func window(queries tq: Int, keys t: Int) -> (low: Int, width: Int) {
        (buckets.row(-(t - 1)), buckets.windowWidth(queries: tq, keys: t))
    }

    /// scores (Tq × T) += scale · (c2p + p2c) for one head; q and k point at the head's first query and key
    /// (row stride ld), d values each.
    func addScores(_ scores: UnsafeMutablePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>, ld: Int,
                   head: Int, headSize d: Int, queries tq: Int, keys t: Int, scale: Float, scratch: UnsafeMutablePointer<Float>) {
        let (low, w) = window(queries: tq, keys: t)
        let h = hiddenSize
        if let positionKeys {
            let c2p = scratch   // (Tq, W)
            BLAS.gemm(transposeB: true, m: tq, n: w, k: d, alpha: scale, a: q, lda: ld,
                      b: positionKeys.pointer + low * h + head * d, ldb: h, c: c2p, ldc: w)
            for i in 0..<tq {
                for j in 0..<t { scores[i * t + j] += c2p[i * w + buckets.row(i - j) - low] }
            }
        }
        if let positionQueries {
            let p2c = scratch + tq * w   // (T, W)
            BLAS.gemm(transposeB: true, m: t, n: w, k: d, alpha: scale, a: k, lda: ld,
                      b: positionQueries.pointer + low * h + head * d, ldb: h, c: p2c, ldc: w)
            for i in 0..<tq {
                for j in 0..<t { scores[i * t + j] += p2c[j * w + buckets.row(i - j) - low] }
            }
        }
    }

    /// dq (Tq × d, stride ld) += scale · dC2P · Kr and dk (T × d) += scale · dP2C · Qr, where dC2P and dP2C
    /// gather dScores (the gradient at the pre-softmax scores) back onto the rows each score read. With
    /// `positionGradients` (2·span × H each, this head's columns), also dKr += scale · dC2Pᵀ · Q and
    /// dQr += scale · dP2Cᵀ · K, for training.
    func backward(dScores ds: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                  dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, ld: Int,
                  head: Int, headSize d: Int, queries tq: Int, keys t: Int, scale: Float, scratch: UnsafeMutablePointer<Float>,
                  positionGradients: PositionGradients? = nil) {
        let (low, w) = window(queries: tq, keys: t)
        let h = hiddenSize
        /// One term: `gathered` (rows × W) collects dScores onto the table rows the scores read, a row per query
        /// (c2p) or per key (p2c); then dContent += scale · gathered · table, and dTable += scale · gatheredᵀ · content.
        func term(_ table: Weights, perKey: Bool, gathered: UnsafeMutablePointer<Float>, content: UnsafePointer<Float>,
                  dContent: UnsafeMutablePointer<Float>, dTable: FloatBuffer?) {
            let rows = perKey ? t : tq
            let (queryStride, keyStride) = perKey ? (0, w) : (w, 0)
            gathered.update(repeating: 0, count: rows * w)
            for i in 0..<tq {
                for j in 0..<t { gathered[i * queryStride + j * keyStride + buckets.row(i - j) - low] += ds[i * t + j] }
            }
            BLAS.gemm(m: rows, n: d, k: w, alpha: scale, a: gathered, lda: w, b: table.pointer + low * h + head * d, ldb: h,
                      beta: 1, c: dContent, ldc: ld)
            if let dTable {
                BLAS.gemm(transposeA: true, m: w, n: d, k: rows, alpha: scale, a: gathered, lda: w, b: content, ldb: ld,
                          beta: 1, c: dTable.pointer + low * h + head * d, ldc: h)
            }
        }
        if let positionKeys {
            term(positionKeys, perKey: false, gathered: scratch, content: q, dContent: dq, dTable: positionGradients?.keys)
        }
        if let positionQueries {
            term(positionQueries, perKey: true, gathered: scratch + tq * w, content: k, dContent: dk, dTable: positionGradients?.queries)
        }
    }

    /// dKr and dQr (2·span × H each) of one backward, summed over its sequences and heads.
    final class PositionGradients {
        let keys: FloatBuffer, queries: FloatBuffer
        init(rows: Int, hiddenSize: Int) {
            keys = FloatBuffer(count: rows * hiddenSize)
            queries = FloatBuffer(count: rows * hiddenSize)
        }

        func add(_ other: PositionGradients) {
            for i in 0..<keys.count {
                keys.pointer[i] += other.keys.pointer[i]
                queries.pointer[i] += other.queries.pointer[i]
            }
        }
    }

    func makePositionGradients() -> PositionGradients { PositionGradients(rows: relative.rows, hiddenSize: hiddenSize) }

    /// The projections' weight gradients from dKr and dQr (Kr = R·Wkᵀ + bk, Qr = R·Wqᵀ + bq): into the
    /// attention's Q/K/V gradient (`queryKeyValue`, the rows of Wq and Wk) when shared, else into pos_key_proj's
    /// and pos_query_proj's; and dR += dKr·Wk + dQr·Wq when R is trained too.
    func accumulateWeightGradients(_ position: PositionGradients, queryKeyValue: Linear, queryKeyValueGradient: WeightGradient,
                                   keyProjection keyGradient: WeightGradient?, queryProjection queryGradient: WeightGradient?,
                                   relative relativeGradients: RelativeEmbeddings.Gradients?) {
        let rows = relative.rows, h = hiddenSize, r = UnsafePointer(relative.values.pointer)
        if sharesAttentionKey {
            // dy (rows × 3H) = [dQr | dKr | 0] through the fused projection.
            let dy = FloatBuffer(count: rows * 3 * h)
            for row in 0..<rows {
                (dy.pointer + row * 3 * h).update(from: position.queries.pointer + row * h, count: h)
                (dy.pointer + row * 3 * h + h).update(from: position.keys.pointer + row * h, count: h)
            }
            queryKeyValue.accumulateWeightGradient(queryKeyValueGradient, dy: dy.pointer, x: r, rows: rows)
            if let relativeGradients { queryKeyValue.backward(dx: relativeGradients.values.pointer, dy: dy.pointer, rows: rows) }
            return
        }
        for (linear, gradient, dy) in [(keyProjection, keyGradient, position.keys), (queryProjection, queryGradient, position.queries)] {
            guard let linear, let gradient else { continue }
            linear.accumulateWeightGradient(gradient, dy: dy.pointer, x: r, rows: rows)
            if let relativeGradients { linear.backward(dx: relativeGradients.values.pointer, dy: dy.pointer, rows: rows) }
        }
    }
}
