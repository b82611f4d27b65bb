import XCTest
@testable import ExplainAttribution

/// Properties the definitions imply, on the fixture models: convergence, adaptivity, limits, linearity,
/// batching, word sums and errors.
final class PropertyTests: XCTestCase {
    let texts = ["Atiku and Buhari are campaigning across Nigeria ahead of the presidential election.",
                 "The sky is green and beautiful"]

    func gap(_ explanation: Explanation) -> Double {
        guard case .number(let value)? = explanation.extras["gap"] else { return .nan }
        return value
    }

    func testGapShrinksAsStepsGrow() throws {
        let (explainer, _) = try AttributionFixture.load("bert-largest")
        var previous = Double.infinity
        for steps in [2, 4, 8, 16, 32] {
            var request = ExplainRequest(method: "integratedGradients")
            request.options = ["steps": .number(Double(steps)), "rule": .string("riemannMiddle")]
            let explanation = try explainer.explain(texts: [texts[0]], request: request)[0]
            XCTAssertLessThan(abs(gap(explanation)), previous, "steps \(steps)")
            previous = abs(gap(explanation))
        }
    }

    func testAdaptiveMeetsTolerance() throws {
        for name in AttributionFixture.models {
            let (explainer, _) = try AttributionFixture.load(name)
            var request = ExplainRequest(method: "integratedGradients")
            request.options = ["adaptive": .bool(true), "steps": .number(256), "tolerance": .number(0.01)]
            for explanation in try explainer.explain(texts: texts, request: request) {
                guard case .number(let expected)? = explanation.extras["expectedDelta"],
                      case .number(let steps)? = explanation.extras["steps"] else { return XCTFail() }
                XCTAssertLessThanOrEqual(abs(gap(explanation)), max(0.01 * abs(expected), 1e-6), "\(name): gap within tolerance")
                XCTAssertLessThanOrEqual(steps, 256)
            }
        }
    }

    func testSmoothGradWithoutNoiseIsGradientNorm() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        var smooth = ExplainRequest(method: "smoothGrad")
        smooth.options = ["noise": .number(0), "samples": .number(3)]
        smooth.scoring.normalize = .none
        var norm = ExplainRequest(method: "gradientNorm")
        norm.scoring.normalize = .none
        let a = try explainer.explain(texts: texts, request: smooth), b = try explainer.explain(texts: texts, request: norm)
        for (x, y) in zip(a, b) { assertClose(x.tokenScores, y.tokenScores, rtol: 1e-6, "smoothGrad noise 0") }
    }

    func testSmoothGradIsSeeded() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        var request = ExplainRequest(method: "smoothGrad")
        request.options = ["seed": .number(3), "samples": .number(5)]
        let first = try explainer.explain(texts: texts, request: request), second = try explainer.explain(texts: texts, request: request)
        XCTAssertEqual(first.map(\.tokenScores), second.map(\.tokenScores))
        request.options["seed"] = .number(4)
        XCTAssertNotEqual(try explainer.explain(texts: texts, request: request).map(\.tokenScores), first.map(\.tokenScores))
    }

    /// f_t − f_f is linear in the logits, so its gradient × input is the difference of the two single ones.
    func testContrastiveIsDifferenceOfTargets() throws {
        let (explainer, _) = try AttributionFixture.load("distilbert-3labels-bf16")
        func run(_ target: TargetSpec, _ foil: TargetSpec?) throws -> [Float] {
            var request = ExplainRequest(method: "gradientXInput")
            request.scoring.normalize = .none
            request.scoring.target = target
            request.scoring.foil = foil
            return try explainer.explain(texts: [texts[0]], request: request)[0].tokenScores
        }
        let contrastive = try run(.label("political"), .label("general"))
        let difference = zip(try run(.index(0), nil), try run(.index(1), nil)).map { $0 - $1 }
        assertClose(contrastive, difference, rtol: 1e-5, "contrastive linearity")
    }

    func testBatchEqualsSingleTexts() throws {
        let (explainer, _) = try AttributionFixture.load("bert-tanh-3labels-f16")
        for method in AttributionRegistry.methods.map(\.name) {
            var request = ExplainRequest(method: method)
            request.options = method == "integratedGradients" ? ["steps": .number(8)] : method == "smoothGrad" ? ["samples": .number(4)] : [:]
            let batch = try explainer.explain(texts: texts, request: request)
            for (i, text) in texts.enumerated() {
                let single = try explainer.explain(texts: [text], request: request)[0]
                assertClose(batch[i].tokenScores, single.tokenScores, rtol: 1e-4, "\(method) batched vs single")
            }
        }
    }

    func testWordGranularitySumsTokens() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        var request = ExplainRequest(method: "gradientXInput")
        request.scoring.granularity = .word
        request.scoring.normalize = .none
        let explanation = try explainer.explain(texts: ["Pneumonoultramicroscopicsilicovolcanoconiosis is a lung disease."], request: request)[0]
        let words = explanation.encoding.words
        XCTAssertEqual(explanation.wordScores?.count, words.count)
        XCTAssertGreaterThan(words[0].tokens.count, 5)
        for (w, word) in words.enumerated() {
            XCTAssertEqual(explanation.wordScores![w], word.tokens.reduce(0) { $0 + explanation.tokenScores[$1] }, accuracy: 1e-6)
        }
    }

    func testNormalizations() {
        let scores: [Float] = [3, -4, 0]
        XCTAssertEqual(Normalization.max.apply(scores), [0.75, -1, 0])
        XCTAssertEqual(Normalization.l1.apply(scores), [3 / 7, -4 / 7, 0])
        XCTAssertEqual(Normalization.l2.apply(scores), [0.6, -0.8, 0])
        XCTAssertEqual(Normalization.none.apply(scores), scores)
        XCTAssertEqual(Normalization.max.apply([0, 0]), [0, 0])
    }

    func testRequestErrors() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        func error(_ configure: (inout ExplainRequest) -> Void) -> AttributionError? {
            var request = ExplainRequest(method: "integratedGradients")
            configure(&request)
            do { _ = try explainer.explain(texts: ["a vote"], request: request) } catch let error as AttributionError { return error } catch {}
            return nil
        }
        XCTAssertEqual(error { $0.method = "anchors" }, .unknownMethod("anchors"))
        XCTAssertEqual(error { $0.options = ["steps": .number(0)] }, .invalidOption(name: "options.steps", reason: "must be at least 1, got 0"))
        XCTAssertEqual(error { $0.options = ["steps": .number(2.5)] }, .invalidOption(name: "options.steps", reason: "must be an integer"))
        XCTAssertEqual(error { $0.options = ["steps": .string("many")] }, .invalidOption(name: "options.steps", reason: "must be an integer"))
        XCTAssertEqual(error { $0.options = ["rule": .string("simpson")] }?.description.hasPrefix("options.rule: must be one of"), true)
        XCTAssertEqual(error { $0.options = ["stpes": .number(3)] }?.description.hasPrefix("options.stpes: unknown option"), true)
        XCTAssertEqual(error { $0.scoring.target = .label("neutral") }, .unknownLabel("neutral"))
        XCTAssertEqual(error { $0.scoring.target = .index(2) }, .invalidOption(name: "target", reason: "class index 2 is outside 0..<2"))
        XCTAssertEqual(error { $0.scoring.target = .index(1); $0.scoring.foil = .label("positive") }?.description, "foil: the foil must differ from the target (both positive)")
        XCTAssertThrowsError(try explainer.explain(texts: [], request: ExplainRequest()))
    }

    func testCancellationStopsBetweenPasses() throws {
        let (explainer, _) = try AttributionFixture.load("bert-gelu-2labels")
        var request = ExplainRequest(method: "integratedGradients")
        request.options = ["batchSize": .number(5)]
        let counter = Counter()
        let control = RunControl(isCancelled: { counter.value >= 2 }, progress: { _, _ in counter.increment() })
        XCTAssertThrowsError(try explainer.explain(texts: texts, request: request, control: control)) { XCTAssertEqual($0 as? AttributionError, .cancelled) }
        XCTAssertLessThan(counter.value, 5, "stopped soon after the flag was raised")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func increment() { lock.lock(); count += 1; lock.unlock() }
}
