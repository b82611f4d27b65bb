import XCTest
@testable import ExplainTraining

final class HeadTrainerTests: XCTestCase {
    /// Two Gaussian clouds in 8 dimensions, centred at ±1 on the first two axes, spread 0.3: linearly
    /// separable, so the head must classify every training point after a few epochs.
    func examples(_ count: Int, seed: UInt64) -> HeadTrainer.Examples {
        var random = SeededRandom(seed: seed)
        var inputs: [[Float]] = [], labels: [Int] = []
        for i in 0..<count {
            let label = i % 2
            let centre: Float = label == 0 ? -1 : 1
            inputs.append((0..<8).map { d in (d < 2 ? centre : 0) + random.normal(std: 0.3) })
            labels.append(label)
        }
        return HeadTrainer.Examples(inputs: inputs, labels: labels)
    }

    func testSeparableSetReachesFullAccuracy() {
        let train = examples(64, seed: 1), heldout = examples(32, seed: 2)
        var random = SeededRandom(seed: 3)
        let initial = HeadTrainer.initialHead(hiddenSize: 8, labelCount: 2, pooler: nil, random: &random)
        XCTAssertLessThan(HeadTrainer.accuracy(initial, train), 1, "the untrained head must not already be perfect")
        let trainer = HeadTrainer(settings: .init(epochs: 30, learningRate: 1e-2, weightDecay: 0.01, batchSize: 8, seed: 3))
        var reported: [HeadTrainer.EpochReport] = []
        let (head, reports) = trainer.train(initial, on: train, heldout: heldout, random: &random) { reported.append($0) }
        XCTAssertEqual(reports, reported)
        XCTAssertEqual(reports.count, 30)
        XCTAssertEqual(reports.last!.trainAccuracy, 1)
        XCTAssertEqual(reports.last!.heldoutAccuracy, 1)
        XCTAssertEqual(HeadTrainer.accuracy(head, train), 1)
        XCTAssertLessThan(reports.last!.meanLoss, reports.first!.meanLoss / 4, "the loss must fall")
    }

    /// The same seed gives the same head bit for bit; another seed another one.
    func testTrainingIsRepeatableFromItsSeed() {
        let train = examples(40, seed: 1)
        func run(seed: UInt64) -> PoolerClassifierHead {
            var random = SeededRandom(seed: seed)
            let initial = HeadTrainer.initialHead(hiddenSize: 8, labelCount: 2, pooler: nil, random: &random)
            return HeadTrainer(settings: .init(epochs: 3, learningRate: 1e-2, batchSize: 8, seed: seed))
                .train(initial, on: train, heldout: nil, random: &random).head
        }
        XCTAssertEqual(run(seed: 5), run(seed: 5))
        XCTAssertNotEqual(run(seed: 5), run(seed: 6))
    }

    /// Initialisation: a given pooler is kept; the classifier is N(0, 0.02²) with a zero bias.
    func testInitialHeadKeepsThePoolerAndDrawsASmallClassifier() {
        var random = SeededRandom(seed: 9)
        let pooler = (weight: (0..<64 * 64).map { Float($0) }, bias: [Float](repeating: 0.5, count: 64))
        let head = HeadTrainer.initialHead(hiddenSize: 64, labelCount: 2, pooler: pooler, random: &random)
        XCTAssertEqual(head.poolerWeight, pooler.weight)
        XCTAssertEqual(head.poolerBias, pooler.bias)
        XCTAssertEqual(head.classifierBias, [0, 0])
        let weights = head.classifierWeight.map(Double.init)
        let mean = weights.reduce(0, +) / Double(weights.count)
        let std = (weights.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(weights.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.005)
        XCTAssertEqual(std, 0.02, accuracy: 0.004)
    }
}
