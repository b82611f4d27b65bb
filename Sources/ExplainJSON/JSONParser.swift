/// Why a byte sequence is not a JSON text, and where (a byte offset into the input).
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case empty
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case invalidUTF8
        case loneSurrogate
        case invalidEscape
        case controlCharacterInString
        case invalidNumber
        case tooDeep(limit: Int)
        case duplicateKey(String)
        case trailingData
    }
    public var offset: Int
    public var reason: Reason

    public var description: String {
        let what: String
        switch reason {
        case .empty: what = "empty message"
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b):
            let shown = (0x20..<0x7f).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "0x" + String(b, radix: 16)
            what = "unexpected byte \(shown)"
        case .invalidUTF8: what = "invalid UTF-8"
        case .loneSurrogate: what = "lone UTF-16 surrogate in \\u escape"
        case .invalidEscape: what = "invalid escape sequence"
        case .controlCharacterInString: what = "unescaped control character in string"
        case .invalidNumber: what = "invalid or out-of-range number"
        case .tooDeep(let limit): what = "nesting deeper than \(limit) levels"
        case .duplicateKey(let key): what = "duplicate key \"\(key)\""
        case .trailingData: what = "data after the JSON value"
        }
        return "\(what) at byte \(offset)"
    }
}

/// A strict RFC 8259 parser over raw bytes. It validates UTF-8 itself (overlong forms, encoded surrogates and
/// code points past U+10FFFF are errors), rejects lone surrogates in `\u` escapes, duplicate keys (byte-identical
/// ones: canonically equivalent keys are distinct), numbers a Double cannot hold and the NaN/Infinity extensions,
/// and is linear in its input and iterative: containers live on an explicit stack bounded by `maxDepth`, so
/// 100 000 nested `[` cost one error, never the thread's stack.
public enum JSONParser {
    public static let defaultMaxDepth = 128

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        var cursor = Cursor(bytes: bytes, maxDepth: maxDepth)
        return try cursor.document()
    }

    /// Any contiguous bytes (`[UInt8]`, `ArraySlice<UInt8>`, Foundation's `Data`) are read in place.
    public static func parse<Bytes: Collection>(_ bytes: Bytes, maxDepth: Int = defaultMaxDepth) throws -> JSONValue
    where Bytes.Element == UInt8 {
        if let value = try bytes.withContiguousStorageIfAvailable({ try parse($0, maxDepth: maxDepth) }) { return value }
        return try Array(bytes).withUnsafeBufferPointer { try parse($0, maxDepth: maxDepth) }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

/// An open container while its elements are being read. Its finished elements (and an object's keys) live on
/// the parser's shared stacks from `valueStart`/`keyStart` on, so appending one is amortised O(1): no second
/// reference to a growing array is ever held, which would make every append copy it.
private struct OpenContainer {
    let isObject: Bool
    let valueStart: Int
    let keyStart: Int
    /// An object's keys by their bytes, built once it is too wide to search linearly for duplicates.
    var keyIndex: [ByteKey: Int]? = nil
}

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func fail(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, reason: reason)
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    func peek() throws -> UInt8 {
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        return bytes[position]
    }

    mutating func expect(_ byte: UInt8) throws {
        let b = try peek()
        guard b == byte else { throw fail(.unexpectedByte(b)) }
        position += 1
    }

    mutating func document() throws -> JSONValue {
        skipWhitespace()
        if position == bytes.count { throw fail(.empty) }
        var open: [OpenContainer] = []
        var values: [JSONValue] = []  // finished elements of every open container, innermost last
        var keys: [String] = []       // keys of every open object's members, innermost last
        while true {
            // Read one value, or open a container and go round for its first element.
            var value: JSONValue
            skipWhitespace()
            let start = try peek()
            switch start {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard open.count < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
                position += 1
                skipWhitespace()
                if start == UInt8(ascii: "[") {
                    if try peek() == UInt8(ascii: "]") { position += 1; value = .array([]) }
                    else { open.append(OpenContainer(isObject: false, valueStart: values.count, keyStart: keys.count)); continue }
                } else {
                    if try peek() == UInt8(ascii: "}") { position += 1; value = .object(JSONObject()) }
                    else {
                        open.append(OpenContainer(isObject: true, valueStart: values.count, keyStart: keys.count))
                        try memberKey(of: &open[open.count - 1], keys: &keys)
                        continue
                    }
                }
            case UInt8(ascii: "\""): value = .string(try string())
            case UInt8(ascii: "t"): try literal("true"); value = .bool(true)
            case UInt8(ascii: "f"): try literal("false"); value = .bool(false)
            case UInt8(ascii: "n"): try literal("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try number()
            default: throw fail(.unexpectedByte(start))
            }
            // Hand the value to the enclosing containers, closing those that end here.
            closing: while true {
                guard !open.isEmpty else {
                    skipWhitespace()
                    guard position == bytes.count else { throw fail(.trailingData) }
                    return value
                }
                values.append(value)
                skipWhitespace()
                let next = try peek()
                position += 1
                if next == UInt8(ascii: ",") {
                    if open[open.count - 1].isObject {
                        skipWhitespace()
                        try memberKey(of: &open[open.count - 1], keys: &keys)
                    }
                    break closing
                }
                let container = open.removeLast()
                if container.isObject {
                    guard next == UInt8(ascii: "}") else { throw fail(.unexpectedByte(next), at: position - 1) }
                    var members: [JSONObject.Member] = []
                    members.reserveCapacity(values.count - container.valueStart)
                    for i in 0..<(values.count - container.valueStart) {
                        members.append((keys[container.keyStart + i], values[container.valueStart + i]))
                    }
                    keys.removeSubrange(container.keyStart...)
                    values.removeSubrange(container.valueStart...)
                    value = .object(JSONObject(distinctMembers: members, index: container.keyIndex))
                } else {
                    guard next == UInt8(ascii: "]") else { throw fail(.unexpectedByte(next), at: position - 1) }
                    value = .array(Array(values[container.valueStart...]))
                    values.removeSubrange(container.valueStart...)
                }
            }
        }
    }

    /// `"key" :` — checks the key against the object's earlier keys (by bytes), leaves the cursor at the value.
    mutating func memberKey(of object: inout OpenContainer, keys: inout [String]) throws {
        let offset = position
        guard try peek() == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[position])) }
        let key = try string()
        let earlier = keys.count - object.keyStart
        if object.keyIndex == nil, earlier < JSONObject.indexThreshold {
            for i in object.keyStart..<keys.count where ByteKey.sameBytes(keys[i], key) {
                throw fail(.duplicateKey(key), at: offset)
            }
        } else {
            if object.keyIndex == nil {
                var index: [ByteKey: Int] = [:]
                for i in object.keyStart..<keys.count { index[ByteKey(keys[i])] = i - object.keyStart }
                object.keyIndex = index
            }
            guard object.keyIndex!.updateValue(earlier, forKey: ByteKey(key)) == nil else {
                throw fail(.duplicateKey(key), at: offset)
            }
        }
        keys.append(key)
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
    }

    mutating func literal(_ word: String) throws {
        let start = position
        let expected = Array(word.utf8)
        let count = expected.count
        for i in 0..<count where start + i >= bytes.count || bytes[start + i] != expected[i] {
            if start + i >= bytes.count { throw fail(.unexpectedEnd, at: start + i) }
            throw fail(.unexpectedByte(bytes[start + i]), at: start + i)
        }
        position += count
    }

    /// Integers that fit an `Int` stay exact; other numbers become finite Doubles (1e999 is an error).
    mutating func number() throws -> JSONValue {
        let start = position
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            let digitsStart = position
            while position < bytes.count {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(UInt64(digit))
                magnitude = sum
                overflow = overflow || o1 || o2
                position += 1
            }
            guard position > digitsStart else { throw fail(.invalidNumber, at: start) }
        }
        var isInteger = true
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard skipDigits() > 0 else { throw fail(.invalidNumber, at: start) }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            isInteger = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard skipDigits() > 0 else { throw fail(.invalidNumber, at: start) }
        }
        if isInteger, !overflow {
            if !negative, magnitude <= UInt64(Int.max) { return .integer(Int(magnitude)) }
            if negative, magnitude <= UInt64(Int.max) + 1 { return .integer(Int(truncatingIfNeeded: 0 &- magnitude)) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let double = Double(text), double.isFinite else { throw fail(.invalidNumber, at: start) }
        return .number(double)
    }

    mutating func skipDigits() -> Int {
        let from = position
        while position < bytes.count, bytes[position] &- UInt8(ascii: "0") < 10 { position += 1 }
        return position - from
    }

    /// A string from its opening quote; validates UTF-8 and escapes, builds the scalars' UTF-8 bytes.
    mutating func string() throws -> String {
        position += 1  // opening quote
        // Most strings have no escapes: they are made from the input bytes at once; `unescaped` is built only
        // once an escape is met.
        var unescaped: [UInt8]? = nil
        var runStart = position
        while true {
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<position])
                position += 1
                guard var built = unescaped else { return String(decoding: run, as: UTF8.self) }
                built.append(contentsOf: run)
                return String(decoding: built, as: UTF8.self)
            } else if b == UInt8(ascii: "\\") {
                var built = unescaped ?? []
                unescaped = nil  // so that `built` is the only reference and appends do not copy
                built.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                try escape(into: &built)
                unescaped = built
                runStart = position
            } else if b < 0x20 {
                throw fail(.controlCharacterInString)
            } else if b < 0x80 {
                position += 1
            } else {
                try multiByteScalar()
            }
        }
    }

    /// Checks one multi-byte UTF-8 sequence (RFC 3629 table 3-7) and steps over it.
    mutating func multiByteScalar() throws {
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // allowed range of the second byte
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // U+D800...U+DFFF encoded directly: not scalars
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail(.invalidUTF8)
        }
        guard bytes.count - position >= length else {
            // A truncated sequence at the very end is still a UTF-8 error, not a missing quote.
            throw fail(.invalidUTF8)
        }
        let second = bytes[position + 1]
        guard second >= low && second <= high else { throw fail(.invalidUTF8) }
        for i in 2..<max(2, length) where bytes[position + i] & 0xC0 != 0x80 { throw fail(.invalidUTF8) }
        position += length
    }

    mutating func escape(into utf8: inout [UInt8]) throws {
        let escapeStart = position
        position += 1
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        let c = bytes[position]
        position += 1
        switch c {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hex4()
            if (0xD800...0xDBFF).contains(code) {
                // A high surrogate must be followed at once by `\u` and a low surrogate.
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else { throw fail(.loneSurrogate, at: escapeStart) }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw fail(.loneSurrogate, at: escapeStart) }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
                throw fail(.loneSurrogate, at: escapeStart)
            }
            utf8.append(contentsOf: String(Unicode.Scalar(code)!).utf8)
        default:
            throw fail(.invalidEscape, at: escapeStart)
        }
    }

    mutating func hex4() throws -> UInt32 {
        guard bytes.count - position >= 4 else { throw fail(.unexpectedEnd) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw fail(.invalidEscape)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }
}
