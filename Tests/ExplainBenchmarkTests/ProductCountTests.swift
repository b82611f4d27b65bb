import XCTest
import ExplainBenchmark
@testable import ExplainModel

/// The benchmark's FLOP formula and its products-only floor, held to the multiply-adds the model's
/// products really issue (counted in BLAS.gemm), on fixture models of both architectures.
final class ProductCountTests: XCTestCase {
    static let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models")

    func load(_ name: String) throws -> ClassifierModel {
        try ClassifierModel.load(directory: Self.models.appendingPathComponent(name))
    }

    func ids(_ length: Int, seed: Int, vocabulary: Int) -> [Int] {
        (0..<length).map { (1000 + ($0 * 37 + seed * 101) % 20000) % vocabulary }
    }

    /// BERT and DistilBERT; ModernBERT with global and sliding-window layers, texts longer than the window (and a
    /// last layer on every token); DeBERTa-v3 with log buckets that the longer texts reach, and DeBERTa-v2.
    func testFormulaEqualsTheProductsOfAForwardAndAnInputGradient() throws {
        let cases = [("bert-largest", [[1], [5], [9], [5, 9, 2]]), ("distilbert-3labels-bf16", [[1], [5], [9], [5, 9, 2]]),
                     ("modernbert-3labels", [[3], [9], [40], [40, 7, 23]]), ("modernbert-2labels-mean-bias-bf16", [[2], [37], [37, 5]]),
                     ("deberta-v3-3labels", [[1], [6], [30], [30, 4, 11]]), ("deberta-v2-4labels-f16", [[1], [6], [25], [25, 3]])]
        for (name, lengthSets) in cases {
            let model = try load(name)
            let shape = ModelShape(model.config)
            for lengths in lengthSets {
                let input = ModelInput(ids: lengths.enumerated().map { ids($1, seed: $0, vocabulary: shape.vocabulary) })
                var pass: ForwardPass?
                let forward = BLAS.countingMultiplyAdds { pass = model.forward(input) }
                let weights = lengths.map { _ in [Float](repeating: 1, count: shape.labels) }
                let backward = BLAS.countingMultiplyAdds { _ = model.inputGradient(pass!, logitWeights: weights) }
                let expectedForward = lengths.reduce(0.0) { $0 + FlopCount.forward(shape, length: $1) }
                let expectedBackward = lengths.reduce(0.0) { $0 + FlopCount.backward(shape, length: $1) }
                XCTAssertEqual(2 * Double(forward), expectedForward, "\(name) \(lengths) forward")
                XCTAssertEqual(2 * Double(backward), expectedBackward, "\(name) \(lengths) backward")
            }
        }
    }

    /// The floor runs the encoder's products of one gradient pass: all of FlopCount.gradient but the head's,
    /// with the first layer's weights throughout as with each layer's own.
    func testProductsOnlyPassMakesThePassesEncoderProducts() throws {
        for name in ["bert-largest", "distilbert-3labels-bf16"] {
            let model = try load(name)
            let shape = ModelShape(model.config)
            let h = Double(shape.hidden)
            let head = 2 * h * h + 2 * h * Double(shape.labels)
            XCTAssertTrue(GradientPassProducts.replays(model), name)
            // Q, K, V, the output projection and the feed-forward pair, in floats; a copy for the input gradient doubles a product.
            let copies = model.inputGradientCopies
            XCTAssertEqual(copies.shared, 0, "the fixtures are small enough for every copy")
            let layerBytes = (4 * shape.hidden * shape.hidden + 2 * shape.hidden * shape.intermediate) * 4 * 2
            for length in [1, 7, 16] {
                for resident in [false, true] {
                    let products = GradientPassProducts(model: model, length: length, firstLayerThroughout: resident)
                    XCTAssertEqual(products.weightBytes, (resident ? 1 : shape.layers) * layerBytes, name)
                    let counted = BLAS.countingMultiplyAdds { products.run() }
                    XCTAssertEqual(2 * Double(counted), FlopCount.gradient(shape, length: length) - 2 * head, "\(name) T=\(length) \(resident)")
                }
            }
        }
    }

    /// The replay covers only the BERT-like layers: ModernBERT and DeBERTa's relative attention report no
    /// products-alone time rather than a wrong one.
    func testProductsOnlyPassIsNotClaimedForTheNewerFamilies() throws {
        for name in ["modernbert-3labels", "deberta-v3-3labels"] {
            XCTAssertFalse(GradientPassProducts.replays(try load(name)), name)
        }
    }
}
