/// DeBERTa's disentangled attention terms (He et al. 2021, §3.1; transformers' disentangled_attention_bias):
/// for one head, content→position Q_i · Kr_{row(i−j)} and position→content K_j · Qr_{row(i−j)}, each scaled like
/// the content term, added to the scores before the softmax. Kr and Qr are the relative embeddings (layer-normed
/// when norm_rel_ebd says so) through the key and query projections — the layer's own with share_att_key, else
/// pos_key_proj and pos_query_proj. They depend on no input, so they are computed once at load; only Q and K carry
/// the gradient.
///
/// A sequence of T keys and Tq queries reaches the rows row(−(T−1)) … row(Tq−1) only: the products run on that
/// window (W ≤ Tq + T − 1 rows), not on all 2·span rows, then each score picks its row from it.
struct DisentangledPositionBias: Sendable {
    let positionKeys: Weights?      // (2·span, H): Kr, for content→position; nil without c2p
    let positionQueries: Weights?   // (2·span, H): Qr, for position→content; nil without p2c
    let buckets: RelativePositionBuckets
    let hiddenSize: Int

    /// Floats of scratch one head needs: a Tq × W and a T × W block.
    static func scratchCount(queries: Int, keys: Int) -> Int { (queries + keys) * (queries + keys - 1) }

    private func window(queries tq: Int, keys t: Int) -> (low: Int, width: Int) {
        let low = buckets.row(-(t - 1)), high = buckets.row(tq - 1)
        return (low, high - low + 1)
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
    /// gather dScores (the gradient at the pre-softmax scores) back onto the rows each score read.
    func backward(dScores ds: UnsafePointer<Float>, dq: UnsafeMutablePointer<Float>, dk: UnsafeMutablePointer<Float>, ld: Int,
                  head: Int, headSize d: Int, queries tq: Int, keys t: Int, scale: Float, scratch: UnsafeMutablePointer<Float>) {
        let (low, w) = window(queries: tq, keys: t)
        let h = hiddenSize
        if let positionKeys {
            let dc2p = scratch
            dc2p.update(repeating: 0, count: tq * w)
            for i in 0..<tq {
                for j in 0..<t { dc2p[i * w + buckets.row(i - j) - low] += ds[i * t + j] }
            }
            BLAS.gemm(m: tq, n: d, k: w, alpha: scale, a: dc2p, lda: w, b: positionKeys.pointer + low * h + head * d, ldb: h,
                      beta: 1, c: dq, ldc: ld)
        }
        if let positionQueries {
            let dp2c = scratch + tq * w
            dp2c.update(repeating: 0, count: t * w)
            for i in 0..<tq {
                for j in 0..<t { dp2c[j * w + buckets.row(i - j) - low] += ds[i * t + j] }
            }
            BLAS.gemm(m: t, n: d, k: w, alpha: scale, a: dp2c, lda: w, b: positionQueries.pointer + low * h + head * d, ldb: h,
                      beta: 1, c: dk, ldc: ld)
        }
    }
}
