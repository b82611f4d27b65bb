/// The WordPiece vocabulary as a trie over Unicode scalars. Looking tokens up by scalars rather than by `String`
/// keeps HF's byte-exact matching: Swift's `String` equality is canonical equivalence, so "é" and "e\u{301}"
/// would be one key. A walk along the trie also finds the longest vocabulary entry at a position in one pass.
struct Vocabulary: Sendable {
    /// (node << 21 | scalar) -> child node; node 0 is the root.
    private var children = EdgeTable()
    /// Token id ending at each node, or -1.
    private var ids: [Int32] = [-1]
    /// The text of each id (nil for ids nothing maps to).
    private(set) var tokens: [String?] = []

    /// Adds `token` with `id`; a later duplicate wins, as when HF reads a vocab.txt into a hash map.
    mutating func insert(_ token: String, id: Int) {
        var node: Int32 = 0
        for s in token.unicodeScalars {
            let key = UInt64(node) << 21 | UInt64(s.value)
            if let next = children[key] {
                node = next
            } else {
                let next = Int32(ids.count)
                ids.append(-1)
                children.insert(key, next)
                node = next
            }
        }
        ids[Int(node)] = Int32(id)
        if id >= tokens.count { tokens.append(contentsOf: repeatElement(nil, count: id - tokens.count + 1)) }
        tokens[id] = token
    }

    /// The node reached by walking `scalars` from `node`, or nil.
    func node(after scalars: String.UnicodeScalarView, from node: Int32 = 0) -> Int32? {
        var node = node
        for s in scalars {
            guard let next = children[UInt64(node) << 21 | UInt64(s.value)] else { return nil }
            node = next
        }
        return node
    }

    func id(for token: String) -> Int? {
        guard let node = node(after: token.unicodeScalars), ids[Int(node)] >= 0 else { return nil }
        return Int(ids[Int(node)])
    }

    /// The longest entry that, read after `node`, matches `text[start..<limit]` from its start: (id, end).
    func longestMatch(in text: [Unicode.Scalar], from start: Int, to limit: Int, after node: Int32)
        -> (id: Int, end: Int)? {
        var node = node
        var best: (id: Int, end: Int)?
        var i = start
        while i < limit, let next = children[UInt64(node) << 21 | UInt64(text[i].value)] {
            node = next
            i += 1
            if ids[Int(node)] >= 0 { best = (Int(ids[Int(node)]), i) }
        }
        return best
    }
}

/// The trie's edges in an open-addressing hash table: a lookup per character of the text is the tokenizer's
/// innermost step, and `Dictionary`'s seeded SipHash costs several times this multiplicative hash.
private struct EdgeTable: Sendable {
    private static let empty = UInt64.max  // no edge key is this: nodes stay far below 2^43
    private var keys = [UInt64](repeating: EdgeTable.empty, count: 1024)
    private var values = [Int32](repeating: 0, count: 1024)
    private var count = 0
    private var shift: UInt64 = 64 - 10

    subscript(key: UInt64) -> Int32? {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ key: UInt64, _ value: Int32) {
        if 2 * (count + 1) > keys.count { grow() }
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while keys[slot] != Self.empty && keys[slot] != key { slot = (slot + 1) & mask }
        if keys[slot] == Self.empty { count += 1 }
        keys[slot] = key
        values[slot] = value
    }

    private mutating func grow() {
        let (oldKeys, oldValues) = (keys, values)
        keys = [UInt64](repeating: Self.empty, count: oldKeys.count * 2)
        values = [Int32](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != Self.empty { insert(k, v) }
    }
}
