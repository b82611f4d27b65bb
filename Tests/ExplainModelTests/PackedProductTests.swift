import XCTest
import Foundation
import CBLAS
import ExplainJSON
@testable import ExplainModel

/// The layers' products through oneDNN on packed weights against the same products through one sgemm call:
/// both directions of a Linear from its one packed copy, at row counts on, between and beyond the row classes
/// (padded chunks, chunks of 256/128/64), with one or two column blocks; the same numbers on every run and
/// from concurrent callers; and nothing read from the original weights after packing.
final class PackedProductTests: XCTestCase {
    var random = SeededGenerator(seed: 19)

    /// MiniLM's widest shapes (Q/K/V, project), a classifier's and a tiny one; row counts that fill a class,
    /// pad one, and run as a chunk plus a padded tail.
    let shapes: [(inputs: Int, outputs: Int)] = [(384, 1152), (1536, 384), (384, 2), (8, 3)]
    let rowCounts = [1, 17, 64, 300]

    /// The two libraries sum in different orders: allow a few float roundings of the terms' magnitude,
    /// (largest |a|) · (largest |b|) · depth · 2⁻²¹ — far below any error in the products themselves.
    func roundingBound(_ a: [Float], _ b: [Float], depth: Int) -> Double {
        Double(a.map(abs).max() ?? 0) * Double(b.map(abs).max() ?? 0) * Double(depth) * 0x1p-21
    }

    func testForwardEqualsSgemm() throws {
        for (inputs, outputs) in shapes {
            let w = random.floats(outputs * inputs, scale: 0.1), bias = random.floats(outputs)
            let layer = try Linear(weight: Weights(w), bias: bias, inputSize: inputs, outputSize: outputs)
            for rows in rowCounts {
                let x = random.floats(rows * inputs)
                var y = [Float](repeating: .nan, count: rows * outputs)
                layer.forward(&y, x, rows: rows)
                var expected = (0..<rows).flatMap { _ in bias }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, x, Int32(inputs),
                            w, Int32(inputs), 1, &expected, Int32(outputs))
                assertClose(y, expected, atol: roundingBound(x, w, depth: inputs), "forward \(rows)×\(inputs) · (\(outputs)×\(inputs))ᵀ")
            }
        }
    }

    /// Both ways of the input gradient: the shared packed copy (inner product backward-data) and a copy packed
    /// for it (matmul, added into dx).
    func testBackwardAccumulatesLikeSgemm() throws {
        for copy in [false, true] {
            for (inputs, outputs) in shapes {
                let w = random.floats(outputs * inputs, scale: 0.1)
                let layer = try Linear(weight: Weights(w), bias: random.floats(outputs), inputSize: inputs, outputSize: outputs,
                                       packInputGradient: copy)
                XCTAssertEqual(layer.hasInputGradientCopy, copy)
                for rows in rowCounts {
                    let dy = random.floats(rows * outputs), dx0 = random.floats(rows * inputs)
                    var dx = dx0, expected = dx0
                    layer.backward(dx: &dx, dy: dy, rows: rows)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inputs), Int32(outputs), 1, dy, Int32(outputs),
                                w, Int32(inputs), 1, &expected, Int32(inputs))
                    assertClose(dx, expected, atol: roundingBound(dy, w, depth: outputs) + 1e-6,
                                "backward \(rows)×\(outputs) · \(outputs)×\(inputs), added (own copy: \(copy))")
                }
            }
        }
    }

    /// Every primitive a pass runs is made when the model loads: passes of every length, both directions,
    /// with and without the input-gradient copies, make none.
    func testPassesMakeNoPrimitives() throws {
        for copyBytes in [nil, 0] {
            let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-largest"),
                                                 inputGradientCopyBytes: copyBytes)
            let before = ProductPrimitive.madeOnRequestPathCount
            for length in [1, 3, 14, 18, 33, 65, 130, 300] {
                let ids = [Array(repeating: 5, count: min(length, model.maxTokens))]
                let pass = model.forward(ModelInput(ids: ids))
                _ = model.inputGradient(pass, logitWeights: [[1] + Array(repeating: 0, count: model.config.labels.count - 1)])
            }
            XCTAssertEqual(ProductPrimitive.madeOnRequestPathCount, before, "allowance \(String(describing: copyBytes))")
        }
    }

    /// The budget grants copies in load order while they fit, and counts both kinds.
    func testInputGradientBudgetGrantsInOrderWhileTheyFit() {
        let budget = InputGradientBudget(bytes: 1000)
        XCTAssertTrue(budget.grant(bytes: 600))
        XCTAssertFalse(budget.grant(bytes: 500))
        XCTAssertTrue(budget.grant(bytes: 400))
        XCTAssertFalse(budget.grant(bytes: 1))
        XCTAssertEqual(budget.tally, InputGradientBudget.Tally(copied: 2, shared: 2, copiedBytes: 1000))
        XCTAssertEqual(budget.remainingBytes, 0)
    }

    /// The allowance is what the memory target leaves after the weights, two threads' batched passes and the
    /// runtime: 1.25 W + 64 MB − W − passes × tokens × cached floats per token × 4 − 30 MB.
    func testInputGradientAllowanceFollowsTheModelsShape() throws {
        func config(_ json: String) throws -> ModelConfig { try ModelConfig(json: try XCTUnwrap(JSONParser.parse(Array(json.utf8)).objectValue)) }
        let miniLM = try config(#"{"model_type": "bert", "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536}"#)
        // Per token: 6 layers × (5 × 384 + 1536 + 2 + 12 heads × 32 keys) = 23,052 floats.
        XCTAssertEqual(InputGradientBudget.cachedFloatsPerToken(miniLM), 23_052)
        // 22.7 M values: 22,700,000 + 67,108,864 − 2 × 128 × 23,052 × 4 − 31,457,280.
        XCTAssertEqual(InputGradientBudget(config: miniLM, weightValues: 22_700_000, passes: 2, tokensPerPass: 128).remainingBytes, 34_746_336)
        // One thread runs one pass at a time: half the activations.
        XCTAssertEqual(InputGradientBudget(config: miniLM, weightValues: 22_700_000, passes: 1, tokensPerPass: 128).remainingBytes,
                       34_746_336 + 128 * 23_052 * 4)
        let bertBase = try config(#"{"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072}"#)
        XCTAssertEqual(InputGradientBudget.cachedFloatsPerToken(bertBase), 87_576)
        XCTAssertEqual(InputGradientBudget(config: bertBase, weightValues: 109_500_000, passes: 2, tokensPerPass: 128).remainingBytes, 55_473_760)
        // With passes of 512 tokens nothing is left.
        XCTAssertEqual(InputGradientBudget(config: bertBase, weightValues: 109_500_000, passes: 2, tokensPerPass: 512).remainingBytes, 0)
        // ModernBERT's gated feed-forward keeps three inner-sized rows.
        let modern = try config(#"{"model_type": "modernbert", "hidden_size": 768, "num_hidden_layers": 22, "num_attention_heads": 12, "intermediate_size": 1152}"#)
        XCTAssertEqual(InputGradientBudget.cachedFloatsPerToken(modern), 22 * (5 * 768 + 3 * 1152 + 2 + 12 * 32))
    }

    /// One column block and two give the same forward numbers (the pool's split is invisible); the
    /// transposed product agrees to rounding (two partial sums added).
    func testColumnBlocksDoNotChangeTheProduct() throws {
        let inputs = 384, outputs = 1152, rows = 18
        let w = random.floats(outputs * inputs, scale: 0.1), x = random.floats(rows * inputs), dy = random.floats(rows * outputs)
        let one = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil, parts: 1)
        let two = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil, parts: 2)
        var y1 = [Float](repeating: 0, count: rows * outputs), y2 = y1
        one.multiply(rows: rows, a: x, lda: inputs, c: &y1, ldc: outputs)
        two.multiply(rows: rows, a: x, lda: inputs, c: &y2, ldc: outputs)
        XCTAssertEqual(y1, y2)
        var dx1 = [Float](repeating: 0, count: rows * inputs), dx2 = dx1
        one.multiplyTransposed(rows: rows, a: dy, lda: outputs, c: &dx1, ldc: inputs)
        two.multiplyTransposed(rows: rows, a: dy, lda: outputs, c: &dx2, ldc: inputs)
        assertClose(dx1, dx2, atol: roundingBound(dy, w, depth: outputs), "transposed, one vs two blocks")
    }

    /// The same products give the same bits on every call, through the pool and from two threads at once.
    func testDeterministicAcrossRunsAndConcurrentCallers() throws {
        XCTAssertGreaterThan(Parallel.workerCount, 1, "the pool must have threads to split over")
        let inputs = 384, outputs = 1536
        let w = random.floats(outputs * inputs, scale: 0.1), bias = random.floats(outputs)
        for copy in [false, true] {
        let layer = try Linear(weight: Weights(w), bias: bias, inputSize: inputs, outputSize: outputs, packInputGradient: copy)
        for rows in [1, 18, 200] {
            let x = random.floats(rows * inputs), dy = random.floats(rows * outputs)
            func run() -> [Float] {
                var y = [Float](repeating: 0, count: rows * outputs), dx = [Float](repeating: 0, count: rows * inputs)
                layer.forward(&y, x, rows: rows)
                layer.backward(dx: &dx, dy: dy, rows: rows)
                return y + dx
            }
            let reference = run()
            let results = UnsafeMutablePointer<[Float]>.allocate(capacity: 2)
            results.initialize(repeating: [], count: 2)
            defer { results.deinitialize(count: 2); results.deallocate() }
            DispatchQueue.concurrentPerform(iterations: 2) { caller in
                for _ in 0..<10 { results[caller] = run() }
            }
            XCTAssertEqual(results[0], reference, "\(rows) rows, first caller, own copy: \(copy)")
            XCTAssertEqual(results[1], reference, "\(rows) rows, second caller, own copy: \(copy)")
        }
        }
    }

    /// Leading dimensions wider than the matrices (the attention block reads Q, K, V out of one wider row):
    /// columns outside the product are left alone.
    func testStridedInputAndOutput() throws {
        let inputs = 64, outputs = 256, rows = 20, lda = 300, ldc = 300
        let w = random.floats(outputs * inputs, scale: 0.1)
        let product = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil, parts: 2)
        let a = random.floats(rows * lda), c0 = random.floats(rows * ldc)
        var c = c0, expected = c0
        product.multiply(rows: rows, a: a, lda: lda, c: &c, ldc: ldc)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, a, Int32(lda),
                    w, Int32(inputs), 0, &expected, Int32(ldc))
        assertClose(c, expected, atol: roundingBound(a, w, depth: inputs) + 1e-6, "strided")
        c = c0
        expected = c0
        product.multiplyTransposed(rows: rows, a: a, lda: lda, c: &c, ldc: ldc)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inputs), Int32(outputs), 1, a, Int32(lda),
                    w, Int32(inputs), 1, &expected, Int32(ldc))
        assertClose(c, expected, atol: roundingBound(a, w, depth: outputs) + 1e-6, "strided, transposed")
    }

    /// After packing, the layer never reads its original weights again (their pages can go): overwriting
    /// them with NaN changes nothing in either direction.
    func testOriginalWeightsAreNotReadAfterPacking() throws {
        for copy in [false, true] { try originalWeightsAreNotReadAfterPacking(packInputGradient: copy) }
    }

    func originalWeightsAreNotReadAfterPacking(packInputGradient: Bool) throws {
        let inputs = 384, outputs = 384, rows = 16
        let w = random.floats(outputs * inputs, scale: 0.1), bias = random.floats(outputs)
        let weights = Weights(w)
        let layer = try Linear(weight: weights, bias: bias, inputSize: inputs, outputSize: outputs, packInputGradient: packInputGradient)
        UnsafeMutablePointer(mutating: weights.pointer).update(repeating: .nan, count: weights.count)
        let x = random.floats(rows * inputs), dy = random.floats(rows * outputs)
        var y = [Float](repeating: 0, count: rows * outputs), dx = [Float](repeating: 0, count: rows * inputs)
        layer.forward(&y, x, rows: rows)
        layer.backward(dx: &dx, dy: dy, rows: rows)
        var expectedY = (0..<rows).flatMap { _ in bias }, expectedDX = [Float](repeating: 0, count: rows * inputs)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, x, Int32(inputs),
                    w, Int32(inputs), 1, &expectedY, Int32(outputs))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inputs), Int32(outputs), 1, dy, Int32(outputs),
                    w, Int32(inputs), 0, &expectedDX, Int32(inputs))
        assertClose(y, expectedY, atol: roundingBound(x, w, depth: inputs), "forward after the original is gone")
        assertClose(dx, expectedDX, atol: roundingBound(dy, w, depth: outputs), "backward after the original is gone")
        withExtendedLifetime(weights) {}
    }

    /// Training reads W and b back: exactly the values packed (one or two column blocks), zeros for no bias.
    func testWeightsReadBackAreThePackedValues() throws {
        for (inputs, outputs) in shapes {
            let w = random.floats(outputs * inputs), bias = random.floats(outputs)
            let layer = try Linear(weight: Weights(w), bias: bias, inputSize: inputs, outputSize: outputs)
            XCTAssertEqual(layer.weight.array, w, "\(outputs) × \(inputs)")
            XCTAssertEqual(layer.bias, bias)
            let unbiased = try Linear(weight: Weights(w), bias: nil, inputSize: inputs, outputSize: outputs)
            XCTAssertEqual(unbiased.bias, [Float](repeating: 0, count: outputs))
        }
    }
}
