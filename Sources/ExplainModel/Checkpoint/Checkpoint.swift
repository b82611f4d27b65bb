import Foundation
import ExplainJSON
import ExplainTokenizer

/// The weights of a model directory, whichever files hold them, in HuggingFace's order of preference
/// (`from_pretrained`): `model.safetensors`, then `model.safetensors.index.json` (shards), then
/// `pytorch_model.bin`, then `pytorch_model.bin.index.json`. Every file is validated when it is opened;
/// tensors are read (in place where possible) only when the model asks for them.
struct Checkpoint {
    /// One tensor of the checkpoint, from whichever file holds it.
    struct Tensor {
        let dtype: SafeTensorsFile.DType
        let shape: [Int]
        /// The file holding it, for messages.
        let file: String
        let read: () -> Weights?
    }

    /// The file read (the index for sharded checkpoints), for messages.
    let name: String
    let tensors: [String: Tensor]
    /// Every file the tensors point into.
    let files: [WeightFile]

    /// Values in every tensor: what config.json's sizes are checked against before anything is allocated.
    var valueCount: Int { tensors.values.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// Throws ModelError.fileChanged when a weight file was replaced, truncated or rewritten since loading.
    func checkUnchanged() throws { for file in files { try file.checkUnchanged() } }

    /// Called once the model is built: the dense layers now live in their packed copies, so the mapped
    /// pages go and only what a pass reads (embedding rows) comes back. Releasing each tensor as it is
    /// packed is not enough: the page cache holds the file in folios of up to 2 MB, and a read anywhere in
    /// one maps all of it, so reading the next tensor brought back the end of the one released before it.
    func releasePages() { for file in files { file.releasePages() } }

    static let safetensors = "model.safetensors", safetensorsIndex = "model.safetensors.index.json"
    static let pytorch = "pytorch_model.bin", pytorchIndex = "pytorch_model.bin.index.json"
    static let fileNames = [safetensors, safetensorsIndex, pytorch, pytorchIndex]

    static func load(directory: URL) throws -> Checkpoint {
        // A dangling link counts as present, so its message names where it leads (copied HF caches).
        let present = { (name: String) -> Bool in
            let path = directory.appendingPathComponent(name).path
            return FileManager.default.fileExists(atPath: path) || LinkedFile.isDangling(path)
        }
        guard let name = fileNames.first(where: present) else {
            throw ModelError.missingFile(directory.appendingPathComponent(safetensors).path
                                         + " (nor \(fileNames.dropFirst().joined(separator: ", ")))")
        }
        let url = directory.appendingPathComponent(name)
        switch name {
        case safetensors:
            let (tensors, file) = try tensors(safetensorsFile: url)
            return Checkpoint(name: name, tensors: tensors, files: [file])
        case pytorch:
            let (tensors, file) = try tensors(pytorchFile: url)
            return Checkpoint(name: name, tensors: tensors, files: [file])
        default: return try sharded(index: url, shardsAre: name == safetensorsIndex ? safetensors : pytorch)
        }
    }

    static func tensors(safetensorsFile url: URL) throws -> ([String: Tensor], WeightFile) {
        let file = try SafeTensorsFile(url: url)
        let name = url.lastPathComponent
        var tensors: [String: Tensor] = [:]
        for (tensorName, entry) in file.entries {
            tensors[tensorName] = Tensor(dtype: entry.dtype, shape: entry.shape, file: name, read: { [file] in file.weights(tensorName) })
        }
        return (tensors, file)
    }

    static func tensors(pytorchFile url: URL) throws -> ([String: Tensor], WeightFile) {
        let file = try PyTorchCheckpointFile(url: url)
        var tensors: [String: Tensor] = [:]
        for (tensorName, entry) in file.entries {
            tensors[tensorName] = Tensor(dtype: entry.tensor.storage.dtype, shape: entry.tensor.shape, file: file.name,
                                         read: { [file] in file.weights(tensorName) })
        }
        return (tensors, file)
    }

    /// An index `{"metadata": {...}, "weight_map": {tensor: shard file}}` and the shards it names, each a
    /// plain file name in the same directory.
    static func sharded(index url: URL, shardsAre kind: String) throws -> Checkpoint {
        let indexName = url.lastPathComponent
        func fail(_ reason: String) -> ModelError { .malformedCheckpoint(file: indexName, reason: reason) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw ModelError.unreadable(file: indexName, reason: error.localizedDescription) }
        let json: JSONValue
        do { json = try JSONParser.parse(data) } catch { throw fail("not valid JSON: \(error)") }
        guard let map = json["weight_map"]?.objectValue else { throw fail("no weight_map object") }
        var shardOf: [String: String] = [:]
        for (tensorName, value) in map.members {
            guard let shard = value.stringValue else { throw fail("weight_map[\(tensorName)] is not a file name") }
            guard !shard.isEmpty, !shard.contains("/"), shard != ".", shard != ".." else {
                throw fail("weight_map[\(tensorName)] names \(shard), not a file of this directory")
            }
            shardOf[tensorName] = shard
        }
        guard !shardOf.isEmpty else { throw fail("the weight_map is empty") }
        var shards: [String: [String: Tensor]] = [:], files: [WeightFile] = []
        for shard in Set(shardOf.values).sorted() {
            let shardURL = url.deletingLastPathComponent().appendingPathComponent(shard)
            let (tensors, file) = kind == safetensors ? try tensors(safetensorsFile: shardURL) : try tensors(pytorchFile: shardURL)
            shards[shard] = tensors
            files.append(file)
        }
        var tensors: [String: Tensor] = [:]
        for (tensorName, shard) in shardOf {
            guard let tensor = shards[shard]?[tensorName] else { throw fail("\(tensorName) is not in \(shard), where the index puts it") }
            tensors[tensorName] = tensor
        }
        return Checkpoint(name: indexName, tensors: tensors, files: files)
    }
}

/// A mapped weight file that can tell whether it changed on disk since it was opened.
protocol WeightFile: AnyObject {
    func checkUnchanged() throws
    /// Drops the file's mapped pages from the process (they come back from the page cache if read again).
    func releasePages()
}

extension SafeTensorsFile: WeightFile {}
