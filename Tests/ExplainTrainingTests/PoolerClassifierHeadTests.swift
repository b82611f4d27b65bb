import XCTest
@testable import ExplainTraining

final class PoolerClassifierHeadTests: XCTestCase {
    /// H = 2, C = 2 by hand: pre = x·Wpᵀ + bp, pooled = tanh(pre), logits = pooled·Wcᵀ + bc.
    func testForwardMatchesHandComputation() {
        let head = PoolerClassifierHead(hiddenSize: 2, labelCount: 2, poolerWeight: [1, 2, -1, 0.5], poolerBias: [0.1, -0.2],
                                        classifierWeight: [0.3, -0.4, 1, 2], classifierBias: [0.05, -0.05])
        let x: [Float] = [0.2, -0.3]
        let pooled0: Double = tanh(0.2 * 1 - 0.3 * 2 + 0.1)      // tanh(−0.3)
        let pooled1: Double = tanh(-0.2 - 0.3 * 0.5 - 0.2)       // tanh(−0.55)
        let logit0: Double = 0.3 * pooled0 - 0.4 * pooled1 + 0.05
        let logit1: Double = pooled0 + 2 * pooled1 - 0.05
        let expected = [logit0, logit1]
        let logits = head.forward(x, batch: 1).logits
        XCTAssertEqual(Double(logits[0]), expected[0], accuracy: 1e-6)
        XCTAssertEqual(Double(logits[1]), expected[1], accuracy: 1e-6)
    }

    /// Cross-entropy of logits (0, ln 3) with class 1: p = (1/4, 3/4), loss = −ln(3/4); dLogits = (p − e₁)/B.
    func testCrossEntropyValueAndGradient() {
        let (loss, dLogits) = CrossEntropy.lossAndGradient(logits: [0, Float(log(3.0)), 5, 5], labels: [1, 0], classCount: 2)
        XCTAssertEqual(Double(loss), (-log(0.75) + -log(0.5)) / 2, accuracy: 1e-6)
        XCTAssertEqual(dLogits[0], 0.25 / 2, accuracy: 1e-6)
        XCTAssertEqual(dLogits[1], -0.25 / 2, accuracy: 1e-6)
        XCTAssertEqual(dLogits[2], -0.5 / 2, accuracy: 1e-6)
        XCTAssertEqual(dLogits[3], 0.5 / 2, accuracy: 1e-6)
    }

    /// Every weight gradient of the batch cross-entropy against central differences of the loss.
    func testWeightGradientsMatchFiniteDifferences() {
        let h = 5, c = 3, batch = 4
        var random = SeededRandom(seed: 11)
        func values(_ n: Int, _ scale: Double) -> [Float] { (0..<n).map { _ in random.normal(std: scale) } }
        let head = PoolerClassifierHead(hiddenSize: h, labelCount: c, poolerWeight: values(h * h, 0.5), poolerBias: values(h, 0.3),
                                        classifierWeight: values(c * h, 0.7), classifierBias: values(c, 0.3))
        let x = values(batch * h, 1), labels = [0, 2, 1, 2]
        func loss(_ head: PoolerClassifierHead) -> Double {
            Double(CrossEntropy.lossAndGradient(logits: head.forward(x, batch: batch).logits, labels: labels, classCount: c).loss)
        }
        let activations = head.forward(x, batch: batch)
        let dLogits = CrossEntropy.lossAndGradient(logits: activations.logits, labels: labels, classCount: c).dLogits
        let gradients = head.backward(activations, dLogits: dLogits)

        let parameters: [(String, WritableKeyPath<PoolerClassifierHead, [Float]>, [Float])] = [
            ("pooler weight", \.poolerWeight, gradients.poolerWeight), ("pooler bias", \.poolerBias, gradients.poolerBias),
            ("classifier weight", \.classifierWeight, gradients.classifierWeight), ("classifier bias", \.classifierBias, gradients.classifierBias),
        ]
        let step: Float = 1e-2
        for (name, path, analytic) in parameters {
            var worst = 0.0
            for i in analytic.indices {
                var plus = head, minus = head
                plus[keyPath: path][i] += step
                minus[keyPath: path][i] -= step
                let numeric = (loss(plus) - loss(minus)) / (2 * Double(step))
                worst = max(worst, abs(numeric - Double(analytic[i])))
            }
            let scale = analytic.map { abs(Double($0)) }.max()!
            XCTAssertGreaterThan(scale, 1e-3, "\(name): gradient is all but zero, the check would be empty")
            XCTAssertLessThan(worst, 2e-3 * max(scale, 1), "\(name): largest |analytic − numeric| \(worst)")
        }
    }
}
