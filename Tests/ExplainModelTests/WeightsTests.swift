import XCTest
import ExplainTestSupport
import Foundation
@testable import ExplainModel

/// Mapped weights read the file's values in place, survive having their pages dropped, and stack.
final class WeightsTests: XCTestCase {
    func testMappedWeightsMatchTheFileAndSurvivePageRelease() throws {
        let url = try scratchDirectory("weights").appendingPathComponent("model.safetensors")
        let big = (0..<300_000).map { Float($0 % 1000) * 0.001 - 0.5 }
        try SafeTensorsWriter.write([("a", [3], [1, 2, 3]), ("big", [300_000], big)], to: url)
        let file = try SafeTensorsFile(url: url)
        let weights = try XCTUnwrap(file.weights("big"))
        XCTAssertEqual(weights.array, big)
        let mapBase = try XCTUnwrap(file.floats("big"))
        XCTAssertEqual(weights.array, mapBase)
        weights.releasePages(1000..<250_000)
        XCTAssertEqual(weights.array, big, "dropped pages are read back from the file")
        XCTAssertNil(file.weights("missing"))

        let stacked = Weights.concatenating([try XCTUnwrap(file.weights("a")), Weights([4, 5])])
        XCTAssertEqual(stacked.array, [1, 2, 3, 4, 5])
        stacked.releasePages(0..<5)
        XCTAssertEqual(stacked.array, [1, 2, 3, 4, 5], "an owned copy is never dropped")
    }

    /// The Gram matrix summed block by block (dropping pages as it goes) equals EᵀE in one product.
    func testBlockwiseGramEqualsOneProduct() {
        let vocabulary = WordEmbeddingGram.blockRows * 2 + 77, hidden = 16
        var random = SeededGenerator(seed: 5)
        let e = random.floats(vocabulary * hidden)
        let gram = WordEmbeddingGram().get(Weights(e), vocabulary: vocabulary, hidden: hidden)
        var expected = [Float](repeating: 0, count: hidden * hidden)
        for i in 0..<hidden { for j in 0..<hidden {
            var sum: Double = 0
            for v in 0..<vocabulary { sum += Double(e[v * hidden + i]) * Double(e[v * hidden + j]) }
            expected[i * hidden + j] = Float(sum)
        } }
        assertClose(gram, expected, rtol: 1e-5, "EᵀE")
    }
}
