import Foundation

/// Reads `model.vocab` of a tokenizer.json as the exact (token, id) pairs of the file. JSONDecoder cannot:
/// it keys objects by Swift `String`, whose equality is canonical equivalence, so a vocabulary holding both
/// "é" and "e\u{301}" (distinct tokens to HF) would silently lose one. Runs after JSONDecoder has validated the
/// file, so it only walks well-formed JSON; any surprise returns nil and the decoded dictionary is used.
struct VocabularyScanner {
    private let bytes: [UInt8]
    private var i = 0

    static func vocabulary(in data: Data) -> [(token: String, id: Double)]? {
        var scanner = VocabularyScanner(bytes: Array(data))
        return scanner.modelVocabulary()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private mutating func modelVocabulary() -> [(token: String, id: Double)]? {
        guard enterObject(), seek(key: "model"), enterObject(), seek(key: "vocab"), enterObject() else { return nil }
        var pairs: [(token: String, id: Double)] = []
        while true {
            skipWhitespace()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: "}") { return pairs }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard let key = string() else { return nil }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            skipWhitespace()
            guard let id = number() else { return nil }
            pairs.append((key, id))
        }
    }

    /// Moves inside the object starting here.
    private mutating func enterObject() -> Bool {
        skipWhitespace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "{") else { return false }
        i += 1
        return true
    }

    /// Within an object, moves to the value of `key`, skipping the other members.
    private mutating func seek(key wanted: String) -> Bool {
        while true {
            skipWhitespace()
            guard i < bytes.count, bytes[i] != UInt8(ascii: "}") else { return false }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            guard let key = string() else { return false }
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
            i += 1
            skipWhitespace()
            if key.unicodeScalars.elementsEqual(wanted.unicodeScalars) { return true }
            guard skipValue() else { return false }
        }
    }

    private mutating func skipWhitespace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    /// Skips a string, number, literal, object or array, tracking nesting and strings.
    private mutating func skipValue() -> Bool {
        var depth = 0
        repeat {
            skipWhitespace()
            guard i < bytes.count else { return false }
            switch bytes[i] {
            case UInt8(ascii: "\""):
                guard string() != nil else { return false }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                i += 1
            default:  // number, literal, ',' or ':'
                i += 1
            }
        } while depth > 0
        return true
    }

    private mutating func number() -> Double? {
        let start = i
        while i < bytes.count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+")
            || bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")
            || (bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9")) {
            i += 1
        }
        return Double(String(decoding: bytes[start..<i], as: UTF8.self))
    }

    /// A JSON string starting at the opening quote, escapes decoded.
    private mutating func string() -> String? {
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        var utf8: [UInt8] = []
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return String(decoding: utf8, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else { utf8.append(b); continue }
            guard i < bytes.count else { return nil }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                guard var unit = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(unit), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"),
                   bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(unit) else { return nil }  // a lone surrogate
                utf8.append(contentsOf: String(scalar).utf8)
            default:  // \" \\ \/
                utf8.append(e)
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<(i + 4)], as: UTF8.self), radix: 16)
        else { return nil }
        i += 4
        return v
    }
}
