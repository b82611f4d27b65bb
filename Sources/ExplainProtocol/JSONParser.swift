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
/// code points past U+10FFFF are errors), rejects lone surrogates in `\u` escapes and duplicate keys, and is
/// iterative: containers live on an explicit stack bounded by `maxDepth`, so 100 000 nested `[` cost one error,
/// never the thread's stack.
public enum JSONParser {
    public static let defaultMaxDepth = 128

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(bytes: buffer, maxDepth: maxDepth)
            return try cursor.document()
        }
    }

    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

/// An open container while its elements are being read.
private enum OpenContainer {
    case array([JSONValue])
    case object([String: JSONValue], key: String, keyOffset: Int)
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
        var stack: [OpenContainer] = []
        while true {
            // Read one value, or open a container and go round for its first element.
            var value: JSONValue
            skipWhitespace()
            let start = try peek()
            switch start {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard stack.count < maxDepth else { throw fail(.tooDeep(limit: maxDepth)) }
                position += 1
                skipWhitespace()
                if start == UInt8(ascii: "[") {
                    if try peek() == UInt8(ascii: "]") { position += 1; value = .array([]) }
                    else { stack.append(.array([])); continue }
                } else {
                    if try peek() == UInt8(ascii: "}") { position += 1; value = .object([:]) }
                    else {
                        let (key, offset) = try objectKey()
                        stack.append(.object([:], key: key, keyOffset: offset))
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
                guard let top = stack.popLast() else {
                    skipWhitespace()
                    guard position == bytes.count else { throw fail(.trailingData) }
                    return value
                }
                skipWhitespace()
                let next = try peek()
                position += 1
                switch top {
                case .array(var items):
                    items.append(value)
                    if next == UInt8(ascii: ",") { stack.append(.array(items)); break closing }
                    guard next == UInt8(ascii: "]") else { throw fail(.unexpectedByte(next), at: position - 1) }
                    value = .array(items)
                case .object(var fields, let key, let keyOffset):
                    guard fields.updateValue(value, forKey: key) == nil else {
                        throw fail(.duplicateKey(key), at: keyOffset)
                    }
                    if next == UInt8(ascii: ",") {
                        skipWhitespace()
                        let (nextKey, offset) = try objectKey()
                        stack.append(.object(fields, key: nextKey, keyOffset: offset))
                        break closing
                    }
                    guard next == UInt8(ascii: "}") else { throw fail(.unexpectedByte(next), at: position - 1) }
                    value = .object(fields)
                }
            }
        }
    }

    /// `"key" :` — leaves the cursor at the value.
    mutating func objectKey() throws -> (String, Int) {
        let offset = position
        guard try peek() == UInt8(ascii: "\"") else { throw fail(.unexpectedByte(bytes[position])) }
        let key = try string()
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        return (key, offset)
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

    mutating func number() throws -> JSONValue {
        let start = position
        var isInteger = true
        func digits(_ cursor: inout Cursor) -> Int {
            let from = cursor.position
            while cursor.position < cursor.bytes.count,
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(cursor.bytes[cursor.position]) { cursor.position += 1 }
            return cursor.position - from
        }
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count else { throw fail(.unexpectedEnd) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else if digits(&self) == 0 {
            throw fail(.invalidNumber, at: start)
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard digits(&self) > 0 else { throw fail(.invalidNumber, at: start) }
        }
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            position += 1
            isInteger = false
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard digits(&self) > 0 else { throw fail(.invalidNumber, at: start) }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { throw fail(.invalidNumber, at: start) }
        return .number(double)
    }

    /// A string from its opening quote; validates UTF-8 and escapes, builds the scalars' UTF-8 bytes.
    mutating func string() throws -> String {
        position += 1  // opening quote
        var utf8: [UInt8] = []
        var runStart = position
        while true {
            guard position < bytes.count else { throw fail(.unexpectedEnd) }
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            } else if b == UInt8(ascii: "\\") {
                utf8.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
                try escape(into: &utf8)
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
