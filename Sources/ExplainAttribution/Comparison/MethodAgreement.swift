/// How far two methods agree on one input, over its non-special tokens: rank correlations and top-k
/// overlap of the signed scores, and of their absolute values (for signed methods the magnitude ranking
/// is what a magnitude method such as gradientNorm can agree with). nil where undefined (constant scores,
/// fewer than two tokens).
public struct MethodAgreement: Sendable, Equatable {
    public var first: String
    public var second: String
    public var spearman: Double?
    public var kendall: Double?
    public var spearmanAbsolute: Double?
    public var kendallAbsolute: Double?
    public var topKOverlap: Double?
    public var topKOverlapAbsolute: Double?

    /// Every unordered pair, in the methods' order.
    static func pairs(_ methods: [(name: String, scores: [Double])], k: Int) -> [MethodAgreement] {
        var result: [MethodAgreement] = []
        for i in methods.indices {
            for j in methods.indices where j > i {
                let a = methods[i].scores, b = methods[j].scores
                let absA = a.map(abs), absB = b.map(abs)
                result.append(MethodAgreement(
                    first: methods[i].name, second: methods[j].name,
                    spearman: RankCorrelation.spearman(a, b), kendall: RankCorrelation.kendallTauB(a, b),
                    spearmanAbsolute: RankCorrelation.spearman(absA, absB), kendallAbsolute: RankCorrelation.kendallTauB(absA, absB),
                    topKOverlap: TokenOrder.topKOverlap(a, b, k: k), topKOverlapAbsolute: TokenOrder.topKOverlap(absA, absB, k: k)))
            }
        }
        return result
    }
}
