import Foundation
import ExplainJSON
import ExplainModel

/// Joins a prepared encoder and a trained head into one HuggingFace BertForSequenceClassification
/// directory: config.json (the encoder's, plus architectures, id2label and label2id), model.safetensors
/// (the encoder under `bert.`, the trained pooler replacing the encoder's, `classifier.*`), the tokenizer
/// files, and assembly.json (which encoder and head it was made from; written last, so its presence marks
/// a complete directory). The result loads in transformers' AutoModelForSequenceClassification.
enum ModelAssembly {
    static let stampFile = "assembly.json"
    static let tokenizerFiles = ["vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]

    /// assembly.json: the encoder and the head's digest.
    struct Stamp: Equatable, JSONRecord {
        var encoder: HeadCheckpoint.EncoderReference
        var headSha256: String
        enum CodingKeys: String, CodingKey { case encoder, headSha256 = "head_sha256" }
    }

    static func stamp(of directory: URL) -> Stamp? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(stampFile)),
              let json = try? JSONParser.parse([UInt8](data)) else { return nil }
        return try? Stamp(json: json, at: "")
    }

    static func isAssembled(_ directory: URL) -> Bool {
        stamp(of: directory) != nil
            && (["config.json", "model.safetensors"] + tokenizerFiles).allSatisfy { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    /// Builds the directory at `target` through a staging directory in `target`'s parent, replacing an
    /// older assembly.
    static func assemble(encoder: URL, head: HeadCheckpoint, stamp: Stamp, at target: URL, log: (String) -> Void) throws {
        let parent = target.deletingLastPathComponent()
        let staging = try StagingDirectory(in: parent)
        defer { staging.remove() }
        let built = staging.url.appendingPathComponent(target.lastPathComponent)
        try write(encoder: encoder, head: head, stamp: stamp, into: built, log: log)
        try staging.moveIntoPlace(built, at: target) { self.stamp(of: $0) == stamp && isAssembled($0) }
    }

    static func write(encoder: URL, head: HeadCheckpoint, stamp: Stamp, into directory: URL, log: (String) -> Void) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in tokenizerFiles {
                try EncoderDirectory.copyContents(of: encoder.appendingPathComponent(file), to: directory.appendingPathComponent(file))
            }
        } catch {
            throw TrainingError.fileSystem(path: directory.path, reason: error.localizedDescription)
        }
        let labels = head.description.labels
        var hiddenSize = 0
        try EncoderDirectory.rewriteJSON(encoder.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json")) { json in
            json["architectures"] = ["BertForSequenceClassification"]
            json["id2label"] = .object(JSONObject(labels.enumerated().map { (key: String($0.offset), value: JSONValue.string($0.element)) }))
            json["label2id"] = .object(JSONObject(labels.enumerated().map { (key: $0.element, value: JSONValue.integer($0.offset)) }))
            json["problem_type"] = "single_label_classification"
            json["_name_or_path"] = nil
            hiddenSize = json["hidden_size"]?.intValue ?? 0
        }
        guard hiddenSize == head.head.hiddenSize else {
            throw TrainingError.malformedFile(file: encoder.appendingPathComponent("config.json").path,
                                              reason: "hidden_size \(hiddenSize) does not match the head's \(head.head.hiddenSize)")
        }
        log("joining the encoder with the trained head")
        let weights = try CheckpointTensors.read(encoder.appendingPathComponent("model.safetensors"))
        var tensors = weights.tensors.compactMap { tensor -> (name: String, shape: [Int], values: [Float])? in
            let name = tensor.name.hasPrefix("bert.") ? tensor.name : "bert." + tensor.name
            // The trained pooler replaces the encoder's own.
            return name.hasPrefix("bert.pooler.") ? nil : (name, tensor.shape, tensor.values)
        }
        tensors += head.tensors
        do {
            try SafeTensorsWriter.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        } catch {
            throw TrainingError.fileSystem(path: directory.appendingPathComponent("model.safetensors").path, reason: error.localizedDescription)
        }
        try EncoderDirectory.writeJSON(PrettyJSON.string(stamp.json), to: directory.appendingPathComponent(stampFile))
    }
}
