import XCTest
import ExplainTestSupport
import ExplainJSON
@testable import ExplainAttribution
import ExplainModel

/// Tests/Fixtures/expected/<model>-attention.json, written by Scripts/reference/make_attention_fixtures.py
/// from PyTorch's own attention probabilities (`output_attentions`) and their gradients (`retain_grad`).
struct AttentionFixture: JSONRecord {
    struct Case: JSONRecord {
        let text: Int; let ids: [Int]; let target: Int
        let attentionRollout: [Float]; let attentionGradient: [Float]; let attentionGradientOfProbability: [Float]
    }
    let model: String; let texts: [String]; let cases: [Case]
}

/// Attention rollout and gradient-weighted attention against PyTorch on every fixture family, to 1e-4 of
/// the largest score.
final class AttentionParityTests: XCTestCase {
    /// Every architecture the model module loads hands out its maps: each one is among the fixtures here
    /// (DeBERTa's disentangled attention and ModernBERT's local/global layers included), so a new family
    /// fails this test until its attention implements the seam and has a PyTorch fixture.
    func testAttentionMethodsMatchPyTorch() throws {
        var worst = 0.0
        var covered: Set<Architecture> = []
        for name in AttributionFixture.models {
            let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)"))
            covered.insert(model.config.architecture)
            let explainer = Explainer(model: model)
            let fixture: AttentionFixture = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name)-attention.json"))
            for testCase in fixture.cases {
                for (method, output, expected) in [("attentionRollout", OutputKind.logit, testCase.attentionRollout),
                                                   ("attentionGradient", .logit, testCase.attentionGradient),
                                                   ("attentionGradient", .probability, testCase.attentionGradientOfProbability)] {
                    var request = ExplainRequest(method: method)
                    request.scoring.normalize = .none
                    request.scoring.output = output
                    let explanation = try explainer.explain(texts: [fixture.texts[testCase.text]], request: request)[0]
                    XCTAssertEqual(explanation.encoding.ids, testCase.ids)
                    XCTAssertEqual(explanation.target.index, testCase.target)
                    worst = max(worst, assertClose(explanation.rawTokenScores, expected, rtol: 1e-4, "\(name) text \(testCase.text) \(method) of the \(output)"))
                }
            }
        }
        XCTAssertEqual(covered, Set(Architecture.allCases), "families without an attention fixture")
        print("attention methods: largest difference relative to the largest score \(worst)")
    }

    /// Rollout reads the forward only: another target leaves it unchanged, while the gradient-weighted
    /// attention follows the target. Texts explained in one batch give each text's scores alone.
    func testRolloutIsClassAgnosticAndBatchesAreIndependent() throws {
        let explainer = Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-tanh-3labels-f16")))
        let texts = ["The sky is green and beautiful", "Yes."]
        for method in ["attentionRollout", "attentionGradient"] {
            var first = ExplainRequest(method: method), second = ExplainRequest(method: method)
            first.scoring.target = .index(0); second.scoring.target = .index(1)
            first.scoring.normalize = .none; second.scoring.normalize = .none
            let a = try explainer.explain(texts: texts, request: first), b = try explainer.explain(texts: texts, request: second)
            if method == "attentionRollout" { XCTAssertEqual(a[0].rawTokenScores, b[0].rawTokenScores) }
            else { XCTAssertNotEqual(a[0].rawTokenScores, b[0].rawTokenScores) }
            for (i, text) in texts.enumerated() {
                let alone = try explainer.explain(texts: [text], request: first)[0]
                assertClose(a[i].rawTokenScores, alone.rawTokenScores, rtol: 1e-5, "\(method) of \"\(text)\" in a batch")
            }
        }
    }
}
