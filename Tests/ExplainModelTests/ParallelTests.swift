import XCTest
import Foundation
import CBLAS
@testable import ExplainModel

/// The worker pool, the split matrix products and the sequence groups: split work must give the same
/// numbers as unsplit work, cover every index once, and survive nesting and concurrent callers.
final class ParallelTests: XCTestCase {
    var random = SeededGenerator(seed: 11)

    /// Split products (by columns, by rows, every transpose, non-zero beta) against one direct sgemm call.
    func testSplitProductsEqualOneCall() {
        XCTAssertGreaterThan(Parallel.workerCount, 1, "the pool must have threads to split over")
        for (m, n, k) in [(18, 1152, 384), (700, 40, 384), (3, 1536, 384), (130, 384, 1536)] {
            for transposeA in [false, true] {
                for transposeB in [false, true] {
                    let a = random.floats(m * k), b = random.floats(k * n), c0 = random.floats(m * n)
                    let lda = transposeA ? m : k, ldb = transposeB ? k : n
                    var split = c0, direct = c0
                    XCTAssertGreaterThanOrEqual(m * n * k, BLAS.splitThreshold)
                    BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                              b: b, ldb: ldb, beta: 0.25, c: &split, ldc: n)
                    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 0.5, a, Int32(lda), b, Int32(ldb), 0.25, &direct, Int32(n))
                    assertClose(split, direct, rtol: 1e-6, "\(m)×\(n)×\(k) transposeA \(transposeA) transposeB \(transposeB)")
                }
            }
        }
    }

    /// Every index once, nested jobs run inline, and two threads posting jobs at once both complete.
    func testForRangesCoversEachIndexOnceUnderNestingAndContention() {
        let count = 10_000
        let hits = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * count)
        defer { hits.deallocate() }
        hits.initialize(repeating: 0, count: 2 * count)
        DispatchQueue.concurrentPerform(iterations: 2) { caller in
            for _ in 0..<50 {
                Parallel.forRanges(100, minimumPerWorker: 1) { outer in
                    for i in outer {
                        Parallel.forRanges(count / 100, minimumPerWorker: 1) { inner in
                            for j in inner { hits[caller * count + i * (count / 100) + j] += 1 }
                        }
                    }
                }
            }
        }
        let counts = Array(UnsafeBufferPointer(start: hits, count: 2 * count))
        XCTAssertEqual(Set(counts), [50], "each index exactly once per job")
    }

    func testSequenceGroupsBalanceTokensAndKeepOrder() {
        XCTAssertEqual(ClassifierModel.groups(lengths: [18, 14], parts: 2), [0..<2], "too few tokens to split")
        XCTAssertEqual(ClassifierModel.groups(lengths: Array(repeating: 16, count: 50), parts: 2), [0..<25, 25..<50])
        XCTAssertEqual(ClassifierModel.groups(lengths: [300, 1, 1, 1], parts: 2), [0..<1, 1..<4])
        XCTAssertEqual(ClassifierModel.groups(lengths: [1, 1, 1, 300], parts: 2), [0..<3, 3..<4])
        XCTAssertEqual(ClassifierModel.groups(lengths: [100, 100, 100], parts: 4), [0..<1, 1..<2, 2..<3])
        XCTAssertEqual(ClassifierModel.groups(lengths: [500], parts: 2), [0..<1])
        XCTAssertEqual(ClassifierModel.groups(lengths: [200, 200], parts: 1), [0..<2])
    }

    /// The passes of a batch and the groups of a call's texts: consecutive, in order, within the limit, a longer
    /// sequence alone.
    func testConsecutiveRunsStayWithinTheLimit() {
        XCTAssertEqual(ClassifierModel.consecutiveRuns(lengths: [60, 60, 60, 10], limit: 128), [0..<2, 2..<4])
        XCTAssertEqual(ClassifierModel.consecutiveRuns(lengths: [300, 20, 500, 1], limit: 128), [0..<1, 1..<2, 2..<3, 3..<4])
        XCTAssertEqual(ClassifierModel.consecutiveRuns(lengths: [64, 64], limit: 128), [0..<2])
        XCTAssertEqual(ClassifierModel.consecutiveRuns(lengths: [], limit: 128), [])
    }

    /// A batch split into passes gives the same bits on one thread as on two: the groups follow the cores,
    /// not the thread count (a Ray job's one-thread daemons match a two-thread `explaind corpus`).
    func testBatchedPassesGiveTheSameBitsOnAnyThreadCount() throws {
        let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-gelu-2labels"))
        let ids = (0..<24).map { s in [2] + (0..<(10 + s % 7)).map { (s * 7 + $0 * 3) % 90 + 5 } + [3] }
        let saved = ClassifierModel.threadCount
        defer { ClassifierModel.threadCount = saved }
        var runs: [[(logits: [Float], gradient: [Float])]] = []
        for threads in [2, 1] {
            ClassifierModel.threadCount = threads
            runs.append(model.evaluate(ModelInput(ids: ids), logitWeights: { logits, _ in logits.indices.map { $0 == 0 ? 1 : 0 } }))
        }
        XCTAssertGreaterThanOrEqual(ClassifierModel.concurrentPasses, 1)
        for (a, b) in zip(runs[0], runs[1]) {
            XCTAssertEqual(a.logits, b.logits)
            XCTAssertEqual(a.gradient, b.gradient)
        }
    }
}
