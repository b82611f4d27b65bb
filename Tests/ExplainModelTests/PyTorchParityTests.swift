import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainModel

/// Logits and input gradients against PyTorch on the committed fixture checkpoints
/// (Scripts/reference/make_model_fixtures.py writes them).
final class PyTorchParityTests: XCTestCase {
    struct Expected: JSONRecord {
        struct Gradient: JSONRecord {
            let kind: String; let weights: [[Float]]; let grad: [[Float]]
        }
        let model: String
        let texts: [String]
        let ids: [[Int]]
        let logits: [[Float]]
        let gradients: [Gradient]
    }

    static let models = ["bert-gelu-2labels", "bert-tanh-3labels-f16", "distilbert-3labels-bf16", "bert-largest",
                         "roberta-3labels", "xlm-roberta-2labels-f16", "camembert-4labels-bf16", "electra-2labels", "albert-3labels-f16",
                         "modernbert-3labels", "modernbert-2labels-mean-bias-bf16", "roberta-multilabel-3labels",
                         "deberta-v3-3labels", "deberta-v2-4labels-f16"]

    func load(_ name: String) throws -> (ClassifierModel, Expected) {
        let expected: Expected = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name).json"))
        let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)"))
        return (model, expected)
    }

    func testLogitsMatchPyTorch() throws {
        var worst: Float = 0
        for name in Self.models {
            let (model, expected) = try load(name)
            let logits = model.logits(ModelInput(ids: expected.ids))
            for (b, row) in logits.enumerated() {
                assertClose(row, expected.logits[b], atol: 1e-4, "\(name) logits of text \(b)")
                worst = max(worst, zip(row, expected.logits[b]).map { abs($0 - $1) }.max() ?? 0)
            }
            // One sequence at a time gives the same numbers as the packed batch.
            let single = model.logits(ModelInput(ids: [expected.ids[3]]))
            assertClose(single[0], logits[3], atol: 1e-5, "\(name) single vs batched")
        }
        print("largest absolute logit difference from PyTorch: \(worst)")
    }

    /// Both ways of the dense layers' input gradient: the small fixtures fit the memory allowance, so every
    /// layer has its own copy for it; loaded with no allowance, every layer uses the shared packed copy (as
    /// most of BERT-base's do).
    func testInputGradientsMatchPyTorch() throws {
        var worst = 0.0
        for name in Self.models {
            let expected: Expected = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name).json"))
            for copyBytes in [nil, 0] {
                let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)"),
                                                     inputGradientCopyBytes: copyBytes)
                let copies = model.inputGradientCopies
                if copyBytes == 0 { XCTAssertEqual(copies.copied, 0, name) } else { XCTAssertEqual(copies.shared, 0, name) }
                XCTAssertGreaterThan(copies.copied + copies.shared, 0, name)
                let pass = model.forward(ModelInput(ids: expected.ids))
                for gradient in expected.gradients {
                    let ours = model.inputGradient(pass, logitWeights: gradient.weights)
                    for b in ours.indices {
                        assertClose(ours[b], gradient.grad[b], rtol: 1e-4,
                                    "\(name) \(gradient.kind) gradient of text \(b), \(copies.copied) own copies")
                        worst = max(worst, relativeDifference(ours[b], gradient.grad[b]))
                    }
                }
            }
        }
        print("largest input-gradient difference relative to the largest component: \(worst)")
    }

    /// Given word embeddings equal to the looked-up ones give the same logits as ids alone.
    func testGivenWordEmbeddingsEqualLookup() throws {
        let (model, expected) = try load("bert-gelu-2labels")
        let embeddings = expected.ids.map { model.wordEmbeddings(ids: $0) }
        let viaIDs = model.logits(ModelInput(ids: expected.ids))
        let viaEmbeddings = model.logits(ModelInput(ids: expected.ids, wordEmbeddings: embeddings))
        for b in viaIDs.indices { XCTAssertEqual(viaIDs[b], viaEmbeddings[b]) }
    }
}
