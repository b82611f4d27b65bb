import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainAttribution
import ExplainModel

let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Tests/Fixtures/expected/<model>-attributions.json, written by Scripts/reference/make_attribution_fixtures.py.
struct AttributionFixture: JSONRecord {
    struct IntegratedGradientsRun: JSONRecord {
        let method: String; let steps: Int; let baseline: String
        let alphas: [Double]; let stepSizes: [Double]
        let scores: [Float]; let delta: Double; let outputDifference: Double
    }
    struct Case: JSONRecord {
        struct Vanilla: JSONRecord {
            let raw: [Float]; let normalized: [Float]
        }
        struct Pair: JSONRecord {
            let gradientNorm: [Float]; let gradientXInput: [Float]
        }
        struct Contrastive: JSONRecord {
            let gradientXInput: [Float]
        }
        let text: Int; let ids: [Int]; let special: [Bool]
        let target: Int; let explicitTarget: Bool; let foil: Int
        let logits: [Float]; let probabilities: [Float]
        let vanillaGradient: Vanilla; let gradientNorm: [Float]; let gradientXInput: [Float]
        let probability: Pair; let contrastive: Contrastive
        let integratedGradients: [IntegratedGradientsRun]
        let occlusion: [String: [Float]]
    }
    let model: String; let labels: [String]; let texts: [String]; let cases: [Case]

    static let models = ["bert-gelu-2labels", "bert-tanh-3labels-f16", "distilbert-3labels-bf16", "bert-largest",
                         "roberta-3labels", "xlm-roberta-2labels-f16", "camembert-4labels-bf16", "electra-2labels", "albert-3labels-f16",
                         "modernbert-3labels", "modernbert-2labels-mean-bias-bf16", "roberta-multilabel-3labels",
                         "deberta-v3-3labels", "deberta-v2-4labels-f16"]

    /// The BERT and DistilBERT fixtures, on which every quadrature rule is checked; the other families run
    /// Gauss-Legendre with each baseline (the rules are the same code whatever the encoder).
    static let quadratureModels: Set = ["bert-gelu-2labels", "bert-tanh-3labels-f16", "distilbert-3labels-bf16", "bert-largest"]

    static func load(_ name: String) throws -> (Explainer, AttributionFixture) {
        let fixture: AttributionFixture = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name)-attributions.json"))
        return (Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)"))), fixture)
    }
}

/// Shape first, then closeness: |a − b| ≤ atol + rtol · max|b|, reporting the largest difference.
@discardableResult
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Double = 0, atol: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    guard actual.count == expected.count else {
        XCTFail("\(what): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return .infinity
    }
    let scale = expected.map { abs(Double($0)) }.max() ?? 0
    var worst = 0.0, worstIndex = 0
    for i in actual.indices {
        let difference = abs(Double(actual[i]) - Double(expected[i]))
        if !(difference <= worst) { worst = difference; worstIndex = i }
    }
    if !(worst <= atol + rtol * scale) {
        XCTFail("\(what): largest difference \(worst) at \(worstIndex) (\(actual[worstIndex]) vs \(expected[worstIndex])), tolerance \(atol + rtol * scale)",
                file: file, line: line)
    }
    return scale > 0 ? worst / scale : worst
}
