import XCTest
import Foundation
import CBLAS
@testable import ExplainModel

/// The layers' products through oneDNN on packed weights against the same products through one sgemm call:
/// both directions of a Linear, at row counts on, between and beyond the row classes (padded chunks, chunks
/// of 256/128/64), with one or two column blocks; and the same numbers on every run and from concurrent
/// callers.
final class PackedProductTests: XCTestCase {
    var random = SeededGenerator(seed: 19)

    /// A MiniLM layer's shapes (Q/K/V, output, expand, project), a classifier's and a tiny one; row counts
    /// that fill a class, pad one, and run as chunks plus a padded tail.
    let shapes: [(inputs: Int, outputs: Int)] = [(384, 1152), (384, 384), (384, 1536), (1536, 384), (384, 2), (8, 3)]
    let rowCounts = [1, 17, 64, 65, 300]

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

    func testBackwardAccumulatesLikeSgemm() throws {
        for (inputs, outputs) in shapes {
            let w = random.floats(outputs * inputs, scale: 0.1)
            let layer = try Linear(weight: Weights(w), bias: random.floats(outputs), inputSize: inputs, outputSize: outputs)
            for rows in rowCounts {
                let dy = random.floats(rows * outputs), dx0 = random.floats(rows * inputs)
                var dx = dx0, expected = dx0
                layer.backward(dx: &dx, dy: dy, rows: rows)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(inputs), Int32(outputs), 1, dy, Int32(outputs),
                            w, Int32(inputs), 1, &expected, Int32(inputs))
                assertClose(dx, expected, atol: roundingBound(dy, w, depth: outputs) + 1e-6, "backward \(rows)×\(outputs) · \(outputs)×\(inputs), added")
            }
        }
    }

    /// One column block and two give the same numbers (the pool's split is invisible).
    func testColumnBlocksDoNotChangeTheProduct() throws {
        let inputs = 384, outputs = 1152, rows = 18
        let w = random.floats(outputs * inputs, scale: 0.1), x = random.floats(rows * inputs)
        let one = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil,
                                    accumulates: false, parts: 1)
        let two = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil,
                                    accumulates: false, parts: 2)
        var y1 = [Float](repeating: 0, count: rows * outputs), y2 = y1
        one.multiply(rows: rows, a: x, lda: inputs, c: &y1, ldc: outputs)
        two.multiply(rows: rows, a: x, lda: inputs, c: &y2, ldc: outputs)
        XCTAssertEqual(y1, y2)
    }

    /// The same product gives the same bits on every call, through the pool and from two threads at once.
    func testDeterministicAcrossRunsAndConcurrentCallers() throws {
        XCTAssertGreaterThan(Parallel.workerCount, 1, "the pool must have threads to split over")
        let inputs = 384, outputs = 1536
        let layer = try Linear(weight: Weights(random.floats(outputs * inputs, scale: 0.1)), bias: random.floats(outputs),
                               inputSize: inputs, outputSize: outputs)
        for rows in [1, 18, 200] {
            let x = random.floats(rows * inputs)
            var reference = [Float](repeating: 0, count: rows * outputs)
            layer.forward(&reference, x, rows: rows)
            let results = UnsafeMutablePointer<[Float]>.allocate(capacity: 2)
            results.initialize(repeating: [], count: 2)
            defer { results.deinitialize(count: 2); results.deallocate() }
            DispatchQueue.concurrentPerform(iterations: 2) { caller in
                var y = [Float](repeating: 0, count: rows * outputs)
                for _ in 0..<20 { layer.forward(&y, x, rows: rows) }
                results[caller] = y
            }
            XCTAssertEqual(results[0], reference, "\(rows) rows, first caller")
            XCTAssertEqual(results[1], reference, "\(rows) rows, second caller")
        }
    }

    /// Leading dimensions wider than the matrices (the attention block reads Q, K, V out of one wider row).
    func testStridedInputAndOutput() throws {
        let inputs = 64, outputs = 256, rows = 20, lda = 100, ldc = 300
        let w = random.floats(outputs * inputs, scale: 0.1)
        let product = try PackedProduct(depth: inputs, columns: outputs, b: w, rowStride: 1, columnStride: inputs, bias: nil,
                                        accumulates: true, parts: 2)
        let a = random.floats(rows * lda), c0 = random.floats(rows * ldc)
        var c = c0, expected = c0
        product.multiply(rows: rows, a: a, lda: lda, c: &c, ldc: ldc)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs), 1, a, Int32(lda),
                    w, Int32(inputs), 1, &expected, Int32(ldc))
        assertClose(c, expected, atol: roundingBound(a, w, depth: inputs) + 1e-6, "strided")
    }
}
