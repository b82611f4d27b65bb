#if canImport(Glibc)
import Glibc  // links libm, which rounding needs when no Foundation is linked (the REPL)
#endif

/// A JSON value. Integers are kept apart from other numbers so that ids, counts and token ids round-trip
/// exactly; objects keep their members in order with keys compared by bytes (`JSONObject`); the serializer
/// writes keys sorted, so the same value is always the same bytes.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// An object from a Swift dictionary, whose keys are already distinct: how code building replies writes one.
    public static func object(_ fields: [String: JSONValue]) -> JSONValue { .object(JSONObject(fields)) }

    /// A Float as the shortest decimal that reads back to the same Float (0.3, not 0.30000001192092896);
    /// NaN and infinities, which JSON cannot carry, become null.
    public init(_ value: Float) {
        guard value.isFinite else { self = .null; return }
        self = .number(Double("\(value)") ?? Double(value))
    }

    public init(_ value: Double) { self = value.isFinite ? .number(value) : .null }

    /// The name of the JSON type, for error messages ("expected string, got array").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer, .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var intValue: Int? {
        switch self {
        case .integer(let i): return i
        case .number(let d) where abs(d) < 9.0e15: return Int(exactly: d)
        default: return nil
        }
    }
    public var doubleValue: Double? {
        switch self {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
}

extension JSONValue: Equatable {
    /// Numbers compare by value: 2500 written as an integer equals 2500.0 (the serializer writes integral
    /// doubles without a fraction).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.integer(x), .integer(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.integer(x), .number(y)), let (.number(y), .integer(x)): return Double(x) == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x == y
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .number(value) }
}
