import Foundation

/// A `pytorch_model.bin` in torch.save's zip format (PyTorch ≥ 1.6): `<archive>/data.pkl` describes the
/// state dict (read by StateDictPickle, which runs nothing), `<archive>/data/<key>` holds each storage's raw
/// little-endian bytes, stored uncompressed. Tensors are strided views of storages; several may share one
/// (tied weights, slices). Contiguous aligned F32 tensors are read in place from the mapping.
final class PyTorchCheckpointFile: WeightFile, @unchecked Sendable {
    struct Entry {
        let tensor: StateDictPickle.Tensor
        /// Byte offset of the tensor's storage in the file.
        let storageStart: Int
    }

    let name: String
    let entries: [String: Entry]
    private let file: MappedFile

    init(url: URL) throws {
        name = url.lastPathComponent
        file = try MappedFile(url: url)
        let bytes = file.bytes, name = self.name
        func fail(_ reason: String) -> ModelError { .malformedCheckpoint(file: name, reason: reason) }

        let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        guard bytes.count >= 4, Array(bytes[0..<4]) == zipSignature else {
            // torch.save before PyTorch 1.6 (and with _use_new_zipfile_serialization=False) wrote a bare pickle
            // stream (PROTO 2 then a magic number), older versions a tar archive.
            if bytes.count > 1 && bytes[0] == 0x80 || bytes.count > 262 && Array(bytes[257..<262]) == Array("ustar".utf8) {
                throw ModelError.unsupported(file: name, reason: """
                    this is PyTorch's legacy (pre-1.6, non-zip) format, which cannot be read without running its pickle code; \
                    convert it where you trust it, e.g. with transformers: \
                    AutoModelForSequenceClassification.from_pretrained(DIR).save_pretrained(DIR) writes model.safetensors, \
                    or torch.save(torch.load(PATH, weights_only=True), PATH) rewrites it in the zip format
                    """)
            }
            throw fail("not a zip archive (torch.save's format) and not PyTorch's legacy format")
        }
        let archive: ZipArchive
        do { archive = try ZipArchive(bytes) } catch let error as ZipArchive.Malformed { throw fail(error.reason) }
        // Every member sits in one top-level folder, named after the file torch.save wrote ("archive" in newer versions).
        guard let pickle = archive.members.values.first(where: { $0.name.hasSuffix("/data.pkl") && $0.name.split(separator: "/").count == 2 }) else {
            throw fail("the archive has no <folder>/data.pkl")
        }
        let folder = String(pickle.name.dropLast("data.pkl".count))
        if let order = archive.members[folder + "byteorder"] {
            let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[order.offset..<(order.offset + order.size)]), as: UTF8.self)
            guard text == "little" else { throw ModelError.unsupported(file: name, reason: "the storages are \(text)-endian") }
        }
        let tensors: [(name: String, tensor: StateDictPickle.Tensor)]
        do {
            tensors = try StateDictPickle.tensors(UnsafeRawBufferPointer(rebasing: bytes[pickle.offset..<(pickle.offset + pickle.size)]))
        } catch let refused as StateDictPickle.Refused {
            throw fail("data.pkl refused: \(refused.reason)")
        }
        var entries: [String: Entry] = [:]
        for (tensorName, tensor) in tensors {
            let storage = tensor.storage
            guard let member = archive.members[folder + "data/" + storage.key] else {
                throw fail("tensor \(tensorName): its storage \(storage.key) is not in the archive")
            }
            let (bytesNeeded, overflow) = storage.count.multipliedReportingOverflow(by: storage.dtype.byteSize)
            guard !overflow, bytesNeeded == member.size else {
                throw fail("tensor \(tensorName): storage \(storage.key) of \(storage.count) \(storage.dtype.rawValue) values needs \(storage.count) × \(storage.dtype.byteSize) bytes, the archive holds \(member.size)")
            }
            try Self.checkExtent(tensor, name: tensorName, fail: fail)
            entries[tensorName] = Entry(tensor: tensor, storageStart: member.offset)
        }
        self.entries = entries
    }

    /// The largest element a view reads lies inside its storage (shapes and strides non-negative,
    /// every product checked for overflow).
    private static func checkExtent(_ tensor: StateDictPickle.Tensor, name: String, fail: (String) -> ModelError) throws {
        guard tensor.offset >= 0, tensor.shape.allSatisfy({ $0 >= 0 }), tensor.strides.allSatisfy({ $0 >= 0 }) else {
            throw fail("tensor \(name): negative offset, size or stride")
        }
        var count = 1
        for size in tensor.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw fail("tensor \(name): shape \(tensor.shape) overflows") }
            count = product
        }
        if count == 0 { return }
        var last = tensor.offset
        for (size, stride) in zip(tensor.shape, tensor.strides) {
            let (step, overflow1) = (size - 1).multipliedReportingOverflow(by: stride)
            let (sum, overflow2) = last.addingReportingOverflow(step)
            guard !overflow1, !overflow2 else { throw fail("tensor \(name): offset and strides overflow") }
            last = sum
        }
        guard last < tensor.storage.count else {
            throw fail("tensor \(name): shape \(tensor.shape), strides \(tensor.strides) at offset \(tensor.offset) read past its storage of \(tensor.storage.count) values")
        }
    }

    func releasePages() { file.releasePages() }

    func checkUnchanged() throws { try file.checkUnchanged() }

    /// The tensor as Float32 Weights: in place when it is contiguous, aligned F32, else a converted copy.
    func weights(_ tensorName: String) -> Weights? {
        guard let entry = entries[tensorName], entry.tensor.storage.dtype.isReadableAsFloat else { return nil }
        let tensor = entry.tensor, dtype = tensor.storage.dtype
        let count = tensor.shape.reduce(1, *)
        let base = file.bytes.baseAddress! + entry.storageStart
        var contiguous = true, expected = 1
        for (size, stride) in zip(tensor.shape, tensor.strides).reversed() where size != 1 {
            if stride != expected { contiguous = false }
            expected *= size
        }
        let start = base + tensor.offset * dtype.byteSize
        if contiguous && dtype == .f32 && Int(bitPattern: start) % MemoryLayout<Float>.alignment == 0 {
            return Weights(mapped: start.assumingMemoryBound(to: Float.self), count: count, owner: file)
        }
        func value(_ element: Int) -> Float {
            let at = element * dtype.byteSize
            switch dtype {
            case .f32: return Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
            case .f16: return HalfFloats.widenF16(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            default: return HalfFloats.widenBF16(UInt16(littleEndian: base.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            }
        }
        var values = [Float](repeating: 0, count: count)
        if contiguous {
            for i in 0..<count { values[i] = value(tensor.offset + i) }
        } else {
            // Row-major walk over the view, with its strides.
            var index = [Int](repeating: 0, count: tensor.shape.count)
            var element = tensor.offset
            for i in 0..<count {
                values[i] = value(element)
                var axis = tensor.shape.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    element += tensor.strides[axis]
                    if index[axis] < tensor.shape[axis] { break }
                    element -= tensor.strides[axis] * index[axis]
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
        return Weights(values)
    }
}
