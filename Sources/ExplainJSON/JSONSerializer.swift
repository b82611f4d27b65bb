#if canImport(Glibc)
import Glibc  // links libm, which rounding needs when no Foundation is linked (the REPL)
#endif

/// Writes JSON values as compact UTF-8 with object keys sorted by their bytes, so the same value is always the
/// same bytes.
public enum JSONSerializer {
    public static func serialize(_ value: JSONValue) -> [UInt8] { serialize(value, keepingFractions: false) }

    /// `keepingFractions`: a floating-point number with an integral value is written as Python's json writes it
    /// (2.0, not 2), for files Python reads back with its types checked (a HuggingFace config.json).
    public static func serialize(_ value: JSONValue, keepingFractions: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, keepingFractions: keepingFractions)
        return out
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: serialize(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, into out: inout [UInt8], keepingFractions: Bool = false) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .integer(let i): out.append(contentsOf: String(i).utf8)
        case .number(let d):
            if !d.isFinite { out.append(contentsOf: "null".utf8) }
            else if abs(d) < 1e15, let i = Int(exactly: d) { out.append(contentsOf: (String(i) + (keepingFractions ? ".0" : "")).utf8) }
            else { out.append(contentsOf: "\(d)".utf8) }
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out, keepingFractions: keepingFractions)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            let sorted = fields.members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            for (i, member) in sorted.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(member.value, into: &out, keepingFractions: keepingFractions)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hexDigits[Int(b >> 4)])
                out.append(hexDigits[Int(b & 0xF)])
            default: out.append(b)  // Swift strings are valid Unicode: their UTF-8 goes out as is
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
