import Foundation
import ExplainJSON

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header mapping tensor
/// names to {dtype, shape, data_offsets}, then the raw data (format: huggingface/safetensors README).
/// Every range is validated before any tensor is read; F16 and BF16 are widened to Float32 on access.
public final class SafeTensorsFile: @unchecked Sendable {
    /// Every dtype the format defines is validated; only the float ones can be read as weights (a
    /// checkpoint may carry integer buffers such as `embeddings.position_ids`).
    public enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8", bool = "BOOL"
        case f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"
        var byteSize: Int {
            switch self {
            case .f64, .i64, .u64: return 8
            case .f32, .i32, .u32: return 4
            case .f16, .bf16, .i16, .u16: return 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: return 1
            }
        }
        public var isReadableAsFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
    }

    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte range inside the data section.
        public let begin: Int, end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    /// Values in every tensor: what sizes in config.json are checked against before anything is allocated.
    public let valueCount: Int
    private let file: MappedFile
    private let dataStart: Int

    /// The largest header we accept; real headers are well under a megabyte.
    static let maxHeaderBytes = 100 << 20

    public init(url: URL) throws {
        let file = url.lastPathComponent
        path = url.path
        self.file = try MappedFile(url: url)
        let size = self.file.bytes.count
        guard size >= 8, let base = self.file.bytes.baseAddress else {
            throw ModelError.malformedSafetensors(file: file, reason: "file is \(size) bytes, shorter than the 8-byte header length")
        }

        let headerLength = base.loadUnaligned(as: UInt64.self).littleEndian
        guard headerLength <= UInt64(size - 8) else {
            throw ModelError.malformedSafetensors(file: file, reason: "header length \(headerLength) exceeds the file size \(size)")
        }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw ModelError.malformedSafetensors(file: file, reason: "header length \(headerLength) is too large")
        }
        dataStart = 8 + Int(headerLength)
        let header = UnsafeBufferPointer(start: (base + 8).assumingMemoryBound(to: UInt8.self), count: Int(headerLength))
        let json: JSONValue
        do {
            json = try JSONParser.parse(header)
        } catch {
            throw ModelError.malformedSafetensors(file: file, reason: "header is not valid JSON: \(error)")
        }
        guard let object = json.objectValue else {
            throw ModelError.malformedSafetensors(file: file, reason: "header is not a JSON object")
        }
        let dataSize = size - dataStart
        var entries: [String: Entry] = [:]
        for (name, value) in object where name != "__metadata__" {
            // Tensor names are looked up as Swift strings: two that differ only in Unicode normalisation would merge.
            guard entries[name] == nil else {
                throw ModelError.malformedSafetensors(file: file, reason: "two tensors named \"\(name)\" (up to Unicode normalisation)")
            }
            entries[name] = try Self.parseEntry(name: name, value: value, dataSize: dataSize, file: file)
        }
        // The format forbids overlaps and holes: in offset order, each tensor starts where the previous one
        // ended and the last one ends the file (as safetensors' own `validate` checks).
        var end = 0
        for (name, entry) in entries.sorted(by: { ($0.value.begin, $0.value.end) < ($1.value.begin, $1.value.end) }) {
            guard entry.begin == end else {
                let problem = entry.begin < end ? "overlaps the tensor before it" : "leaves a gap of \(entry.begin - end) bytes before it"
                throw ModelError.malformedSafetensors(file: file, reason: "tensor \(name): data_offsets [\(entry.begin), \(entry.end)] \(problem)")
            }
            end = entry.end
        }
        guard end == dataSize else {
            throw ModelError.malformedSafetensors(file: file, reason: "the tensors cover \(end) of the data section's \(dataSize) bytes")
        }
        self.entries = entries
        valueCount = entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// Throws when the file is no longer the one mapped (MappedFile.checkUnchanged).
    public func checkUnchanged() throws { try file.checkUnchanged() }

    func releasePages() { file.releasePages() }

    private static func parseEntry(name: String, value: JSONValue, dataSize: Int, file: String) throws -> Entry {
        func fail(_ reason: String) -> ModelError { .malformedSafetensors(file: file, reason: "tensor \(name): \(reason)") }
        guard let fields = value.objectValue else { throw fail("entry is not an object") }
        guard let dtypeName = fields["dtype"]?.stringValue else { throw fail("missing dtype") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw fail("unknown dtype \(dtypeName)")
        }
        guard let shapeValues = fields["shape"]?.arrayValue else { throw fail("missing shape") }
        var shape: [Int] = []
        var count = 1
        for dimension in shapeValues {
            guard let number = dimension.intValue, number >= 0 else {
                throw fail("shape \(JSONSerializer.string(.array(shapeValues))) is not a list of non-negative integers")
            }
            shape.append(number)
            let (product, overflow) = count.multipliedReportingOverflow(by: number)
            guard !overflow, product <= dataSize else { throw fail("shape \(shape) is larger than the data section") }
            count = product
        }
        guard let offsets = fields["data_offsets"]?.arrayValue, offsets.count == 2,
              let begin = offsets[0].intValue, let end = offsets[1].intValue else {
            throw fail("data_offsets must be two integers")
        }
        guard begin >= 0, end >= begin, end <= dataSize else {
            throw fail("data_offsets [\(begin), \(end)] lie outside the data section of \(dataSize) bytes")
        }
        guard end - begin == count * dtype.byteSize else {
            throw fail("byte length \(end - begin) does not match shape \(shape) of \(dtype.rawValue) (\(count * dtype.byteSize) bytes)")
        }
        return Entry(dtype: dtype, shape: shape, begin: begin, end: end)
    }

    /// The tensor as Weights: a view into the mapping for aligned F32 data, else a widened copy.
    func weights(_ name: String) -> Weights? {
        guard let entry = entries[name], entry.dtype.isReadableAsFloat else { return nil }
        let raw = file.bytes.baseAddress! + dataStart + entry.begin
        guard entry.dtype == .f32, Int(bitPattern: raw) % MemoryLayout<Float>.alignment == 0 else {
            return Weights(floats(name)!)
        }
        return Weights(mapped: raw.assumingMemoryBound(to: Float.self), count: (entry.end - entry.begin) / 4, owner: self)
    }

    /// The tensor's values as Float32, widened from F16/BF16 when needed; nil for other dtypes.
    public func floats(_ name: String) -> [Float]? {
        guard let entry = entries[name], entry.dtype.isReadableAsFloat else { return nil }
        let raw = file.bytes.baseAddress! + dataStart + entry.begin
        let count = (entry.end - entry.begin) / entry.dtype.byteSize
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch entry.dtype {
            case .f32:
                memcpy(buffer.baseAddress!, raw, count * 4)
            case .f16:
                for i in 0..<count { buffer[i] = HalfFloats.widenF16(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            case .bf16:
                for i in 0..<count { buffer[i] = HalfFloats.widenBF16(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            default:
                preconditionFailure("guarded above")
            }
            initialized = count
        }
    }
}
