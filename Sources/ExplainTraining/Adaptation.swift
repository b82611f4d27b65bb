import Foundation
import ExplainAttribution
import ExplainModel
import ExplainRecords
import ExplainTokenizer

/// `explaind adapt` and `models/adapt`: add tokens to a classifier, train them (and the head, and top
/// layers), write a HuggingFace directory with a before/after report. Built in a staging directory beside
/// `out` and renamed into place at the end, so `out` holds a complete model or nothing.
public struct Adaptation: Sendable {
    public enum TokenSource: Equatable, Sendable {
        case list([String])
        case aggregate(URL, top: Int)
    }

    public var model: URL
    public var data: URL
    public var heldout: URL?
    public var tokens: TokenSource
    public var out: URL
    /// How --data and --heldout are laid out (nil: each by its extension, as `explaind corpus` guesses).
    public var format: InputFormat? = nil
    public var textField = "text"
    public var labelField = "label"
    public var epochs = Adaptation.defaultEpochs
    public var learningRate = AdaptTrainer.Settings().learningRate
    public var weightDecay = AdaptTrainer.Settings().weightDecay
    public var batchSize = AdaptTrainer.Settings().batchSize
    public var seed = AdaptTrainer.Settings().seed
    public var training = AdaptTrainer.Settings().training
    /// When training is stopped early: write the best state so far (Ctrl-C), or nothing (a cancelled request).
    public var keepOnStop = true

    public static let defaultEpochs = AdaptTrainer.Settings().epochs

    public init(model: URL, data: URL, heldout: URL? = nil, tokens: TokenSource, out: URL) {
        self.model = model
        self.data = data
        self.heldout = heldout
        self.tokens = tokens
        self.out = out
    }

    /// What happens as the run goes: a stage begins, a batch is done (of all batches), an epoch ends.
    public enum Event: Sendable {
        case stage(String)
        case batch(done: Int, total: Int)
        case epoch(number: Int, of: Int, loss: Double, accuracy: Double, heldout: Bool)
    }

    public struct Result: Sendable {
        public var directory: URL
        public var stopped: Bool
        public var report: AdaptReport
    }

    var settings: AdaptTrainer.Settings {
        AdaptTrainer.Settings(epochs: epochs, learningRate: learningRate, weightDecay: weightDecay, batchSize: batchSize, seed: seed,
                              training: training)
    }

    /// Runs the whole adaptation. `shouldStop` (Ctrl-C, cancellation) ends training early; the best state
    /// so far is still written. Errors leave nothing in `out`.
    public func run(events: (Event) -> Void = { _ in }, shouldStop: () -> Bool = { false }) throws -> Result {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: out.path, isDirectory: &isDirectory) {
            let empty = isDirectory.boolValue && ((try? manager.contentsOfDirectory(atPath: out.path))?.isEmpty ?? false)
            guard empty else { throw TrainingError.invalidArgument("\(out.path) already exists; --out must be a new (or empty) directory") }
        }
        guard settings.epochs > 0, settings.batchSize > 0, settings.learningRate > 0 else {
            throw TrainingError.invalidArgument("epochs, batch size and learning rate must be positive")
        }
        events(.stage("loading \(model.path)"))
        let original = try Self.load(model)
        do { try original.checkTrainable(training.weights) } catch { throw TrainingError.model("\(error)") }
        let trainTexts = try LabelledText.read(data, format: format, textField: textField, labelField: labelField)
        let heldoutTexts = try heldout.map { try LabelledText.read($0, format: format, textField: textField, labelField: labelField) }
        let labels = original.config.labels
        let labelIndex = Dictionary(labels.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        for (file, texts) in [(data, trainTexts)] + (heldout.map { [($0, heldoutTexts!)] } ?? []) {
            let stray = texts.filter { labelIndex[$0.label] == nil }.map {
                BadRecord(line: $0.line, reason: "label \"\($0.label)\" is not one of the model's (\(labels.joined(separator: ", ")))")
            }
            guard stray.isEmpty else { throw TrainingError.badRecords(file: file.path, records: stray) }
        }
        let tokenList: [String]
        switch tokens {
        case .list(let list): tokenList = list
        case .aggregate(let url, let top): tokenList = try TokenAddition.tokens(fromAggregate: url, top: top, tokenizer: original.tokenizer)
        }
        let addition = try TokenAddition(tokens: tokenList, tokenizer: original.tokenizer)
        let parent = out.deletingLastPathComponent()
        do { try manager.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw TrainingError.fileSystem(path: parent.path, reason: error.localizedDescription)
        }
        let staging = try StagingDirectory(in: parent)
        defer { staging.remove() }
        let built = staging.url.appendingPathComponent(out.lastPathComponent)

        events(.stage("adding \(addition.tokens.count) tokens"))
        let initialRows = addition.initialRows(original)
        try addition.writeGrownModel(from: original, rows: initialRows, into: built)
        let grown = try Self.load(built)
        func examples(_ texts: [LabelledText]) -> AdaptTrainer.Examples {
            .init(ids: texts.map { grown.tokenizer.encode($0.text, maxLength: grown.maxTokens).ids }, labels: texts.map { labelIndex[$0.label]! })
        }
        let trainExamples = examples(trainTexts), heldoutExamples = heldoutTexts.map(examples)
        let trainer = AdaptTrainer(settings: settings, firstNewID: addition.firstID)
        let initial = AdaptTrainer.State(rows: initialRows, weights: grown.trainedTensors(training.weights))

        events(.stage("training \(training.name) on \(trainTexts.count) texts for \(epochs) epochs"))
        let trained = try trainer.train(grown, initial: initial, on: trainExamples, heldout: heldoutExamples,
                                        report: { events(.epoch(number: $0.epoch, of: epochs, loss: $0.meanLoss, accuracy: $0.accuracy, heldout: heldout != nil)) },
                                        batchDone: { events(.batch(done: $0, total: $1)) }, shouldStop: shouldStop)

        if trained.stopped && !keepOnStop { throw TrainingError.cancelled }
        events(.stage("writing \(out.path)"))
        try Self.writeTrained(trained.state, grown: grown, addition: addition, training: training, into: built)
        let adapted = try Self.load(built)

        events(.stage("comparing attributions before and after"))
        let evaluated = heldoutTexts ?? trainTexts
        let report = try AdaptReport.make(before: original, after: adapted, addition: addition, texts: evaluated, heldout: heldout != nil,
                                          settings: settings, epochs: trained.reports, stopped: trained.stopped)
        try report.write(into: built)
        if manager.fileExists(atPath: out.path) { try? manager.removeItem(at: out) }
        try staging.moveIntoPlace(built, at: out) { _ in false }
        return Result(directory: out, stopped: trained.stopped, report: report)
    }

    static func load(_ directory: URL) throws -> ClassifierModel {
        do { return try ClassifierModel.load(directory: directory) } catch { throw TrainingError.model("\(directory.path): \(error)") }
    }

    /// Rewrites model.safetensors with the trained rows and weights in place of the grown model's.
    static func writeTrained(_ state: AdaptTrainer.State, grown: ClassifierModel, addition: TokenAddition, training: AdaptTraining,
                             into directory: URL) throws {
        let e = grown.config.embeddingSize
        var replacements: [String: [Float]] = [:]
        for tensor in state.weights {
            guard let name = grown.checkpointName(of: tensor.name) else { throw TrainingError.model("the checkpoint has no \(tensor.name)") }
            replacements[name] = tensor.values
        }
        let embeddingName = grown.checkpointName(of: grown.wordEmbeddingName)
        let tensors = grown.checkpointTensors().map { tensor -> NamedTensor in
            var tensor = tensor
            if let values = replacements[tensor.name] { tensor.values = values }
            if tensor.name == embeddingName {
                for (k, row) in state.rows.enumerated() {
                    tensor.values.replaceSubrange((addition.firstID + k) * e..<(addition.firstID + k + 1) * e, with: row)
                }
            }
            return tensor
        }
        try TokenAddition.writeWeights(tensors, to: directory.appendingPathComponent("model.safetensors"))
    }
}
