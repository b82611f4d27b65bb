import Foundation
import ExplainModel

/// A trained head on disk, as committed under Models/default-head: `head.safetensors` holds the pooler and
/// classifier under their BertForSequenceClassification names (`bert.pooler.dense.*`, `classifier.*`), and
/// `head.json` the labels in index order, the encoder the head was trained on, and how it was trained.
struct HeadCheckpoint {
    static let weightsFile = "head.safetensors"
    static let descriptionFile = "head.json"

    var head: PoolerClassifierHead
    var description: HeadDescription

    struct HeadDescription: Codable, Equatable {
        var labels: [String]
        var hiddenSize: Int
        var encoder: EncoderReference
        var training: TrainingRecord?
    }

    struct EncoderReference: Codable, Equatable {
        var package: String
        var version: String
        var sha256: String
    }

    /// The settings and results of the run that produced the head.
    struct TrainingRecord: Codable, Equatable {
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
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            var json = try encoder.encode(description)
            json.append(UInt8(ascii: "\n"))
            try json.write(to: directory.appendingPathComponent(Self.descriptionFile), options: .atomic)
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
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            description = try decoder.decode(HeadDescription.self, from: Data(contentsOf: descriptionURL))
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
