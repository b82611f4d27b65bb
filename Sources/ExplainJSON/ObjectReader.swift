/// A field that is missing, of the wrong type or out of range. `field` is its path inside the document read
/// ("text", "options.steps", "texts[2]"); for protocol params the daemon sends it as the error's `data.field`.
public struct InvalidField: Error, Equatable, Sendable, CustomStringConvertible {
    public var field: String
    public var reason: String
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { field.isEmpty ? reason : "\(field): \(reason)" }
}

/// A type read from a JSON value at a path, with a field-precise error when it does not fit.
public protocol JSONDecodable {
    init(json: JSONValue, at path: String) throws
}

/// A type that writes itself as a JSON value (results, notifications).
public protocol JSONEncodable {
    var json: JSONValue { get }
}

extension InvalidField {
    /// "expected string, got array" at `path`.
    public static func mismatch(_ expected: String, _ json: JSONValue, at path: String) -> InvalidField {
        InvalidField(field: path, reason: "expected \(expected), got \(json.typeName)")
    }
}

extension String: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard case .string(let s) = json else { throw InvalidField.mismatch("string", json, at: path) }
        self = s
    }
}

extension Int: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard let i = json.intValue else {
            if case .number = json { throw InvalidField(field: path, reason: "expected an integer") }
            throw InvalidField.mismatch("integer", json, at: path)
        }
        self = i
    }
}

extension Double: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard let d = json.doubleValue else { throw InvalidField.mismatch("number", json, at: path) }
        self = d
    }
}

extension Bool: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard case .bool(let b) = json else { throw InvalidField.mismatch("boolean", json, at: path) }
        self = b
    }
}

extension JSONValue: JSONDecodable {
    public init(json: JSONValue, at path: String) throws { self = json }
}

extension Array: JSONDecodable where Element: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard case .array(let items) = json else { throw InvalidField.mismatch("array", json, at: path) }
        self = try items.enumerated().map { try Element(json: $1, at: "\(path)[\($0)]") }
    }
}

/// Reads the fields of one JSON object, naming each field by its full path in errors.
public struct ObjectReader {
    public let fields: JSONObject
    public let path: String

    /// `params` may be absent (nil) when every field is optional; then it reads as an empty object.
    public init(_ json: JSONValue?, at path: String) throws {
        switch json {
        case nil, .null?: fields = [:]
        case .object(let o)?: fields = o
        case let other?: throw InvalidField.mismatch("object", other, at: path.isEmpty ? "params" : path)
        }
        self.path = path
    }

    public func path(of key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    public func has(_ key: String) -> Bool {
        if let value = fields[key], value != .null { return true }
        return false
    }

    public func required<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws -> T {
        guard let value = fields[key], value != .null else {
            throw InvalidField(field: path(of: key), reason: "required field is missing")
        }
        return try T(json: value, at: path(of: key))
    }

    /// Missing and null both read as nil.
    public func optional<T: JSONDecodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let value = fields[key], value != .null else { return nil }
        return try T(json: value, at: path(of: key))
    }

    public func object(_ key: String) throws -> ObjectReader {
        try ObjectReader(fields[key], at: path(of: key))
    }
}

extension Float: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard let d = json.doubleValue else { throw InvalidField.mismatch("number", json, at: path) }
        self = Float(d)
    }
}

/// null reads as nil (a field that is present but null, or an array element that may be null).
extension Optional: JSONDecodable where Wrapped: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        self = json == .null ? nil : try Wrapped(json: json, at: path)
    }
}

extension JSONObject: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard case .object(let o) = json else { throw InvalidField.mismatch("object", json, at: path) }
        self = o
    }
}

/// A Swift dictionary merges keys that are canonically equivalent; rather than lose one, that is an error.
extension Dictionary: JSONDecodable where Key == String, Value: JSONDecodable {
    public init(json: JSONValue, at path: String) throws {
        guard case .object(let o) = json else { throw InvalidField.mismatch("object", json, at: path) }
        self.init(minimumCapacity: o.count)
        for (key, value) in o {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard updateValue(try Value(json: value, at: field), forKey: key) == nil else {
                throw InvalidField(field: field, reason: "two keys equal up to Unicode normalisation")
            }
        }
    }
}

extension String: JSONEncodable { public var json: JSONValue { .string(self) } }
extension Int: JSONEncodable { public var json: JSONValue { .integer(self) } }
extension Bool: JSONEncodable { public var json: JSONValue { .bool(self) } }
extension Double: JSONEncodable { public var json: JSONValue { JSONValue(self) } }
extension Float: JSONEncodable { public var json: JSONValue { JSONValue(self) } }
extension JSONValue: JSONEncodable { public var json: JSONValue { self } }

// Closures, not key paths, in these generic maps: a key path whose root is a generic parameter is built
// at run time on every call (a third of an explanation's reply encoding went to that).
extension Array: JSONEncodable where Element: JSONEncodable {
    public var json: JSONValue { .array(map { $0.json }) }
}

/// nil writes as null.
extension Optional: JSONEncodable where Wrapped: JSONEncodable {
    public var json: JSONValue {
        switch self {
        case .some(let value): return value.json
        case .none: return .null
        }
    }
}

/// An object with the dictionary's keys (written sorted, as every object is).
extension Dictionary: JSONEncodable where Key == String, Value: JSONEncodable {
    public var json: JSONValue { .object(JSONObject(mapValues { $0.json })) }
}
