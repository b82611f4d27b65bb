/// A hard rationale cut from soft scores: the tokens an explanation says matter most at one threshold.
public struct Rationale: Sendable, Equatable {
    /// The fraction q of the non-special tokens this rationale was cut at.
    public var threshold: Double
    /// int(q · n): how many top tokens were considered (those with a positive score are kept).
    public var k: Int
    /// Positions among the non-special tokens, best first.
    public var tokens: [Int]

    /// ferret's percentage rationales (g8a9/ferret, `ferret/evaluators/utils_from_soft_to_discrete.py`:
    /// `_get_id_tokens_percentage` → `_get_id_tokens_top_k` with `only_pos=True`; the loop in
    /// `evaluators/faithfulness_measures.py`): for each threshold q, the top k = int(q · n) tokens, of which
    /// those with a positive score; no rationale when k = 0 or none is positive; a rationale equal as a set
    /// to the last one kept is skipped, so the same omission is not averaged twice.
    public static func select(scores: [Double], thresholds: [Double]) -> [Rationale] {
        let order = TokenOrder.descending(scores)
        var rationales: [Rationale] = []
        var previous: Set<Int>? = nil
        for q in thresholds {
            let k = topCount(fraction: q, of: scores.count)
            guard k > 0 else { continue }
            let tokens = order.prefix(k).filter { scores[$0] > 0 }
            guard !tokens.isEmpty, Set(tokens) != previous else { continue }
            previous = Set(tokens)
            rationales.append(Rationale(threshold: q, k: k, tokens: tokens))
        }
        return rationales
    }

    /// int(q · n), with a margin for decimal fractions that are not exact in binary (0.7 · 10 must be 7,
    /// as ferret's `np.arange(0.1, 1.1, 0.1)` thresholds give).
    static func topCount(fraction q: Double, of n: Int) -> Int {
        min(n, Int((q * Double(n) + 1e-9).rounded(.down)))
    }
}
