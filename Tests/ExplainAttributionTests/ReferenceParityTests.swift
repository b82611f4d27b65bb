import XCTest
@testable import ExplainAttribution

/// Every method against the PyTorch/Captum numbers of the reference scripts, on every fixture model.
final class ReferenceParityTests: XCTestCase {
    func request(_ method: String, _ testCase: AttributionFixture.Case, normalize: Normalization = .none) -> ExplainRequest {
        var request = ExplainRequest(method: method)
        request.scoring.normalize = normalize
        if testCase.explicitTarget { request.scoring.target = .index(testCase.target) }
        return request
    }

    func scores(_ explainer: Explainer, _ fixture: AttributionFixture, _ testCase: AttributionFixture.Case, _ request: ExplainRequest) throws -> Explanation {
        let explanation = try explainer.explain(texts: [fixture.texts[testCase.text]], request: request)[0]
        XCTAssertEqual(explanation.encoding.ids, testCase.ids)
        XCTAssertEqual(explanation.target.index, testCase.target)
        return explanation
    }

    /// gradientXInput's score g·e is a float32 sum whose rounding scales with its terms, bounded by ‖g‖‖e‖,
    /// not with its value. On ModernBERT the value all but vanishes: the first operation is a layer norm of e
    /// itself, so f is unchanged by scaling e and g·e is zero but for the norm's eps. A slack of 1e-5 of
    /// the largest ‖g_i‖‖e_i‖ (our gradientNorm, held to the reference above, times the embedding's norm);
    /// 0 for other methods.
    func dotSlack(_ explainer: Explainer, _ fixture: AttributionFixture, _ testCase: AttributionFixture.Case, _ request: ExplainRequest) throws -> Double {
        guard request.method == "gradientXInput" else { return 0 }
        var normRequest = request
        normRequest.method = "gradientNorm"
        let norms = try scores(explainer, fixture, testCase, normRequest).tokenScores
        let e = explainer.model.config.embeddingSize, rows = explainer.model.wordEmbeddings(ids: testCase.ids)
        return 1e-5 * zip(norms, 0..<testCase.ids.count).map { norm, t in
            Double(norm) * Double((0..<e).reduce(Float(0)) { $0 + rows[t * e + $1] * rows[t * e + $1] }.squareRoot())
        }.max()!
    }

    func testGradientFamily() throws {
        var worst = 0.0
        for name in AttributionFixture.models {
            let (explainer, fixture) = try AttributionFixture.load(name)
            for testCase in fixture.cases {
                let what = "\(name) text \(testCase.text)"
                let vanilla = try scores(explainer, fixture, testCase, request("vanillaGradient", testCase))
                worst = max(worst, assertClose(vanilla.tokenScores, testCase.vanillaGradient.raw, rtol: 1e-4, "\(what) vanillaGradient"))
                // the reference workflow divides by the largest score of all tokens, [CLS] and [SEP] included
                var withSpecials = request("vanillaGradient", testCase, normalize: .max)
                withSpecials.scoring.normalizeSpecialTokens = true
                let vanillaMax = try scores(explainer, fixture, testCase, withSpecials)
                worst = max(worst, assertClose(vanillaMax.tokenScores, testCase.vanillaGradient.normalized, rtol: 1e-4, "\(what) vanillaGradient 0–1"))
                // by default the text's own tokens set the scale: the largest of them is 1
                let textScale = try scores(explainer, fixture, testCase, request("vanillaGradient", testCase, normalize: .max))
                let textMaximum = zip(vanilla.tokenScores, testCase.special).filter { !$0.1 }.map { abs($0.0) }.max()!
                assertClose(textScale.tokenScores, vanilla.tokenScores.map { $0 / textMaximum }, rtol: 1e-6, "\(what) vanillaGradient, specials out")
                assertClose(vanilla.prediction.logits, testCase.logits, atol: 1e-4, "\(what) logits")
                assertClose(vanilla.prediction.probabilities, testCase.probabilities, atol: 1e-5, "\(what) probabilities")
                for (method, expected) in [("gradientNorm", testCase.gradientNorm), ("gradientXInput", testCase.gradientXInput)] {
                    let plain = request(method, testCase)
                    worst = max(worst, assertClose(try scores(explainer, fixture, testCase, plain).tokenScores, expected, rtol: 1e-4,
                                                   atol: try dotSlack(explainer, fixture, testCase, plain), "\(what) \(method)"))
                    var probability = request(method, testCase)
                    probability.scoring.output = .probability
                    let expectedProbability = method == "gradientNorm" ? testCase.probability.gradientNorm : testCase.probability.gradientXInput
                    worst = max(worst, assertClose(try scores(explainer, fixture, testCase, probability).tokenScores, expectedProbability, rtol: 1e-4,
                                                   atol: try dotSlack(explainer, fixture, testCase, probability), "\(what) \(method) of p"))
                }
                var contrastive = request("gradientXInput", testCase)
                contrastive.scoring.foil = .index(testCase.foil)
                worst = max(worst, assertClose(try scores(explainer, fixture, testCase, contrastive).tokenScores, testCase.contrastive.gradientXInput,
                                               rtol: 1e-4, atol: try dotSlack(explainer, fixture, testCase, contrastive), "\(what) contrastive"))
            }
        }
        print("gradient family: largest difference relative to the largest score \(worst)")
    }

    static let rules = ["gausslegendre": "gaussLegendre", "riemann_left": "riemannLeft", "riemann_right": "riemannRight",
                        "riemann_middle": "riemannMiddle", "riemann_trapezoid": "riemannTrapezoid"]

    func testIntegratedGradientsMatchCaptum() throws {
        var worst = 0.0
        for name in AttributionFixture.models {
            let (explainer, fixture) = try AttributionFixture.load(name)
            for testCase in fixture.cases {
                for run in testCase.integratedGradients where run.method == "gausslegendre" || AttributionFixture.quadratureModels.contains(name) {
                    var ig = request("integratedGradients", testCase)
                    ig.options = ["steps": .number(Double(run.steps)), "rule": .string(Self.rules[run.method]!), "baseline": .string(run.baseline)]
                    let explanation = try scores(explainer, fixture, testCase, ig)
                    let what = "\(name) text \(testCase.text) \(run.method) \(run.baseline)"
                    worst = max(worst, assertClose(explanation.tokenScores, run.scores, rtol: 1e-3, what))
                    guard case .number(let expectedDelta)? = explanation.extras["expectedDelta"],
                          case .number(let gap)? = explanation.extras["gap"] else { return XCTFail("\(what): no gap reported") }
                    XCTAssertEqual(expectedDelta, run.outputDifference, accuracy: 1e-4, "\(what) f(x) − f(b)")
                    let scale = run.scores.map { abs(Double($0)) }.max() ?? 1
                    XCTAssertEqual(gap, run.delta, accuracy: 1e-3 * scale * Double(run.scores.count), "\(what) completeness gap")
                    for (t, special) in testCase.special.enumerated() where special { XCTAssertEqual(explanation.tokenScores[t], 0) }
                }
            }
        }
        print("integrated gradients: largest difference relative to the largest score \(worst)")
    }

    func testQuadratureMatchesCaptum() throws {
        let (_, fixture) = try AttributionFixture.load("bert-gelu-2labels")
        // The fixture stores Captum's nodes and weights as float32, hence the 1e-7.
        for run in fixture.cases[0].integratedGradients {
            let (alphas, weights) = Quadrature(rawValue: Self.rules[run.method]!)!.rule(steps: run.steps)
            XCTAssertEqual(alphas.count, run.alphas.count)
            for (ours, theirs) in zip(alphas, run.alphas) { XCTAssertEqual(ours, theirs, accuracy: 1e-7, run.method) }
            for (ours, theirs) in zip(weights, run.stepSizes) { XCTAssertEqual(ours, theirs, accuracy: 1e-7, run.method) }
        }
    }

    func testOcclusion() throws {
        var worst = 0.0
        for name in AttributionFixture.models {
            let (explainer, fixture) = try AttributionFixture.load(name)
            for testCase in fixture.cases {
                for (replacement, expected) in testCase.occlusion {
                    var occlusion = request("occlusion", testCase)
                    occlusion.options = ["replacement": .string(replacement)]
                    let explanation = try scores(explainer, fixture, testCase, occlusion)
                    let difference = assertClose(explanation.tokenScores, expected, atol: 1e-5, "\(name) text \(testCase.text) occlusion \(replacement)")
                    worst = max(worst, difference * Double(expected.map(abs).max() ?? 0))
                }
            }
        }
        print("occlusion: largest absolute difference \(worst)")
    }
}
