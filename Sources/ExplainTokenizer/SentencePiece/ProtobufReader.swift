/// Reads protocol-buffer wire format (https://protobuf.dev/programming-guides/encoding/) without trusting it:
/// every length is checked against the bytes left, every varint against its ten-byte limit, and the
/// deprecated group wire types are refused. Only what `SentencePieceModelFile` needs: no schema, no
/// reflection; the caller names the fields it knows and skips the rest.
struct ProtobufReader {
    enum WireType: UInt8 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    struct Field {
        var number: Int
        var wireType: WireType
    }

    /// Why the bytes are not protobuf; `offset` is where reading stopped.
    struct FormatError: Error {
        var reason: String
        var offset: Int
    }

    private let bytes: [UInt8]
    private(set) var position: Int
    private let end: Int

    init(_ bytes: [UInt8]) {
        self.init(bytes, range: bytes.indices)
    }

    private init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> Field? {
        if isAtEnd { return nil }
        let start = position
        let key = try varint()
        let number = key >> 3
        guard number > 0, number <= 536_870_911 else {
            throw FormatError(reason: "field number \(number) out of range", offset: start)
        }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw FormatError(reason: "unsupported wire type \(key & 7) for field \(number)", offset: start)
        }
        return Field(number: Int(number), wireType: wireType)
    }

    mutating func varint() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        let start = position
        while true {
            guard position < end else { throw FormatError(reason: "truncated varint", offset: start) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { throw FormatError(reason: "varint longer than 64 bits", offset: start) }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
            if shift > 63 { throw FormatError(reason: "varint longer than ten bytes", offset: start) }
        }
    }

    /// An `int32` field: negative values travel as ten-byte sign-extended varints.
    mutating func int32() throws -> Int32 {
        Int32(truncatingIfNeeded: try varint())
    }

    mutating func bool() throws -> Bool {
        try varint() != 0
    }

    mutating func float() throws -> Float {
        let raw = try fixed(4)
        return Float(bitPattern: UInt32(truncatingIfNeeded: raw))
    }

    private mutating func fixed(_ count: Int) throws -> UInt64 {
        guard end - position >= count else {
            throw FormatError(reason: "truncated \(count * 8)-bit value", offset: position)
        }
        var value: UInt64 = 0
        for k in 0..<count { value |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += count
        return value
    }

    /// The range of a length-delimited field's payload, checked to lie inside the message.
    mutating func lengthDelimited() throws -> Range<Int> {
        let start = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw FormatError(reason: "length \(length) runs past the end (\(end - position) bytes left)",
                              offset: start)
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func bytesField() throws -> [UInt8] {
        Array(bytes[try lengthDelimited()])
    }

    /// A `string` field, which protobuf requires to be UTF-8.
    mutating func string() throws -> String {
        let start = position
        let payload = try lengthDelimited()
        guard let text = String(validating: bytes[payload], as: UTF8.self) else {
            throw FormatError(reason: "string field is not UTF-8", offset: start)
        }
        return text
    }

    /// A reader over an embedded message's payload.
    mutating func message() throws -> ProtobufReader {
        ProtobufReader(bytes, range: try lengthDelimited())
    }

    mutating func skip(_ field: Field) throws {
        switch field.wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed(8)
        case .fixed32: _ = try fixed(4)
        case .lengthDelimited: _ = try lengthDelimited()
        }
    }

    /// Checks that a scalar field came with the wire type its declaration implies.
    func expect(_ field: Field, _ wireType: WireType, _ name: String) throws {
        guard field.wireType == wireType else {
            throw FormatError(reason: "\(name) (field \(field.number)) has wire type \(field.wireType.rawValue), "
                                + "expected \(wireType.rawValue)", offset: position)
        }
    }
}
