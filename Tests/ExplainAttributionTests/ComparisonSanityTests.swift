import XCTest
@testable import ExplainAttribution
import ExplainModel

/// compareMethods end to end on a fixture model: the sanity cases of the issue, batching, progress,
/// cancellation and bad requests.
final class ComparisonSanityTests: XCTestCase {

    /// Score vectors of the attribution fixture (the reference script's PyTorch/Captum numbers).
    static func fixtureScores(_ testCase: AttributionFixture.Case) -> [ScoredMethod] {
        [ScoredMethod(method: "vanillaGradient", scores: testCase.vanillaGradient.raw),
         ScoredMethod(method: "gradientXInput", scores: testCase.gradientXInput),
         ScoredMethod(method: "integratedGradients", scores: testCase.integratedGradients[0].scores),
         ScoredMethod(method: "occlusion", scores: testCase.occlusion["mask"]!)]
    }

    func testMethodComparedWithItselfAgreesFully() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        for testCase in fixture.cases where testCase.ids.count > 4 {
            let scores = testCase.gradientXInput
            let figures = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target,
                                                methods: [ScoredMethod(method: "a", scores: scores), ScoredMethod(method: "b", scores: scores)],
                                                settings: ComparisonSettings())
            let pair = try XCTUnwrap(figures.agreement.first)
            XCTAssertEqual([pair.spearman, pair.kendall, pair.spearmanAbsolute, pair.kendallAbsolute, pair.topKOverlap, pair.topKOverlapAbsolute],
                           [1, 1, 1, 1, 1, 1], "text \(testCase.text)")
            XCTAssertEqual(figures.faithfulness[0], MethodFaithfulness(
                method: "b", comprehensiveness: figures.faithfulness[1].comprehensiveness, sufficiency: figures.faithfulness[1].sufficiency,
                rationales: figures.faithfulness[1].rationales, taucorrLoo: figures.faithfulness[1].taucorrLoo,
                deletionCurve: figures.faithfulness[1].deletionCurve).with(method: "a"))
        }
    }

    /// Occlusion by deletion scores each token by exactly the leave-one-out drop, so τ is 1. Where deleting
    /// different tokens gives the same sequence ("!!!" → three identical single deletions), the comparison
    /// runs that sequence once and the leave-one-out drops tie exactly, while occlusion ran the copies in
    /// different batch rows and its scores differ in the last bits; there τ-b falls just short of 1.
    func testOcclusionByDeletionHasTauLOOOfOne() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-tanh-3labels-f16")
        var exact = 0
        for text in Set(fixture.cases.map(\.text)).sorted() where fixture.cases.first(where: { $0.text == text })!.ids.count > 3 {
            var request = CompareRequest()
            request.methods = ["occlusion"]
            request.options = ["occlusion": ["replacement": .string("delete")]]
            request.settings.metrics = [.taucorrLoo]
            let comparison = try explainer.compare(text: fixture.texts[text], request: request)
            let content = comparison.encoding.tokens.indices.filter { !comparison.encoding.tokens[$0].special }
            let scores = content.map { Double(comparison.runs[0].explanation.rawTokenScores[$0]) }
            for (ours, loo) in zip(scores, comparison.figures.leaveOneOut!) { XCTAssertEqual(ours, loo, accuracy: 1e-6) }
            let ids = comparison.encoding.ids
            let deletions = Set(content.map { t in ids.enumerated().filter { $0.offset != t }.map(\.element) })
            let tau = try XCTUnwrap(comparison.figures.faithfulness[0].taucorrLoo)
            if deletions.count == content.count {
                XCTAssertEqual(tau, 1, "text \(text)")
                exact += 1
            } else {
                XCTAssertGreaterThan(tau, 0.99, "text \(text): repeated deletions")
            }
        }
        XCTAssertGreaterThanOrEqual(exact, 8)
    }

    /// Random scores cut rationales at random, so removing one tells as much as keeping it. With thresholds
    /// j/n (j = 1 … n − 1) the rationale sizes k and n − k come in pairs: the input without a random
    /// k-token rationale is a random (n − k)-token subset, so E[comprehensiveness − sufficiency] = 0 exactly
    /// and the mean over 40 seeded draws must sit within 4 standard errors of 0. Measured: the largest
    /// |mean| is well inside (printed). With ferret's default thresholds 0.1 … 1.0 it is not 0 even in
    /// expectation: the q = 1 rationale is the whole input (comprehensiveness drops to p([CLS][SEP]),
    /// sufficiency keeps p(x)), e.g. (p(x) − p([CLS][SEP]))/2 for a 2-token input; measured over 100 draws
    /// on the 33 fixture cases of three models: at most 0.106 (the 2-token "Yes."), 0.018 on average.
    func testRandomScoresGiveComprehensivenessNearSufficiency() throws {
        var generator = SplitMix64(state: 42)
        var largest = (0.0, 0.0)
        for name in ["bert-gelu-2labels"] {
            let (explainer, fixture) = try AttributionFixture.load(name)
            for testCase in fixture.cases {
                let n = testCase.special.filter { !$0 }.count
                guard n >= 2 else { continue }
                var settings = ComparisonSettings()
                settings.metrics = [.comprehensiveness, .sufficiency]
                settings.thresholds = (1..<n).map { Double($0) / Double(n) }
                let draws = (0..<40).map { i in
                    ScoredMethod(method: "random\(i)", scores: testCase.ids.map { _ in Float.random(in: 0.001..<1, using: &generator) })
                }
                let figures = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target,
                                                    methods: draws, settings: settings)
                XCTAssertTrue(figures.faithfulness.allSatisfy { $0.rationales.count == n - 1 })
                let gaps = figures.faithfulness.map { $0.faithfulnessScore! }
                let mean = gaps.reduce(0, +) / Double(gaps.count)
                let deviation = (gaps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gaps.count - 1)).squareRoot()
                let standardError = deviation / Double(gaps.count).squareRoot()
                XCTAssertLessThanOrEqual(abs(mean), 4 * standardError, "\(name) text \(testCase.text): mean comprehensiveness − sufficiency \(mean)")
                if abs(mean) > largest.0 { largest = (abs(mean), standardError) }
            }
        }
        print("random scores, symmetric thresholds: largest |mean comprehensiveness − sufficiency| \(largest.0) (standard error \(largest.1))")
    }

    func testDefaultComparisonRunsEveryMethodOnTheSameTarget() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        let text = fixture.texts[2]
        let progress = ProgressLog()
        let start = ContinuousClock.now
        let comparison = try explainer.compare(text: text, request: CompareRequest(), control: RunControl(progress: { progress.record($0, $1) }))
        let elapsed = ContinuousClock.now - start
        XCTAssertEqual(comparison.runs.map { $0.explanation.method }, CompareRequest.defaultMethods)
        for run in comparison.runs {
            XCTAssertEqual(run.explanation.target, comparison.target)
            XCTAssertEqual(run.explanation.encoding, comparison.encoding)
            XCTAssertGreaterThan(run.elapsedMs, 0)
            // The same scores as the method run alone.
            let alone = try explainer.explain(texts: [text], request: ExplainRequest(method: run.explanation.method))[0]
            XCTAssertEqual(run.explanation.tokenScores, alone.tokenScores, run.explanation.method)
        }
        XCTAssertNotNil(comparison.runs[3].explanation.extras["gap"], "integrated gradients reports its gap")
        let figures = comparison.figures
        XCTAssertEqual(figures.agreement.count, 15)
        XCTAssertEqual(figures.faithfulness.map(\.method), CompareRequest.defaultMethods)
        XCTAssertEqual(figures.ranking.count, 6)
        XCTAssertEqual(figures.ranking.map(\.score), figures.ranking.map(\.score).sorted(by: >))
        for entry in figures.ranking {
            XCTAssertEqual(entry.score, figures.faithfulness.first { $0.method == entry.method }!.faithfulnessScore!)
        }
        XCTAssertTrue(figures.summary.hasPrefix("\(figures.ranking[0].method) is the most faithful"), figures.summary)
        XCTAssertTrue(figures.summary.contains("\(figures.ranking[5].method) the least"), figures.summary)

        // Every perturbed input is asked for once per use; the shared ones (the unperturbed input as the
        // curves' first point, single deletions shared by leave-one-out and the curves) run once.
        let n = comparison.encoding.tokens.filter { !$0.special }.count
        let requested = n + figures.faithfulness.reduce(0) { $0 + 2 * $1.rationales.count + n + 1 }
        XCTAssertLessThan(figures.perturbedInputs, requested)
        XCTAssertEqual(figures.batches, (figures.perturbedInputs + 63) / 64)

        let fractions = progress.fractions
        XCTAssertEqual(fractions, fractions.sorted(), "progress never goes back")
        XCTAssertEqual(fractions.last ?? 0, 1, accuracy: 1e-12)
        print("default compareMethods on \"\(text)\" (\(comparison.encoding.tokens.count) tokens, bert-gelu-2labels): \(elapsed), "
              + "figures \(comparison.figuresElapsedMs) ms, \(figures.perturbedInputs) perturbed inputs of \(requested) asked for")
    }

    func testBatchSizeDoesNotChangeTheFigures() throws {
        let (explainer, fixture) = try AttributionFixture.load("distilbert-3labels-bf16")
        let testCase = fixture.cases[6]
        let methods = Self.fixtureScores(testCase)
        var one = ComparisonSettings()
        one.batchSize = 1
        let single = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target, methods: methods, settings: one)
        let batched = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target, methods: methods, settings: ComparisonSettings())
        XCTAssertEqual(single.batches, single.perturbedInputs)
        XCTAssertEqual(single.perturbedInputs, batched.perturbedInputs)
        for (a, b) in zip(single.faithfulness, batched.faithfulness) {
            XCTAssertEqual(a.comprehensiveness!, b.comprehensiveness!, accuracy: 1e-6)
            XCTAssertEqual(a.sufficiency!, b.sufficiency!, accuracy: 1e-6)
            for (p, q) in zip(a.deletionCurve!.probabilities, b.deletionCurve!.probabilities) { XCTAssertEqual(p, q, accuracy: 1e-6) }
        }
    }

    func testMetricsOnlyWhenAskedFor() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        var request = CompareRequest()
        request.methods = ["gradientNorm", "gradientXInput"]
        request.settings.metrics = [.agreement]
        let comparison = try explainer.compare(text: fixture.texts[0], request: request)
        XCTAssertEqual(comparison.figures.agreement.count, 1)
        XCTAssertNil(comparison.figures.leaveOneOut)
        XCTAssertEqual(comparison.figures.perturbedInputs, 0)
        XCTAssertEqual(comparison.figures.ranking, [])
        XCTAssertNil(comparison.figures.faithfulness[0].comprehensiveness)
        XCTAssertNil(comparison.figures.faithfulness[0].deletionCurve)
        XCTAssertTrue(comparison.figures.summary.hasPrefix("the methods agree"), comparison.figures.summary)

        request.settings.metrics = [.comprehensiveness]
        let only = try explainer.compare(text: fixture.texts[0], request: request)
        XCTAssertNotNil(only.figures.faithfulness[0].comprehensiveness)
        XCTAssertNil(only.figures.faithfulness[0].sufficiency)
        XCTAssertTrue(only.figures.faithfulness[0].rationales.allSatisfy { $0.onlyProbability == nil && $0.withoutProbability != nil })
        XCTAssertEqual(only.figures.agreement, [])
    }

    func testNoPositiveScoreGivesFerretsDefaults() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        let testCase = fixture.cases[0]
        let negative = testCase.ids.map { _ in Float(-1) }
        let figures = try explainer.measure(ids: testCase.ids, special: testCase.special, target: testCase.target,
                                            methods: [ScoredMethod(method: "negative", scores: negative)], settings: ComparisonSettings())
        XCTAssertEqual(figures.faithfulness[0].comprehensiveness, 0)
        XCTAssertEqual(figures.faithfulness[0].sufficiency, 1)
        XCTAssertEqual(figures.faithfulness[0].rationales, [])
        XCTAssertNil(figures.faithfulness[0].taucorrLoo, "constant scores: τ undefined, as scipy's NaN")
    }

    func testCancellationStopsBetweenBatches() throws {
        let (explainer, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        let progress = ProgressLog()
        let control = RunControl(isCancelled: { progress.fractions.contains { $0 > 0.9 } }, progress: { progress.record($0, $1) })
        var request = CompareRequest()
        request.methods = ["gradientNorm", "occlusion"]
        request.settings.batchSize = 4
        XCTAssertThrowsError(try explainer.compare(text: fixture.texts[6], request: request, control: control)) { error in
            XCTAssertEqual(error as? AttributionError, .cancelled)
        }
        XCTAssertLessThan(progress.fractions.last!, 1, "stopped before the last batch")
        let cancelled = RunControl(isCancelled: { true })
        XCTAssertThrowsError(try explainer.compare(text: fixture.texts[0], request: CompareRequest(), control: cancelled)) { error in
            XCTAssertEqual(error as? AttributionError, .cancelled)
        }
    }

    func testBadRequestsNameTheField() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        func expect(_ change: (inout CompareRequest) -> Void, _ expected: AttributionError, line: UInt = #line) {
            var request = CompareRequest()
            change(&request)
            XCTAssertThrowsError(try explainer.compare(text: "a vote", request: request), line: line) { error in
                XCTAssertEqual(error as? AttributionError, expected, line: line)
            }
        }
        expect({ $0.methods = [] }, .invalidOption(name: "methods", reason: "name at least one method"))
        expect({ $0.methods = ["occlusion", "anchors"] }, .unknownMethod("anchors"))
        expect({ $0.methods = ["occlusion", "occlusion"] }, .invalidOption(name: "methods", reason: "\"occlusion\" is listed twice"))
        expect({ $0.options = ["smoothGrad": [:]]; $0.methods = ["occlusion"] },
               .invalidOption(name: "options.smoothGrad", reason: "options for a method that is not compared"))
        expect({ $0.options = ["occlusion": ["steps": .number(3)]] },
               .invalidOption(name: "options.occlusion.steps", reason: "unknown option (known: replacement, batchSize)"))
        expect({ $0.settings.thresholds = [0.5, 0] }, .invalidOption(name: "thresholds", reason: "each threshold must be in (0, 1], got 0.0"))
        expect({ $0.settings.thresholds = [] }, .invalidOption(name: "thresholds", reason: "give at least one threshold"))
        expect({ $0.settings.metrics = [] }, .invalidOption(name: "metrics", reason: "name at least one metric"))
        expect({ $0.settings.topK = 0 }, .invalidOption(name: "topK", reason: "must be at least 1, got 0"))
        expect({ $0.settings.topKFraction = 1.5 }, .invalidOption(name: "topKFraction", reason: "must be in (0, 1], got 1.5"))
        expect({ $0.settings.batchSize = 0 }, .invalidOption(name: "batchSize", reason: "must be in 1...4096, got 0"))
        expect({ $0.scoring.target = .label("nonsense") }, .unknownLabel("nonsense"))
        XCTAssertThrowsError(try explainer.measure(ids: [101, 7, 102], special: [true, false, true], target: 5,
                                                   methods: [ScoredMethod(method: "m", scores: [0, 1, 0])], settings: ComparisonSettings()))
        XCTAssertThrowsError(try explainer.measure(ids: [101, 7, 102], special: [true, false, true], target: 0,
                                                   methods: [ScoredMethod(method: "m", scores: [1])], settings: ComparisonSettings()))
    }

    func testInputWithoutContentTokens() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        XCTAssertThrowsError(try explainer.compare(text: " ", request: CompareRequest())) { error in
            XCTAssertEqual(error as? AttributionError, .emptyInput)
        }
        let figures = try explainer.measure(ids: [101, 102], special: [true, true], target: 0,
                                            methods: [ScoredMethod(method: "a", scores: [0, 0]), ScoredMethod(method: "b", scores: [1, 1])],
                                            settings: ComparisonSettings())
        XCTAssertTrue(figures.agreement.allSatisfy { $0.spearman == nil && $0.topKOverlap == nil })
        XCTAssertTrue(figures.faithfulness.allSatisfy { $0.comprehensiveness == 0 && $0.sufficiency == 1 && $0.deletionCurve?.probabilities.count == 1 })
        XCTAssertEqual(figures.perturbedInputs, 1, "only the unperturbed input, as the curves' single point")
        XCTAssertEqual(figures.leaveOneOut, [])
    }
}

extension MethodFaithfulness {
    func with(method: String) -> MethodFaithfulness {
        var copy = self
        copy.method = method
        return copy
    }
}

/// Progress fractions as they arrive (from whichever thread reports them).
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    var fractions: [Double] { lock.lock(); defer { lock.unlock() }; return values }
    func record(_ fraction: Double, _ message: String) { lock.lock(); values.append(fraction); lock.unlock() }
}
