/// Writes an `Encodable` type as a `JSONValue` with `ObjectWriter`'s rules: a nil optional property is left
/// out, and a value that is `JSONEncodable` is written as its `json` (so Floats stay short, integers exact and
/// hand-mapped types as they map themselves). The counterpart of `JSONValueDecoder`.
public struct JSONValueEncoder: Encoder {
    let slot: EncodedSlot
    public let codingPath: [CodingKey]
    public var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(into slot: EncodedSlot, codingPath: [CodingKey]) {
        self.slot = slot
        self.codingPath = codingPath
    }

    /// `value` through its own `encode(to:)`, even when it is `JSONEncodable` (a `JSONRecord`'s `json` comes here).
    /// These containers throw only for an integer beyond Int (a UInt64 seed), which no record holds; otherwise only
    /// a hand-written `encode(to:)` can.
    public static func json<T: Encodable>(of value: T) throws -> JSONValue {
        let slot = EncodedSlot()
        try value.encode(to: JSONValueEncoder(into: slot, codingPath: []))
        return slot.json
    }

    public func encode<T: Encodable>(_ value: T) throws {
        if let mapped = value as? JSONEncodable { slot.set(mapped.json); return }
        // Int8…UInt64 would otherwise ask this encoder to write themselves again.
        if let integer = value as? any BinaryInteger {
            guard let exact = Int(exactly: integer) else {
                throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "beyond Int"))
            }
            slot.set(.integer(exact))
            return
        }
        try value.encode(to: self)
    }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        slot.makeObject()
        return KeyedEncodingContainer(ObjectEncodingContainer<Key>(slot: slot, codingPath: codingPath))
    }

    public func unkeyedContainer() -> UnkeyedEncodingContainer {
        slot.makeArray()
        return ArrayEncodingContainer(slot: slot, codingPath: codingPath)
    }

    public func singleValueContainer() -> SingleValueEncodingContainer { self }
}

extension JSONValueEncoder: SingleValueEncodingContainer {
    public func encodeNil() { slot.set(.null) }
}

/// One value being written. Containers nested in it fill slots of their own after they are handed out, so the
/// value is put together only at the end (`json`).
final class EncodedSlot {
    private enum Kind { case value, object, array }
    private var kind = Kind.value
    private var value = JSONValue.null
    // Appended in place: a container fills its slot one field or element at a time.
    private var members: [(key: String, slot: EncodedSlot)] = []
    private var elements: [EncodedSlot] = []

    func set(_ value: JSONValue) {
        kind = .value
        self.value = value
    }

    func makeObject() {
        if kind == .object { return }
        kind = .object
        members = []
    }

    func makeArray() {
        if kind == .array { return }
        kind = .array
        elements = []
    }

    /// A new slot for `key` (a key written twice keeps the later value, as in JSONObject).
    func member(_ key: String) -> EncodedSlot {
        let slot = EncodedSlot()
        if kind == .object { members.append((key, slot)) }
        return slot
    }

    func appendElement() -> EncodedSlot {
        let slot = EncodedSlot()
        if kind == .array { elements.append(slot) }
        return slot
    }

    var count: Int {
        switch kind {
        case .value: return 0
        case .object: return members.count
        case .array: return elements.count
        }
    }

    var json: JSONValue {
        switch kind {
        case .value: return value
        case .object: return .object(JSONObject(members.map { (key: $0.key, value: $0.slot.json) }))
        case .array: return .array(elements.map(\.json))
        }
    }
}

/// Fields of an object; `encodeIfPresent` (synthesis's call for optional properties) leaves nil out.
struct ObjectEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let slot: EncodedSlot
    let codingPath: [CodingKey]

    private func field(_ key: CodingKey) -> JSONValueEncoder {
        JSONValueEncoder(into: slot.member(key.stringValue), codingPath: codingPath + [key])
    }

    mutating func encodeNil(forKey key: Key) throws { field(key).encodeNil() }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { try field(key).encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        field(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer { field(key).unkeyedContainer() }

    mutating func superEncoder() -> Encoder { field(SuperKey()) }

    mutating func superEncoder(forKey key: Key) -> Encoder { field(key) }
}

/// The elements of an array, in order.
struct ArrayEncodingContainer: UnkeyedEncodingContainer {
    let slot: EncodedSlot
    let codingPath: [CodingKey]
    var count: Int { slot.count }

    private func element() -> JSONValueEncoder {
        let index = ElementKey(count)
        return JSONValueEncoder(into: slot.appendElement(), codingPath: codingPath + [index])
    }

    mutating func encodeNil() throws { element().encodeNil() }

    mutating func encode<T: Encodable>(_ value: T) throws { try element().encode(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer { element().unkeyedContainer() }

    mutating func superEncoder() -> Encoder { element() }
}

/// The key `superEncoder()` writes under, as Foundation's encoder names it.
struct SuperKey: CodingKey {
    var stringValue: String { "super" }
    var intValue: Int? { nil }
    init() {}
    init?(stringValue: String) { return nil }
    init?(intValue: Int) { return nil }
}
