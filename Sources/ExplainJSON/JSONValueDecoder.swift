/// Reads a `Decodable` type from a `JSONValue` with `ObjectReader`'s rules and errors, so that Codable
/// synthesis can write a record's field list once (`JSONRecord`). A missing or null field is "required field is
/// missing" at its full path, unless the property is optional; a value that does not fit is the `InvalidField`
/// its `JSONDecodable` conformance throws. Not Foundation's JSONDecoder, which merges keys equal up to Unicode
/// normalisation (see JSONObject).
public struct JSONValueDecoder: Decoder {
    public let value: JSONValue
    /// Where `value` sits in the document ("options.steps", "texts[2]"): the `field` of every error.
    public let path: String
    public let codingPath: [CodingKey]
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    public init(_ value: JSONValue, at path: String, codingPath: [CodingKey] = []) {
        self.value = value
        self.path = path
        self.codingPath = codingPath
    }

    /// `T` from `value`: through `T(json:at:)` where T has one (every primitive, array, dictionary, optional and
    /// hand-mapped type), else through T's own `init(from:)`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        if let mapped = T.self as? JSONDecodable.Type { return try mapped.init(json: value, at: path) as! T }
        // Int8…UInt64 would otherwise ask this decoder for themselves again.
        if let integer = T.self as? any FixedWidthInteger.Type { return try narrowed(to: integer) as! T }
        return try T(from: self)
    }

    private func narrowed<I: FixedWidthInteger>(to type: I.Type) throws -> I {
        guard let narrow = I(exactly: try Int(json: value, at: path)) else {
            throw InvalidField(field: path, reason: "out of range for \(I.self)")
        }
        return narrow
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(ObjectDecodingContainer<Key>(object: try ObjectReader(value, at: path), codingPath: codingPath))
    }

    public func unkeyedContainer() throws -> UnkeyedDecodingContainer {
        try ArrayDecodingContainer(self)
    }

    public func singleValueContainer() throws -> SingleValueDecodingContainer { self }
}

extension JSONValueDecoder: SingleValueDecodingContainer {
    public func decodeNil() -> Bool { value == .null }
}

/// An object's fields, read as ObjectReader's `required` and `optional` read them (`decodeIfPresent`, which
/// synthesis uses for optional properties, reads a null field as nil through `decodeNil`).
struct ObjectDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: ObjectReader
    let codingPath: [CodingKey]

    var allKeys: [Key] { object.fields.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { object.fields[key.stringValue] != nil }

    func decodeNil(forKey key: Key) throws -> Bool { !object.has(key.stringValue) }

    private func field(_ key: CodingKey, _ value: JSONValue?) -> JSONValueDecoder {
        JSONValueDecoder(value ?? .null, at: object.path(of: key.stringValue), codingPath: codingPath + [key])
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try field(key, try object.required(key.stringValue, as: JSONValue.self)).decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try field(key, object.fields[key.stringValue]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> UnkeyedDecodingContainer {
        try field(key, try object.required(key.stringValue, as: JSONValue.self)).unkeyedContainer()
    }

    func superDecoder() throws -> Decoder { field(SuperKey(), object.fields[SuperKey().stringValue]) }

    func superDecoder(forKey key: Key) throws -> Decoder { field(key, object.fields[key.stringValue]) }
}

/// An array's elements in order, each read at "path[i]" as Array's `JSONDecodable` conformance reads them.
struct ArrayDecodingContainer: UnkeyedDecodingContainer {
    let items: [JSONValue]
    let path: String
    let codingPath: [CodingKey]
    private(set) var currentIndex = 0

    init(_ decoder: JSONValueDecoder) throws {
        guard case .array(let items) = decoder.value else { throw InvalidField.mismatch("array", decoder.value, at: decoder.path) }
        self.items = items
        path = decoder.path
        codingPath = decoder.codingPath
    }

    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    /// The next element's decoder, moving past it.
    private mutating func next() throws -> JSONValueDecoder {
        let element = "\(path)[\(currentIndex)]"
        guard !isAtEnd else { throw InvalidField(field: element, reason: "required field is missing") }
        defer { currentIndex += 1 }
        return JSONValueDecoder(items[currentIndex], at: element, codingPath: codingPath + [ElementKey(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> Decoder { try next() }
}

/// The coding path entry of an array element.
struct ElementKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { return nil }
}
