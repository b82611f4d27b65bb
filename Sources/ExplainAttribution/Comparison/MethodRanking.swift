import Foundation

/// A method's place when the compared methods are ranked by comprehensiveness − sufficiency (higher is
/// better: removing its rationale hurts the prediction, keeping only it preserves the prediction).
public struct RankedMethod: Sendable, Equatable {
    public var method: String
    /// 1 is the most faithful; equal figures share a rank.
    public var rank: Int
    public var score: Double
}

enum MethodRanking {
    /// Best first; equal figures keep the request's method order and share a rank.
    static func rank(_ faithfulness: [MethodFaithfulness]) -> [RankedMethod] {
        let scored = faithfulness.enumerated().compactMap { index, entry in entry.faithfulnessScore.map { (index, entry.method, $0) } }
        let sorted = scored.sorted { $0.2 > $1.2 || ($0.2 == $1.2 && $0.0 < $1.0) }
        var result: [RankedMethod] = []
        for (position, entry) in sorted.enumerated() {
            let rank = position > 0 && result[position - 1].score == entry.2 ? result[position - 1].rank : position + 1
            result.append(RankedMethod(method: entry.1, rank: rank, score: entry.2))
        }
        return result
    }

    /// One line a client can show under the table, e.g. "occlusion is the most faithful (comprehensiveness
    /// − sufficiency 0.412), smoothGrad the least (-0.031); the methods agree weakly (mean Spearman ρ of
    /// |scores| 0.28 over 15 pairs)".
    static func summary(ranking: [RankedMethod], agreement: [MethodAgreement], faithfulness: [MethodFaithfulness]) -> String {
        var parts: [String] = []
        if let best = ranking.first, let worst = ranking.last {
            if ranking.count == 1 {
                parts.append("\(best.method): comprehensiveness − sufficiency \(format(best.score))")
            } else if best.score == worst.score {
                parts.append("all methods are equally faithful (comprehensiveness − sufficiency \(format(best.score)))")
            } else {
                parts.append("\(best.method) is the most faithful (comprehensiveness − sufficiency \(format(best.score))), \(worst.method) the least (\(format(worst.score)))")
            }
        } else if let best = faithfulness.filter({ $0.taucorrLoo != nil }).max(by: { $0.taucorrLoo! < $1.taucorrLoo! }) {
            parts.append("\(best.method) follows leave-one-out best (τ \(format(best.taucorrLoo!)))")
        } else if let best = faithfulness.filter({ $0.deletionCurve != nil }).min(by: { $0.deletionCurve!.area < $1.deletionCurve!.area }) {
            parts.append("\(best.method) has the fastest-falling deletion curve (area \(format(best.deletionCurve!.area)))")
        }
        let correlations = agreement.compactMap(\.spearmanAbsolute)
        if !correlations.isEmpty {
            let mean = correlations.reduce(0, +) / Double(correlations.count)
            let strength = mean >= 0.7 ? "strongly" : mean >= 0.4 ? "moderately" : mean >= 0.1 ? "weakly" : "hardly"
            let over = correlations.count == 1 ? "" : " over \(correlations.count) pairs"
            parts.append("the methods agree \(strength) (mean Spearman ρ of |scores| \(format(mean))\(over))")
        }
        return parts.isEmpty ? "no figures could be computed for this input" : parts.joined(separator: "; ")
    }

    static func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
