import Foundation

/// Writes Float32 tensors in the safetensors layout (8-byte little-endian header length, JSON header padded
/// with spaces to a multiple of 8, then the data), as the trainer saves its head and tests build files.
public enum SafeTensorsWriter {
    public static func data(_ tensors: [(name: String, shape: [Int], values: [Float])]) -> Data {
        var header: [String] = []
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.values.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            header.append("\"\(tensor.name)\":{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Data("{\(header.joined(separator: ","))}".utf8)
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.reserveCapacity(out.count + offset)
        for tensor in tensors {
            #if _endian(little)
            // Float32 in memory is already the file's little-endian layout: one copy per tensor.
            tensor.values.withUnsafeBytes { out.append(contentsOf: $0) }
            #else
            tensor.values.withUnsafeBufferPointer { buffer in
                for value in buffer { withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
            #endif
        }
        return out
    }

    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to url: URL) throws {
        try data(tensors).write(to: url, options: .atomic)
    }
}
