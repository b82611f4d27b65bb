import Foundation

/// A field of a tokenizer file that is missing, of the wrong type or out of range; `path` names it the way the
/// file spells it ("pre_tokenizer.pretokenizers[1].behavior").
struct FieldError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// One value of a tokenizer file with its path, so every part decodes its own fields and every error names the
/// field. Parts of the pipeline decode from this alone (`init(json:)`).
struct JSONNode {
    indirect enum Value {
        case null, bool(Bool), number(Double), string(String), array([Value]), object([(String, Value)])
    }

    let value: Value
    let path: String

    init(_ value: Value, path: String = "") {
        self.value = value
        self.path = path
    }

    func error(_ reason: String) -> FieldError { FieldError(path: path, reason: reason) }

    private func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    var isNull: Bool { if case .null = value { return true } else { return false } }

    /// The member `key` of an object; nil when absent or null (serde's `Option` and `#[serde(default)]`).
    subscript(key: String) -> JSONNode? {
        guard case .object(let members) = value else { return nil }
        guard let found = members.last(where: { $0.0.unicodeScalars.elementsEqual(key.unicodeScalars) })?.1 else {
            return nil
        }
        if case .null = found { return nil }
        return JSONNode(found, path: child(key))
    }

    func required(_ key: String) throws -> JSONNode {
        guard let node = self[key] else { throw error("missing field \"\(key)\"") }
        return node
    }

    var members: [(key: String, value: JSONNode)] {
        get throws {
            guard case .object(let members) = value else { throw error("expected an object") }
            return members.map { ($0.0, JSONNode($0.1, path: child($0.0))) }
        }
    }

    var elements: [JSONNode] {
        get throws {
            guard case .array(let items) = value else { throw error("expected an array") }
            return items.enumerated().map { JSONNode($0.element, path: "\(path)[\($0.offset)]") }
        }
    }

    var string: String {
        get throws {
            guard case .string(let s) = value else { throw error("expected a string") }
            return s
        }
    }

    var bool: Bool {
        get throws {
            guard case .bool(let b) = value else { throw error("expected true or false") }
            return b
        }
    }

    var number: Double {
        get throws {
            guard case .number(let n) = value else { throw error("expected a number") }
            return n
        }
    }

    /// An integer in `range` (ids, lengths): a fraction or a value outside is an error, never a trap.
    func integer(in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int {
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
    /// Parses a whole file. (Foundation's decoder for now; keys are kept as the file spells them.)
    static func parse(_ data: Data) throws -> JSONNode {
        do {
            return JSONNode(try JSONDecoder().decode(DecodedValue.self, from: data).value)
        } catch let error as DecodingError {
            throw FieldError(path: "", reason: "not valid JSON (\(error.readableReason))")
        }
    }

    private struct DecodedValue: Decodable {
        var value: Value

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            if let object = try? decoder.container(keyedBy: Key.self) {
                value = .object(try object.allKeys.map { ($0.stringValue, try object.decode(DecodedValue.self, forKey: $0).value) })
                return
            }
            if var array = try? decoder.unkeyedContainer() {
                var items: [Value] = []
                while !array.isAtEnd { items.append(try array.decode(DecodedValue.self).value) }
                value = .array(items)
                return
            }
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                value = .null
            } else if let b = try? single.decode(Bool.self) {
                value = .bool(b)
            } else if let n = try? single.decode(Double.self) {
                value = .number(n)
            } else {
                value = .string(try single.decode(String.self))
            }
        }
    }
}

extension DecodingError {
    /// "model.vocab.hello: expected Int" rather than Foundation's debug dump.
    var readableReason: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch self {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing field \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return "\(path(context)): \(context.debugDescription)\(underlying)"
        @unknown default:
            return "\(self)"
        }
    }
}
