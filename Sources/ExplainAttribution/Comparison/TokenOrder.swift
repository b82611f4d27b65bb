/// Which tokens a score vector puts first, and how much two vectors' top tokens overlap.
public enum TokenOrder {
    /// Indices by descending score; equal scores keep their sentence order (a stable sort of −score), so
    /// the order — and every rationale and deletion step built from it — is reproducible. ferret's
    /// `_get_id_tokens_top_k` reverses numpy's ascending `argsort`, which breaks ties the other way; with
    /// real-valued scores ties are rare and only among equal scores.
    public static func descending(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    /// |top-k(a) ∩ top-k(b)| / k, with k clamped to the vector length; nil for empty vectors.
    public static func topKOverlap(_ a: [Double], _ b: [Double], k: Int) -> Double? {
        let k = min(k, a.count, b.count)
        guard k > 0 else { return nil }
        let first = Set(descending(a).prefix(k)), second = Set(descending(b).prefix(k))
        return Double(first.intersection(second).count) / Double(k)
    }
}
