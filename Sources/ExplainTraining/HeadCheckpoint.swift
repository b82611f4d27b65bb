import Foundation
import ExplainJSON
import ExplainModel

/// A trained head on disk, as committed under Models/default-head: `head.safetensors` holds the pooler and
/// classifier under their BertForSequenceClassification names (`bert.pooler.dense.*`, `classifier.*`), and
/// `head.json` the labels in index order, the encoder the head was trained on, and how it was trained.
struct HeadCheckpoint {
    static let weightsFile = "head.safetensors"
    static let descriptionFile = "head.json"

    var head: PoolerClassifierHead
    var description: HeadDescription

    /// head.json (keys in snake_case).
    struct HeadDescription: Equatable, JSONRecord {
        var labels: [String]
        var hiddenSize: Int
        var encoder: EncoderReference
        var training: TrainingRecord?
        enum CodingKeys: String, CodingKey { case labels, hiddenSize = "hidden_size", encoder, training }
    }

    /// Which encoder package (a wheel, by name, version and digest) a head or a prepared encoder came from.
    struct EncoderReference: Equatable, JSONRecord {
        var package: String
        var version: String
        var sha256: String

        /// The reference a file holds, nil when it is missing or not one.
        static func read(_ url: URL) -> EncoderReference? {
            guard let data = try? Data(contentsOf: url), let json = try? JSONParser.parse([UInt8](data)) else { return nil }
            return try? EncoderReference(json: json, at: "")
        }
    }

    /// The settings and results of the run that produced the head. Mapped by hand: the seed is a UInt64 that
    /// head.json holds as a non-negative integer.
    struct TrainingRecord: Equatable, JSONValueCodable {
        var command: String
        var epochs: Int
        var learningRate: Double
        var weightDecay: Double
        var batchSize: Int
        var seed: UInt64
        var trainExamples: Int
        var heldoutExamples: Int
        var lossPerEpoch: [Double]
        var trainAccuracy: Double
        var heldoutAccuracy: Double

        init(command: String, epochs: Int, learningRate: Double, weightDecay: Double, batchSize: Int, seed: UInt64,
             trainExamples: Int, heldoutExamples: Int, lossPerEpoch: [Double], trainAccuracy: Double, heldoutAccuracy: Double) {
            self.command = command; self.epochs = epochs; self.learningRate = learningRate; self.weightDecay = weightDecay
            self.batchSize = batchSize; self.seed = seed; self.trainExamples = trainExamples; self.heldoutExamples = heldoutExamples
            self.lossPerEpoch = lossPerEpoch; self.trainAccuracy = trainAccuracy; self.heldoutAccuracy = heldoutAccuracy
        }
        init(json: JSONValue, at path: String) throws {
            let o = try ObjectReader(json, at: path)
            let seed: Int = try o.required("seed")
            guard seed >= 0 else { throw InvalidField(field: o.path(of: "seed"), reason: "must not be negative") }
            self.init(command: try o.required("command"), epochs: try o.required("epochs"),
                      learningRate: try o.required("learning_rate"), weightDecay: try o.required("weight_decay"),
                      batchSize: try o.required("batch_size"), seed: UInt64(seed),
                      trainExamples: try o.required("train_examples"), heldoutExamples: try o.required("heldout_examples"),
                      lossPerEpoch: try o.required("loss_per_epoch"), trainAccuracy: try o.required("train_accuracy"),
                      heldoutAccuracy: try o.required("heldout_accuracy"))
        }
        var json: JSONValue {
            ["command": .string(command), "epochs": .integer(epochs), "learning_rate": JSONValue(learningRate),
             "weight_decay": JSONValue(weightDecay), "batch_size": .integer(batchSize), "seed": .integer(Int(clamping: seed)),
             "train_examples": .integer(trainExamples), "heldout_examples": .integer(heldoutExamples),
             "loss_per_epoch": .array(lossPerEpoch.map { JSONValue($0) }), "train_accuracy": JSONValue(trainAccuracy),
             "heldout_accuracy": JSONValue(heldoutAccuracy)]
        }
    }

    static let tensorNames = (poolerWeight: "bert.pooler.dense.weight", poolerBias: "bert.pooler.dense.bias",
                              classifierWeight: "classifier.weight", classifierBias: "classifier.bias")

    var tensors: [(name: String, shape: [Int], values: [Float])] {
        let h = head.hiddenSize, c = head.labelCount, names = Self.tensorNames
        return [(names.poolerWeight, [h, h], head.poolerWeight), (names.poolerBias, [h], head.poolerBias),
                (names.classifierWeight, [c, h], head.classifierWeight), (names.classifierBias, [c], head.classifierBias)]
    }

    func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try SafeTensorsWriter.write(tensors, to: directory.appendingPathComponent(Self.weightsFile))
            try Data((PrettyJSON.string(description.json) + "\n").utf8)
                .write(to: directory.appendingPathComponent(Self.descriptionFile), options: .atomic)
        } catch {
            throw TrainingError.fileSystem(path: directory.path, reason: "cannot write the head: \(error.localizedDescription)")
        }
    }

    static func read(from directory: URL) throws -> HeadCheckpoint {
        let descriptionURL = directory.appendingPathComponent(descriptionFile)
        let weightsURL = directory.appendingPathComponent(weightsFile)
        for url in [descriptionURL, weightsURL] where !FileManager.default.fileExists(atPath: url.path) {
            throw TrainingError.missingFile(url.path)
        }
        let description: HeadDescription
        do {
            description = try HeadDescription(json: try JSONParser.parse([UInt8](Data(contentsOf: descriptionURL))), at: "")
        } catch {
            throw TrainingError.malformedFile(file: descriptionURL.path, reason: "\(error)")
        }
        let h = description.hiddenSize, c = description.labels.count
        guard h > 0, c >= 2 else {
            throw TrainingError.malformedFile(file: descriptionURL.path, reason: "needs hidden_size > 0 and at least two labels")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: weightsURL) } catch { throw TrainingError.model("\(error)") }
        func tensor(_ name: String, _ shape: [Int]) throws -> [Float] {
            guard let entry = file.entries[name] else { throw TrainingError.malformedFile(file: weightsURL.path, reason: "missing tensor \(name)") }
            guard entry.shape == shape else {
                throw TrainingError.malformedFile(file: weightsURL.path, reason: "tensor \(name) has shape \(entry.shape), expected \(shape)")
            }
            return file.floats(name)!
        }
        let names = tensorNames
        let head = PoolerClassifierHead(hiddenSize: h, labelCount: c,
                                        poolerWeight: try tensor(names.poolerWeight, [h, h]), poolerBias: try tensor(names.poolerBias, [h]),
                                        classifierWeight: try tensor(names.classifierWeight, [c, h]), classifierBias: try tensor(names.classifierBias, [c]))
        return HeadCheckpoint(head: head, description: description)
    }
}
