import ExplainJSON
import Foundation

/// A field of a tokenizer file that is missing, of the wrong type or out of range; `path` names it the way the
/// file spells it ("pre_tokenizer.pretokenizers[1].behavior").
struct FieldError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// One value of a tokenizer file with its path, so every part decodes its own fields and every error names the
/// field. Parts of the pipeline decode from this alone (`init(json:)`). Objects keep their keys as the file spells
/// them (ExplainJSON compares keys by bytes), so a vocabulary holding "é" and "e\u{301}" keeps both.
struct JSONNode {
    typealias Value = JSONValue

    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String = "") {
        self.value = value
        self.path = path
    }

    func error(_ reason: String) -> FieldError { FieldError(path: path, reason: reason) }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var isNull: Bool { if case .null = value { return true } else { return false } }

    /// The member `key` of an object; nil when absent or null (serde's `Option` and `#[serde(default)]`).
    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value, let found = members[key] else { return nil }
        if case .null = found { return nil }
        return JSONNode(found, path: child(key))
    }

    func required(_ key: String) throws -> JSONNode {
        guard let node = self[key] else { throw error("missing field \"\(key)\"") }
        return node
    }

    var members: [(key: String, value: JSONNode)] {
        get throws {
            guard case .object(let members) = value else { throw error("expected an object, found \(value.typeName)") }
            return members.members.map { ($0.key, JSONNode($0.value, path: child($0.key))) }
        }
    }

    var elements: [JSONNode] {
        get throws {
            guard case .array(let items) = value else { throw error("expected an array, found \(value.typeName)") }
            return items.enumerated().map { JSONNode($0.element, path: "\(path)[\($0.offset)]") }
        }
    }

    var string: String {
        get throws {
            guard case .string(let s) = value else { throw error("expected a string, found \(value.typeName)") }
            return s
        }
    }

    var bool: Bool {
        get throws {
            guard case .bool(let b) = value else { throw error("expected true or false, found \(value.typeName)") }
            return b
        }
    }

    var number: Double {
        get throws {
            guard let n = value.doubleValue else { throw error("expected a number, found \(value.typeName)") }
            return n
        }
    }

    /// An integer in `range` (ids, lengths): a fraction or a value outside is an error, never a trap.
    func integer(in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int {
        if case .integer(let i) = value {
            guard range.contains(i) else { throw error("\(i) is out of range") }
            return i
        }
        let n = try number
        guard n == n.rounded(), n >= Double(range.lowerBound), n <= Double(range.upperBound) else {
            throw error(n == n.rounded() ? "\(n) is out of range" : "\(n) is not an integer")
        }
        return Int(n)
    }

    /// The `type` tag that says which part an object is.
    var typeTag: String {
        get throws {
            guard let tag = self["type"] else { throw error("missing field \"type\"") }
            return try tag.string
        }
    }

    // Optional fields with their serde defaults.
    func string(_ key: String) throws -> String? { try self[key]?.string }
    func bool(_ key: String) throws -> Bool? { try self[key]?.bool }
    func bool(_ key: String, default value: Bool) throws -> Bool { try self[key]?.bool ?? value }
    func integer(_ key: String, in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int? {
        try self[key]?.integer(in: range)
    }
    func array(_ key: String) throws -> [JSONNode]? { try self[key]?.elements }
}

extension JSONNode {
    /// Parses a whole file strictly (ExplainJSON: byte offsets in errors, duplicate keys rejected).
    static func parse(_ data: Data) throws -> JSONNode {
        do {
            return JSONNode(try JSONParser.parse(data))
        } catch let error as JSONParseError {
            throw FieldError(path: "", reason: "not valid JSON: \(error)")
        }
    }
}
