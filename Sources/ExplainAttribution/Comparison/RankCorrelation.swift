/// Rank correlations between two score vectors, as scipy.stats computes them by default: Spearman's ρ is
/// the Pearson correlation of the average ranks (ties share the mean of their ranks; `spearmanr`), and
/// Kendall's τ is τ-b, whose denominator discounts pairs tied in either vector (`kendalltau`,
/// variant="b"). Both are nil where scipy gives NaN: fewer than two values, a constant vector, or a
/// non-finite value.
public enum RankCorrelation {
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2, (x + y).allSatisfy(\.isFinite) else { return nil }
        return pearson(averageRanks(x), averageRanks(y))
    }

    /// τ-b = (concordant − discordant) / √((pairs − ties in x) · (pairs − ties in y)), counted over all
    /// pairs, so the counts are exact integers as in scipy.
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double? {
        guard x.count == y.count, x.count >= 2, (x + y).allSatisfy(\.isFinite) else { return nil }
        let n = x.count
        var concordant = 0, discordant = 0, xTies = 0, yTies = 0
        for i in 0..<n {
            for j in (i + 1)..<n {
                let dx = x[i] == x[j] ? 0 : (x[i] < x[j] ? -1 : 1)
                let dy = y[i] == y[j] ? 0 : (y[i] < y[j] ? -1 : 1)
                if dx == 0 { xTies += 1 }
                if dy == 0 { yTies += 1 }
                if dx != 0 && dy != 0 {
                    if dx == dy { concordant += 1 } else { discordant += 1 }
                }
            }
        }
        let pairs = n * (n - 1) / 2
        guard xTies < pairs, yTies < pairs else { return nil }
        let tau = Double(concordant - discordant) / (Double(pairs - xTies) * Double(pairs - yTies)).squareRoot()
        return min(1, max(-1, tau))
    }

    /// 1-based ranks; a run of equal values gets the mean of the ranks it spans (scipy `rankdata`,
    /// method="average").
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
            let mean = Double(start + 1 + end) / 2   // mean of the ranks start+1 ... end
            for k in start..<end { ranks[order[k]] = mean }
            start = end
        }
        return ranks
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
        let n = Double(x.count)
        let meanX = x.reduce(0, +) / n, meanY = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - meanX) * (b - meanY)
            sxx += (a - meanX) * (a - meanX)
            syy += (b - meanY) * (b - meanY)
        }
        guard sxx > 0, syy > 0 else { return nil }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }
}
