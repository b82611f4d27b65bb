import XCTest
import ExplainBenchmark

final class FlopCountTests: XCTestCase {
    /// A tiny config counted by hand, product by product: H = 4, 2 layers, 2 heads (d = 2), I = 8, C = 3, T = 5.
    func testFormulaMatchesAHandCountForATinyConfig() {
        let shape = ModelShape(hidden: 4, layers: 2, heads: 2, intermediate: 8, labels: 3, vocabulary: 100)
        // Forward, first layer: QKV (5×4)·(4×12) = 2·5·4·12 = 480; per head Q·Kᵀ (5×2)·(2×5) = 100 and
        // P·V (5×5)·(5×2) = 100, two heads = 400; output (5×4)·(4×4) = 160; FFN (5×4)·(4×8) = 320 and
        // (5×8)·(8×4) = 320. Layer = 480 + 400 + 160 + 640 = 1680.
        // Last layer, [CLS] row only past the projection: QKV 480; per head (1×2)·(2×5) = 20 and
        // (1×5)·(5×2) = 20, two heads = 80; output (1×4)·(4×4) = 32; FFN 64 + 64. Layer = 720.
        // Head: pooler (1×4)·(4×4) = 32, classifier (1×4)·(4×3) = 24 → 1680 + 720 + 56 = 2456.
        XCTAssertEqual(FlopCount.forward(shape, length: 5), 2456)
        // Backward, first layer: dx of QKV 480 and output 160, FFN 640, attention dP, dV, dQ, dK at 100 each
        // per head = 800 → 2080. Last layer: QKV 480, output 32, FFN 128, attention 4 · 20 per head = 160
        // → 800. Head 56 → 2936.
        XCTAssertEqual(FlopCount.backward(shape, length: 5), 2936)
        XCTAssertEqual(FlopCount.gradient(shape, length: 5), 2456 + 2936)
        // Gram projection (5×4)·(4×4) = 160.
        XCTAssertEqual(FlopCount.gramProjection(shape, length: 5), 160)
    }

    /// BERT-base on 15 tokens: the issue's ~260 GFLOP for 50 IG steps counts every row of the last layer;
    /// carrying only [CLS] past its attention leaves ~241.
    func testBertBaseIntegratedGradientsAgainstTheIssuesEstimate() {
        let shape = ModelShape(hidden: 768, layers: 12, heads: 12, intermediate: 3072, labels: 2, vocabulary: 30522)
        let perPass = FlopCount.gradient(shape, length: 15)
        let layer = 16.0 * 15 * 768 * 768 + 12.0 * 15 * 15 * 768 + 8.0 * 15 * 768 * 3072
        let lastLayer = 12.0 * 15 * 768 * 768 + 4.0 * 768 * 768 + 12.0 * 15 * 768 + 8.0 * 768 * 3072
        let head = 2 * (2.0 * 768 * 768 + 2.0 * 768 * 2)
        XCTAssertEqual(perPass, 11 * layer + lastLayer + head, accuracy: 1)
        XCTAssertEqual(50 * (12 * layer + head) / 1e9, 260, accuracy: 10)
        XCTAssertEqual(50 * perPass / 1e9, 241, accuracy: 1)
    }

    func testAdaptiveScheduleCountsEveryRound() {
        XCTAssertEqual(Workload.adaptiveEvaluations(steps: 4, maximum: 50), 4)
        XCTAssertEqual(Workload.adaptiveEvaluations(steps: 16, maximum: 50), 4 + 8 + 16)
        XCTAssertEqual(Workload.adaptiveEvaluations(steps: 50, maximum: 50), 4 + 8 + 16 + 32 + 50)
    }

    func testTimingSummaryQuartiles() {
        let summary = TimingSummary([5, 1, 4, 2, 3])
        XCTAssertEqual(summary.median, 3)
        XCTAssertEqual(summary.min, 1)
        XCTAssertEqual(summary.max, 5)
        XCTAssertEqual(summary.q1, 2)
        XCTAssertEqual(summary.q3, 4)
        XCTAssertEqual(TimingSummary([1, 2]).median, 1.5)
        XCTAssertEqual(summary.divided(by: 2).median, 1.5)
    }
}
