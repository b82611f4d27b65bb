import XCTest
@testable import ExplainAttribution

/// The building blocks of compareMethods on hand-made inputs: rank correlations against scipy, ferret's
/// rationale selection, top-k overlap, perturbed sequences, the deletion-curve area, the ranking.
final class ComparisonStatisticsTests: XCTestCase {
    // (x, y, scipy.stats.spearmanr(x, y).statistic, scipy.stats.kendalltau(x, y).statistic), scipy 1.17.1.
    static let scipyCases: [([Double], [Double], Double, Double)] = [
        ([1, 2, 3, 4, 5], [5, 6, 7, 8, 7], 0.8207826816681233, 0.7378647873726218),
        ([12, 2, 1, 12, 2], [1, 4, 7, 1, 0], -0.5407380704358752, -0.4714045207910316),
        ([0.3, -1.2, 0.3, 0.3, 2.0, -1.2, 0.0], [1, 1, 2, 3, 3, 3, -4], 0.32352941176470584, 0.29411764705882354),
        ([1, 2, 3], [3, 2, 1], -1, -1),
    ]

    func testRankCorrelationsMatchScipy() {
        for (x, y, rho, tau) in Self.scipyCases {
            XCTAssertEqual(RankCorrelation.spearman(x, y)!, rho, accuracy: 1e-14, "spearman \(x) \(y)")
            XCTAssertEqual(RankCorrelation.kendallTauB(x, y)!, tau, accuracy: 1e-14, "kendall \(x) \(y)")
            // Both are symmetric in their arguments.
            XCTAssertEqual(RankCorrelation.spearman(y, x)!, rho, accuracy: 1e-14)
            XCTAssertEqual(RankCorrelation.kendallTauB(y, x)!, tau, accuracy: 1e-14)
        }
        // scipy.stats.rankdata([0.3, -1.2, 0.3, 0.3, 2.0, -1.2, 0.0]) = [5, 1.5, 5, 5, 7, 1.5, 3]
        XCTAssertEqual(RankCorrelation.averageRanks([0.3, -1.2, 0.3, 0.3, 2.0, -1.2, 0.0]), [5, 1.5, 5, 5, 7, 1.5, 3])
    }

    func testUndefinedCorrelationsAreNil() {
        XCTAssertNil(RankCorrelation.spearman([1, 1, 1], [1, 2, 3]), "constant input: scipy gives NaN")
        XCTAssertNil(RankCorrelation.kendallTauB([1, 2, 3], [4, 4, 4]))
        XCTAssertNil(RankCorrelation.spearman([1], [2]))
        XCTAssertNil(RankCorrelation.kendallTauB([], []))
        XCTAssertNil(RankCorrelation.kendallTauB([1, .nan, 3], [1, 2, 3]))
        XCTAssertNil(RankCorrelation.spearman([1, 2], [1, 2, 3]))
        XCTAssertEqual(RankCorrelation.spearman([1, 2], [5, 3]), -1)
    }

    func testRationalesFollowFerret() {
        // n = 5, k = int(q·5) = 0,1,1,2,2,3,3,4,4,5; order by score 2, 0, 3, 4, 1; only positive scores kept;
        // repeated sets skipped.
        let rationales = Rationale.select(scores: [0.5, -0.2, 0.9, 0.1, 0.0], thresholds: (1...10).map { Double($0) / 10 })
        XCTAssertEqual(rationales, [Rationale(threshold: 0.2, k: 1, tokens: [2]),
                                    Rationale(threshold: 0.4, k: 2, tokens: [2, 0]),
                                    Rationale(threshold: 0.6, k: 3, tokens: [2, 0, 3])])
        XCTAssertEqual(Rationale.select(scores: [-1, 0, -0.5], thresholds: [0.5, 1]), [], "no positive score, no rationale")
        XCTAssertEqual(Rationale.select(scores: [], thresholds: [1]), [])
        // Equal scores: the earlier token first.
        XCTAssertEqual(Rationale.select(scores: [1, 2, 2, 1], thresholds: [0.5]), [Rationale(threshold: 0.5, k: 2, tokens: [1, 2])])
    }

    func testTopCountIsIntOfDecimalFraction() {
        XCTAssertEqual(Rationale.topCount(fraction: 0.7, of: 10), 7)
        XCTAssertEqual(Rationale.topCount(fraction: 0.1 + 0.1 + 0.1, of: 10), 3, "numpy's arange value 0.30000000000000004")
        XCTAssertEqual(Rationale.topCount(fraction: 0.6, of: 5), 3)
        XCTAssertEqual(Rationale.topCount(fraction: 0.1, of: 9), 0)
        XCTAssertEqual(Rationale.topCount(fraction: 1, of: 13), 13)
        XCTAssertEqual(Rationale.topCount(fraction: 0.29, of: 100), 29, "the decimal's value, not 0.29·100 = 28.999999999999996")
    }

    func testTopKOverlap() {
        XCTAssertEqual(TokenOrder.topKOverlap([3, 2, 1, 0], [0, 2, 3, 1], k: 2), 0.5)
        XCTAssertEqual(TokenOrder.topKOverlap([3, 2, 1, 0], [3, 2, 1, 0], k: 3), 1)
        XCTAssertEqual(TokenOrder.topKOverlap([3, 2], [2, 3], k: 5), 1, "k clamped to the token count")
        XCTAssertNil(TokenOrder.topKOverlap([], [], k: 1))
        XCTAssertEqual(TokenOrder.descending([0.1, 0.5, 0.1, -2]), [1, 0, 2, 3])
        var settings = ComparisonSettings()
        XCTAssertEqual(settings.topKCount(tokens: 16), 3)
        XCTAssertEqual(settings.topKCount(tokens: 3), 1, "max(1, int(0.2·3))")
        settings.topK = 10
        XCTAssertEqual(settings.topKCount(tokens: 4), 4)
    }

    func testPerturbedSequencesKeepSpecialTokens() {
        let content = TokenContent(ids: [101, 7, 8, 9, 102], special: [true, false, false, false, true], maskID: 103)
        XCTAssertEqual(content.positions, [1, 2, 3])
        XCTAssertEqual(content.removing([1], by: .delete), [101, 7, 9, 102])
        XCTAssertEqual(content.removing([1], by: .mask), [101, 7, 103, 9, 102])
        XCTAssertEqual(content.keeping([2, 0], by: .delete), [101, 7, 9, 102], "sentence order, not score order")
        XCTAssertEqual(content.keeping([2, 0], by: .mask), [101, 7, 103, 9, 102])
        XCTAssertEqual(content.removing([0, 1, 2], by: .delete), [101, 102])
        XCTAssertEqual(content.removing([], by: .delete), [101, 7, 8, 9, 102])

        var inputs = PerturbedInputs()
        XCTAssertEqual(inputs.add([101, 7, 102]), 0)
        XCTAssertEqual(inputs.add([101, 8, 102]), 1)
        XCTAssertEqual(inputs.add([101, 7, 102]), 0, "a repeated sequence gets its first slot")
        XCTAssertEqual(inputs.sequences.count, 2)
        XCTAssertEqual(inputs.requests, 3)
    }

    func testDeletionCurveArea() {
        // Trapezoids over x = 0, 1/4, …, 1: (1+0.5)/2 + (0.5+0.5)/2 + (0.5+0.25)/2 + (0.25+0)/2, over 4.
        XCTAssertEqual(DeletionCurve(probabilities: [1, 0.5, 0.5, 0.25, 0]).area, (0.75 + 0.5 + 0.375 + 0.125) / 4, accuracy: 1e-15)
        XCTAssertEqual(DeletionCurve(probabilities: [0.8]).area, 0.8)
    }

    func testRankingAndSummary() {
        func entry(_ method: String, _ c: Double, _ s: Double) -> MethodFaithfulness {
            MethodFaithfulness(method: method, comprehensiveness: c, sufficiency: s, rationales: [], taucorrLoo: nil, deletionCurve: nil)
        }
        let ranking = MethodRanking.rank([entry("a", 0.1, 0.3), entry("b", 0.5, 0.25), entry("c", 0.25, 0.0), entry("d", 0.2, 0.2)])
        XCTAssertEqual(ranking.map(\.method), ["b", "c", "d", "a"])
        XCTAssertEqual(ranking.map(\.rank), [1, 1, 3, 4], "b and c tie at 0.25")
        XCTAssertEqual(ranking[3].score, -0.2, accuracy: 1e-15)
        let pair = MethodAgreement(first: "a", second: "b", spearman: 0.1, kendall: 0.1, spearmanAbsolute: 0.5, kendallAbsolute: 0.4,
                                   topKOverlap: 1, topKOverlapAbsolute: 1)
        XCTAssertEqual(MethodRanking.summary(ranking: ranking, agreement: [pair], faithfulness: []),
                       "b is the most faithful (comprehensiveness − sufficiency 0.250), a the least (-0.200); the methods agree moderately (mean Spearman ρ of |scores| 0.500)")
        XCTAssertEqual(MethodRanking.summary(ranking: [], agreement: [], faithfulness: []), "no figures could be computed for this input")
    }
}
