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

    func ids(_ length: Int, seed: Int) -> [Int] { (0..<length).map { 1000 + ($0 * 37 + seed * 101) % 20000 } }

    func testFormulaEqualsTheProductsOfAForwardAndAnInputGradient() throws {
        for name in ["bert-largest", "distilbert-3labels-bf16"] {
            let model = try load(name)
            let shape = ModelShape(model.config)
            for lengths in [[1], [5], [9], [5, 9, 2]] {
                let input = ModelInput(ids: lengths.enumerated().map { ids($1, seed: $0) })
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

    /// The floor runs the encoder's products of one gradient pass: all of FlopCount.gradient but the head's.
    func testProductsOnlyPassMakesThePassesEncoderProducts() throws {
        for name in ["bert-largest", "distilbert-3labels-bf16"] {
            let model = try load(name)
            let shape = ModelShape(model.config)
            let h = Double(shape.hidden)
            let head = 2 * h * h + 2 * h * Double(shape.labels)
            for length in [1, 7, 16] {
                let products = GradientPassProducts(model: model, length: length)
                let counted = BLAS.countingMultiplyAdds { products.run() }
                XCTAssertEqual(2 * Double(counted), FlopCount.gradient(shape, length: length) - 2 * head, "\(name) T=\(length)")
            }
        }
    }
}
