import Foundation

/// Mini-batch training of a PoolerClassifierHead on fixed inputs (the frozen encoder's [CLS] states):
/// cross-entropy, AdamW, a seeded shuffle per epoch; loss and accuracies reported after every epoch.
struct HeadTrainer {
    struct Settings: Equatable {
        var epochs = 10
        var learningRate = 3e-4
        var weightDecay = 0.01
        var batchSize = 32
        var seed: UInt64 = 6
    }

    /// Inputs (one H-vector per example) and their class indices.
    struct Examples {
        var inputs: [[Float]]
        var labels: [Int]
        var count: Int { labels.count }
    }

    struct EpochReport: Equatable {
        var epoch: Int
        var meanLoss: Double          // over the epoch's mini-batches, weighted by their size
        var trainAccuracy: Double     // after the epoch
        var heldoutAccuracy: Double?  // after the epoch, when a held-out set is given
    }

    var settings: Settings

    /// A head for `labelCount` classes: the pooler from the encoder's checkpoint when it has one (as
    /// from_pretrained does), else N(0, 0.02²) like the classifier, whose bias starts at zero
    /// (BertPreTrainedModel._init_weights, initializer_range 0.02).
    static func initialHead(hiddenSize h: Int, labelCount c: Int, pooler: (weight: [Float], bias: [Float])?,
                            random: inout SeededRandom) -> PoolerClassifierHead {
        let poolerWeight = pooler?.weight ?? (0..<h * h).map { _ in random.normal(std: 0.02) }
        let poolerBias = pooler?.bias ?? [Float](repeating: 0, count: h)
        let classifierWeight = (0..<c * h).map { _ in random.normal(std: 0.02) }
        return PoolerClassifierHead(hiddenSize: h, labelCount: c, poolerWeight: poolerWeight, poolerBias: poolerBias,
                                    classifierWeight: classifierWeight, classifierBias: [Float](repeating: 0, count: c))
    }

    /// Trains a copy of `head` and returns it with one report per epoch (also passed to `report` as it goes).
    func train(_ head: PoolerClassifierHead, on train: Examples, heldout: Examples?, random: inout SeededRandom,
               report: (EpochReport) -> Void = { _ in }) -> (head: PoolerClassifierHead, reports: [EpochReport]) {
        precondition(train.count > 0 && settings.batchSize > 0 && settings.epochs > 0, "nothing to train on")
        var head = head
        var optimizer = AdamW(learningRate: Float(settings.learningRate), weightDecay: Float(settings.weightDecay))
        var reports: [EpochReport] = []
        var order = Array(0..<train.count)
        for epoch in 1...settings.epochs {
            order.shuffle(using: &random)
            var lossSum = 0.0
            for start in stride(from: 0, to: order.count, by: settings.batchSize) {
                let batch = Array(order[start..<min(start + settings.batchSize, order.count)])
                let activations = head.forward(batch.flatMap { train.inputs[$0] }, batch: batch.count)
                let (loss, dLogits) = CrossEntropy.lossAndGradient(logits: activations.logits, labels: batch.map { train.labels[$0] },
                                                                   classCount: head.labelCount)
                lossSum += Double(loss) * Double(batch.count)
                head.apply(head.backward(activations, dLogits: dLogits), optimizer: &optimizer)
            }
            let epochReport = EpochReport(epoch: epoch, meanLoss: lossSum / Double(train.count),
                                          trainAccuracy: Self.accuracy(head, train),
                                          heldoutAccuracy: heldout.map { Self.accuracy(head, $0) })
            reports.append(epochReport)
            report(epochReport)
        }
        return (head, reports)
    }

    /// The class of highest logit for each input.
    static func predictions(_ head: PoolerClassifierHead, _ inputs: [[Float]]) -> [Int] {
        let logits = head.forward(inputs.flatMap { $0 }, batch: inputs.count).logits
        let c = head.labelCount
        return (0..<inputs.count).map { b in
            (0..<c).max { logits[b * c + $0] < logits[b * c + $1] }!
        }
    }

    static func accuracy(_ head: PoolerClassifierHead, _ examples: Examples) -> Double {
        guard examples.count > 0 else { return 0 }
        let correct = zip(predictions(head, examples.inputs), examples.labels).filter { $0 == $1 }.count
        return Double(correct) / Double(examples.count)
    }
}
