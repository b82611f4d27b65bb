import XCTest
import ExplainTestSupport
import ExplainJSON
@testable import ExplainAttribution
import ExplainModel

/// Tests/Fixtures/expected/<model>-compare.json, written by Scripts/reference/make_compare_fixtures.py:
/// numpy/scipy/torch computations of the figures on fixed score vectors (schema: Scripts/reference/README.md).
struct CompareFixture: JSONRecord {
    struct Pair: JSONRecord {
        let a: String, b: String
        let spearman: Float?, kendall: Float?, spearmanAbsolute: Float?, kendallAbsolute: Float?
        let topKOverlap: Float, topKOverlapAbsolute: Float
    }
    struct Step: JSONRecord {
        let q: Double; let k: Int; let tokens: [Int]
        let withoutProbability: Float, onlyProbability: Float, maskedProbability: Float, maskedOutsideProbability: Float
    }
    struct Faithfulness: JSONRecord {
        let comprehensiveness: Float, sufficiency: Float, comprehensivenessMask: Float, sufficiencyMask: Float
        let rationales: [Step]; let tauLOO: Float?; let deletionCurve: [Float]; let deletionArea: Float
    }
    struct Case: JSONRecord {
        let text: Int; let ids: [Int]; let special: [Bool]; let target: Int; let probability: Float
        let scores: [String: [Float]]; let topK: Int; let agreement: [Pair]; let leaveOneOut: [Float]
        let faithfulness: [String: Faithfulness]
    }
    let model: String; let texts: [String]; let methods: [String]; let thresholds: [Double]; let cases: [Case]

    static func load(_ name: String) throws -> (Explainer, CompareFixture) {
        let fixture: CompareFixture = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name)-compare.json"))
        return (Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)"))), fixture)
    }
}

final class ComparisonReferenceTests: XCTestCase {
    static let models = ["bert-gelu-2labels", "bert-tanh-3labels-f16", "distilbert-3labels-bf16", "bert-largest",
                         "roberta-3labels", "xlm-roberta-2labels-f16", "camembert-4labels-bf16", "electra-2labels", "albert-3labels-f16",
                         "roberta-multilabel-3labels", "deberta-v3-3labels"]
    /// Cases longer than this are left out: the deletion curves of the subword families' 136–154-token text take
    /// minutes in a debug build (their shorter cases are checked; long inputs are covered by the parity tests).
    static let longestCase = 64

    /// A statistic stored as float32: ours rounded to float32 must be the same number, give or take the
    /// last bit (the reference computes in float64 from the same float32 scores).
    func assertStatistic(_ ours: Double?, _ theirs: Float?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let theirs else { return XCTAssertNil(ours, what, file: file, line: line) }
        guard let ours else { return XCTFail("\(what): nil, expected \(theirs)", file: file, line: line) }
        XCTAssertEqual(Float(ours), theirs, accuracy: theirs.ulp, what, file: file, line: line)
    }

    func testFiguresMatchReference() throws {
        var worstProbability = 0.0, worstFigure = (0.0, "")
        var checkedCases = 0
        for name in Self.models {
            let (explainer, fixture) = try CompareFixture.load(name)
            XCTAssertEqual(fixture.thresholds, ComparisonSettings().thresholds)
            for testCase in fixture.cases where testCase.ids.count <= Self.longestCase {
                let what = "\(name) text \(testCase.text)"
                XCTAssertEqual(explainer.encode(fixture.texts[testCase.text]).ids, testCase.ids, what)
                let methods = fixture.methods.map { ScoredMethod(method: $0, scores: testCase.scores[$0]!) }
                let content = testCase.special.indices.filter { !testCase.special[$0] }
                let close = { (ours: Double, theirs: Float, label: String) in
                    let difference = abs(ours - Double(theirs))
                    worstProbability = max(worstProbability, difference)
                    if difference > worstFigure.0 { worstFigure = (difference, "\(what) \(label)") }
                    XCTAssertLessThanOrEqual(difference, 1e-5, "\(what) \(label): \(ours) vs \(theirs)")
                }
                for removal in Removal.allCases {
                    var settings = ComparisonSettings()
                    settings.removal = removal
                    let figures = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target,
                                                        methods: methods, settings: settings)
                    close(figures.probability, testCase.probability, "p(x)")
                    XCTAssertEqual(figures.topK, testCase.topK, what)
                    XCTAssertEqual(figures.agreement.count, testCase.agreement.count, what)
                    for (ours, theirs) in zip(figures.agreement, testCase.agreement) {
                        let pair = "\(what) \(theirs.a)/\(theirs.b)"
                        XCTAssertEqual([ours.first, ours.second], [theirs.a, theirs.b])
                        assertStatistic(ours.spearman, theirs.spearman, "\(pair) spearman")
                        assertStatistic(ours.kendall, theirs.kendall, "\(pair) kendall")
                        assertStatistic(ours.spearmanAbsolute, theirs.spearmanAbsolute, "\(pair) spearman |·|")
                        assertStatistic(ours.kendallAbsolute, theirs.kendallAbsolute, "\(pair) kendall |·|")
                        XCTAssertEqual(ours.topKOverlap.map(Float.init), theirs.topKOverlap, "\(pair) top-k")
                        XCTAssertEqual(ours.topKOverlapAbsolute.map(Float.init), theirs.topKOverlapAbsolute, "\(pair) top-k |·|")
                    }
                    let loo = try XCTUnwrap(figures.leaveOneOut)
                    XCTAssertEqual(loo.count, testCase.leaveOneOut.count)
                    for (j, (ours, theirs)) in zip(loo, testCase.leaveOneOut).enumerated() { close(ours, theirs, "leave-one-out \(j)") }
                    for (method, ours) in zip(fixture.methods, figures.faithfulness) {
                        let theirs = testCase.faithfulness[method]!
                        let label = "\(method) \(removal)"
                        XCTAssertEqual(ours.method, method)
                        XCTAssertEqual(ours.rationales.map(\.k), theirs.rationales.map(\.k), "\(what) \(label) rationale sizes")
                        XCTAssertEqual(ours.rationales.map(\.threshold), theirs.rationales.map(\.q), "\(what) \(label) thresholds")
                        XCTAssertEqual(ours.rationales.map(\.tokens), theirs.rationales.map { $0.tokens.map { content[$0] } },
                                       "\(what) \(label) rationale tokens")
                        for (step, expected) in zip(ours.rationales, theirs.rationales) {
                            close(step.withoutProbability!, removal == .delete ? expected.withoutProbability : expected.maskedProbability, "\(label) q \(step.threshold) without")
                            close(step.onlyProbability!, removal == .delete ? expected.onlyProbability : expected.maskedOutsideProbability, "\(label) q \(step.threshold) only")
                        }
                        close(ours.comprehensiveness!, removal == .delete ? theirs.comprehensiveness : theirs.comprehensivenessMask, "\(label) comprehensiveness")
                        close(ours.sufficiency!, removal == .delete ? theirs.sufficiency : theirs.sufficiencyMask, "\(label) sufficiency")
                        assertStatistic(ours.taucorrLoo, theirs.tauLOO, "\(what) \(method) taucorr_loo")
                        if removal == .delete {
                            let curve = try XCTUnwrap(ours.deletionCurve)
                            XCTAssertEqual(curve.probabilities.count, theirs.deletionCurve.count, "\(what) \(label) curve length")
                            for (k, (p, expected)) in zip(curve.probabilities, theirs.deletionCurve).enumerated() { close(p, expected, "\(label) curve \(k)") }
                            close(curve.area, theirs.deletionArea, "\(label) deletion area")
                        }
                    }
                }
                checkedCases += 1
            }
        }
        XCTAssertGreaterThan(checkedCases, 0)
        print("compareMethods vs reference: \(checkedCases) cases, largest probability-figure difference \(worstProbability) (\(worstFigure.1))")
    }
}
