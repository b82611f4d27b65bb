import XCTest
import ExplainTestSupport
@testable import ExplainModel
import ExplainJSON

/// ModernBERT beyond the shared parity tests (PyTorchParityTests runs its fixtures on the fixture texts):
/// a text of 332 tokens, over 40 local windows long, against PyTorch, and the whole network's input
/// gradient against finite differences of its logits.
final class ModernBertParityTests: XCTestCase {
    struct Long: JSONRecord {
        let text: String; let ids: [Int]; let logits: [Float]; let weights: [Float]; let grad: [Float]
    }

    static let models = ["modernbert-3labels", "modernbert-2labels-mean-bias-bf16"]

    func load(_ name: String) throws -> (ClassifierModel, Long) {
        let expected = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name).json"))
        return (try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)")),
                try ObjectReader(expected, at: "").required("long"))
    }

    func testLongInputMatchesPyTorch() throws {
        for name in Self.models {
            let (model, long) = try load(name)
            XCTAssertEqual(model.tokenizer.encode(long.text).ids, long.ids, "\(name): the byte-level BPE tokenizer as HF tokenizers")
            let pass = model.forward(ModelInput(ids: [long.ids]))
            assertClose(pass.logits[0], long.logits, atol: 1e-4, "\(name) long logits")
            assertClose(model.inputGradient(pass, logitWeights: [long.weights])[0], long.grad, rtol: 1e-4, "\(name) long input gradient")
            XCTAssertEqual(model.maxTokens, 512, "max_position_embeddings and the tokenizer's model_max_length")
        }
    }

    /// The directional derivative along a random direction u of the word embeddings, g·u, against
    /// (f(e + εu) − f(e − εu)) / 2ε of the target logit.
    func testInputGradientMatchesFiniteDifferences() throws {
        var random = SeededGenerator(seed: 16)
        for name in Self.models {
            let (model, long) = try load(name)
            let ids = Array(long.ids.prefix(40))
            let e = model.wordEmbeddings(ids: ids)
            let weights = [Float](repeating: 0, count: model.config.labels.count).enumerated().map { $0.offset == 1 ? Float(1) : 0 }
            let gradient = model.inputGradient(model.forward(ModelInput(ids: [ids], wordEmbeddings: [e])), logitWeights: [weights])[0]
            let u = random.floats(e.count)
            let step: Float = 1e-3
            func logit(_ sign: Float) -> Double { Double(model.logits(ModelInput(ids: [ids], wordEmbeddings: [zip(e, u).map { $0 + sign * step * $1 }]))[0][1]) }
            let numeric = (logit(1) - logit(-1)) / (2 * Double(step))
            let analytic = zip(gradient, u).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(analytic, numeric, accuracy: 1e-2 * max(abs(numeric), 1e-2), "\(name) directional derivative")
        }
    }

    /// Both config styles read to the same settings; what is not ModernBERT as run here is refused by key.
    func testConfigs() throws {
        let modern = try ModelConfig.load(file: fixturesDirectory.appendingPathComponent("models/modernbert-3labels/config.json"))
        XCTAssertEqual(modern.modernBert?.globalLayers, [true, false, false, true])
        XCTAssertEqual(modern.modernBert?.halfWindow, 4)
        XCTAssertEqual(modern.maxTokens, 512)
        let legacy = try ModelConfig.load(file: fixturesDirectory.appendingPathComponent("models/modernbert-2labels-mean-bias-bf16/config.json"))
        XCTAssertEqual(legacy.modernBert?.globalLayers, [true, false, true])
        XCTAssertEqual(legacy.modernBert?.globalRopeTheta, 500)
        XCTAssertEqual(legacy.modernBert?.localRopeTheta, 50)
        XCTAssertEqual(legacy.modernBert?.pooling, .mean)
        let defaults = try ModelConfig(json: try XCTUnwrap(JSONParser.parse(Array(#"{"model_type": "modernbert"}"#.utf8)).objectValue))
        XCTAssertEqual(defaults.maxTokens, 8192)
        XCTAssertEqual(defaults.modernBert?.globalLayers.count, 22)
        XCTAssertEqual(defaults.modernBert?.globalLayers.filter { $0 }.count, 8)
        for (field, phrase) in [(#""layer_types": ["full_attention"]"#, "layer_types"),
                                (#""rope_parameters": {"full_attention": {"rope_type": "yarn", "rope_theta": 10.0}}"#, "rope_type"),
                                (#""classifier_pooling": "max""#, "classifier_pooling"),
                                (#""hidden_size": 30, "num_attention_heads": 2"#, "even head size"),
                                (#""norm_bias": 1"#, "norm_bias")] {
            let json = try XCTUnwrap(JSONParser.parse(Array(#"{"model_type": "modernbert", "num_hidden_layers": 3, \#(field)}"#.utf8)).objectValue)
            XCTAssertThrowsError(try ModelConfig(json: json), field) { error in
                XCTAssertTrue("\(error)".contains(phrase), "\(error) should name \(phrase)")
            }
        }
    }
}
