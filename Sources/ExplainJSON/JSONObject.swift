/// A JSON object: its members in document order, keys compared by their exact UTF-8 bytes.
///
/// Swift's `String ==` and hashing follow canonical equivalence, so in a `[String: JSONValue]` "é" (U+00E9) and
/// "e\u{301}" would be one key. A tokenizer vocabulary needs both, and a strict reader must not merge them, so
/// keys here are equal only when their bytes are. Small objects are searched linearly; past `indexThreshold`
/// members a hash index on the bytes keeps lookups O(1).
public struct JSONObject: Sendable {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var members: [Member]
    private var index: [ByteKey: Int]?

    static let indexThreshold = 12

    public init() { members = [] }

    /// Members already known to have byte-distinct keys (the parser checked them as it read).
    init(distinctMembers: [Member], index: [ByteKey: Int]?) {
        members = distinctMembers
        self.index = index ?? (distinctMembers.count > Self.indexThreshold ? Self.buildIndex(distinctMembers) : nil)
    }

    /// Later duplicates (by bytes) replace earlier ones, as assignments would.
    public init<S: Sequence>(_ members: S) where S.Element == Member {
        self.init()
        for (key, value) in members { self[key] = value }
    }

    public init(_ dictionary: [String: JSONValue]) {
        self.init(dictionary.map { (key: $0.key, value: $0.value) })
    }

    private static func buildIndex(_ members: [Member]) -> [ByteKey: Int] {
        var index: [ByteKey: Int] = [:]
        index.reserveCapacity(members.count)
        for (i, member) in members.enumerated() { index[ByteKey(member.key)] = i }
        return index
    }

    /// The position of `key`, compared byte for byte.
    public func position(of key: String) -> Int? {
        if let index { return index[ByteKey(key)] }
        for i in members.indices where ByteKey.sameBytes(members[i].key, key) { return i }
        return nil
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let newValue { updateValue(newValue, forKey: key) } else { removeValue(forKey: key) }
        }
    }

    /// Sets the value of `key` (appending it when new); returns the value it replaced.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let i = position(of: key) {
            let old = members[i].value
            members[i].value = value
            return old
        }
        members.append((key, value))
        if index != nil {
            index![ByteKey(key)] = members.count - 1
        } else if members.count > Self.indexThreshold {
            index = Self.buildIndex(members)
        }
        return nil
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = position(of: key) else { return nil }
        let old = members.remove(at: i).value
        index = members.count > Self.indexThreshold ? Self.buildIndex(members) : nil
        return old
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }
    public var values: [JSONValue] { members.map(\.value) }

    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        JSONObject(distinctMembers: try members.map { ($0.key, try transform($0.value)) }, index: index)
    }
}

extension JSONObject: Sequence {
    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
    public var underestimatedCount: Int { members.count }
}

extension JSONObject: Equatable {
    /// Order does not matter: two objects are equal when they have the same keys (by bytes) with equal values.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a.members {
            guard let other = b[key], other == value else { return false }
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { (key: $0.0, value: $0.1) })
    }
}

/// A key hashed and compared by its UTF-8 bytes rather than by canonical equivalence.
struct ByteKey: Hashable, Sendable {
    let string: String
    init(_ string: String) { self.string = string }

    static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && a.utf8.elementsEqual(b.utf8)
    }

    static func == (a: ByteKey, b: ByteKey) -> Bool { sameBytes(a.string, b.string) }

    func hash(into hasher: inout Hasher) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if done == nil { for byte in string.utf8 { hasher.combine(byte) } }
        hasher.combine(string.utf8.count)
    }
}
