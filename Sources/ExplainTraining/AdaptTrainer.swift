import Foundation
import ExplainModel

/// What `explaind adapt` trains: the new word-embedding rows, the head (dense + output layer), both, or
/// both and the last K encoder layers.
public enum AdaptTraining: Equatable, Sendable {
    case embeddings, head, embeddingsAndHead, topLayers(Int)

    public static func parse(_ text: String) throws -> AdaptTraining {
        switch text {
        case "embeddings": return .embeddings
        case "head": return .head
        case "embeddings+head": return .embeddingsAndHead
        default:
            if text.hasPrefix("top-layers:"), let k = Int(text.dropFirst("top-layers:".count)), k > 0 { return .topLayers(k) }
            throw TrainingError.invalidArgument("--train takes embeddings, head, embeddings+head or top-layers:K (K ≥ 1), got \"\(text)\"")
        }
    }

    public var name: String {
        switch self {
        case .embeddings: return "embeddings"
        case .head: return "head"
        case .embeddingsAndHead: return "embeddings+head"
        case .topLayers(let k): return "top-layers:\(k)"
        }
    }

    var trainsNewRows: Bool { self != .head }
    var weights: TrainedWeights {
        switch self {
        case .embeddings: return TrainedWeights(head: false)
        case .head, .embeddingsAndHead: return TrainedWeights(head: true)
        case .topLayers(let k): return TrainedWeights(head: true, topLayers: k)
        }
    }
}

/// Mini-batch training of a grown model: cross-entropy on the gold labels, AdamW (PyTorch's, weight decay
/// on weight matrices and embedding rows, not on biases and layer-norm gains, as the HuggingFace Trainer
/// groups them), a seeded shuffle per epoch, no dropout (deterministic). The new rows' gradient is the input
/// gradient of the word-embedding rows, summed over the positions holding each new id.
struct AdaptTrainer {
    struct Settings: Equatable {
        var epochs = 3
        var learningRate = 1e-4
        var weightDecay = 0.01
        var batchSize = 16
        var seed: UInt64 = 6
        var training = AdaptTraining.embeddingsAndHead
    }

    /// Encoded texts and their class indices.
    struct Examples {
        var ids: [[Int]]
        var labels: [Int]
        var count: Int { labels.count }
    }

    /// The trained state: the new rows (one per new id, from `firstNewID`) and the trained weights by name.
    struct State {
        var rows: [[Float]]
        var weights: [NamedTensor]
    }

    struct EpochReport: Equatable {
        var epoch: Int
        var meanLoss: Double
        var accuracy: Double   // on the held-out texts, else on the training texts
    }

    let settings: Settings
    let firstNewID: Int

    /// The word-embedding rows of each sequence, the new ids' taken from `rows`.
    func wordEmbeddings(_ model: ClassifierModel, ids: [[Int]], rows: [[Float]]) -> [[Float]]? {
        guard settings.training.trainsNewRows else { return nil }
        let e = model.config.embeddingSize
        return ids.map { sequence in
            var values = model.wordEmbeddings(ids: sequence)
            for (t, id) in sequence.enumerated() where id >= firstNewID {
                values.replaceSubrange(t * e..<(t + 1) * e, with: rows[id - firstNewID])
            }
            return values
        }
    }

    func accuracy(_ model: ClassifierModel, _ state: State, _ examples: Examples) -> Double {
        guard examples.count > 0 else { return 0 }
        var correct = 0
        for start in stride(from: 0, to: examples.count, by: 32) {
            let range = start..<min(start + 32, examples.count)
            let ids = Array(examples.ids[range])
            let logits = model.logits(ModelInput(ids: ids, wordEmbeddings: wordEmbeddings(model, ids: ids, rows: state.rows)))
            for (row, label) in zip(logits, examples.labels[range]) where row.indices.max(by: { row[$0] < row[$1] }) == label { correct += 1 }
        }
        return Double(correct) / Double(examples.count)
    }

    /// Trains from `model` (the grown one) and `initial`; returns the state of the epoch with the best
    /// accuracy (held-out when given), the model carrying it, and the reports. `shouldStop` is asked between
    /// batches: a stop evaluates the state reached and keeps the best so far.
    func train(_ model: ClassifierModel, initial: State, on train: Examples, heldout: Examples?,
               report: (EpochReport) -> Void = { _ in }, batchDone: (Int, Int) -> Void = { _, _ in },
               shouldStop: () -> Bool = { false }) throws -> (state: State, model: ClassifierModel, reports: [EpochReport], stopped: Bool) {
        precondition(train.count > 0 && settings.batchSize > 0 && settings.epochs > 0, "nothing to train on")
        let trained = settings.training.weights
        let e = model.config.embeddingSize, classes = model.config.labels.count
        var random = SeededRandom(seed: settings.seed)
        var optimizer = AdamW(learningRate: Float(settings.learningRate), weightDecay: Float(settings.weightDecay))
        var state = initial, current = model
        var best: (state: State, model: ClassifierModel, accuracy: Double)?
        var reports: [EpochReport] = []
        var order = Array(0..<train.count)
        let batchesPerEpoch = (train.count + settings.batchSize - 1) / settings.batchSize
        var stopped = false
        epochs: for epoch in 1...settings.epochs {
            order.shuffle(using: &random)
            var lossSum = 0.0, seen = 0
            for (b, start) in stride(from: 0, to: order.count, by: settings.batchSize).enumerated() {
                if shouldStop() { stopped = true; break }
                let batch = Array(order[start..<min(start + settings.batchSize, order.count)])
                let ids = batch.map { train.ids[$0] }
                let pass = current.trainingForward(ModelInput(ids: ids, wordEmbeddings: wordEmbeddings(current, ids: ids, rows: state.rows)), trained)
                let (loss, dLogits) = CrossEntropy.lossAndGradient(logits: pass.logits.flatMap { $0 }, labels: batch.map { train.labels[$0] },
                                                                   classCount: classes)
                lossSum += Double(loss) * Double(batch.count)
                seen += batch.count
                let gradients = current.lossGradients(pass, dLogits: (0..<batch.count).map { Array(dLogits[$0 * classes..<($0 + 1) * classes]) }, trained)
                optimizer.beginStep()
                if settings.training.trainsNewRows {
                    var dRows = [Float](repeating: 0, count: state.rows.count * e)
                    for (s, sequence) in ids.enumerated() {
                        for (t, id) in sequence.enumerated() where id >= firstNewID {
                            for j in 0..<e { dRows[(id - firstNewID) * e + j] += gradients.wordEmbeddings[s][t * e + j] }
                        }
                    }
                    var flat = state.rows.flatMap { $0 }
                    optimizer.update(&flat, gradient: dRows, slot: 0, decay: true)
                    state.rows = (0..<state.rows.count).map { Array(flat[$0 * e..<($0 + 1) * e]) }
                }
                for (k, gradient) in gradients.weights.enumerated() {
                    precondition(state.weights[k].name == gradient.name, "weights and gradients out of order")
                    optimizer.update(&state.weights[k].values, gradient: gradient.values, slot: k + 1, decay: Self.decays(gradient))
                }
                if !state.weights.isEmpty { current = try model.replacing(state.weights, trained) }
                batchDone((epoch - 1) * batchesPerEpoch + b + 1, settings.epochs * batchesPerEpoch)
            }
            if stopped && seen == 0 { break epochs }
            let accuracy = self.accuracy(current, state, heldout ?? train)
            let epochReport = EpochReport(epoch: epoch, meanLoss: lossSum / Double(max(seen, 1)), accuracy: accuracy)
            reports.append(epochReport)
            report(epochReport)
            if best == nil || accuracy > best!.accuracy { best = (state, current, accuracy) }
            if stopped { break epochs }
        }
        guard let best else { return (initial, model, reports, stopped) }
        return (best.state, best.model, reports, stopped)
    }

    /// Weight decay applies to weight matrices, not to biases or layer-norm gains (the Trainer's grouping).
    static func decays(_ tensor: NamedTensor) -> Bool {
        !tensor.name.hasSuffix(".bias") && tensor.shape.count > 1
    }
}
