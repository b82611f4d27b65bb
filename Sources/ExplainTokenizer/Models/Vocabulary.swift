/// The WordPiece vocabulary as a trie over Unicode scalars. Looking tokens up by scalars rather than by `String`
/// keeps HF's byte-exact matching: Swift's `String` equality is canonical equivalence, so "é" and "e\u{301}"
/// would be one key. A walk along the trie also finds the longest vocabulary entry at a position in one pass.
struct Vocabulary: Sendable {
    /// (node << 21 | scalar) -> child node; node 0 is the root.
    private var children = IntegerTable()
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
                node = Int32(next)
            } else {
                let next = Int32(ids.count)
                ids.append(-1)
                children.insert(key, Int64(next))
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
            node = Int32(next)
        }
        return node
    }

    /// The id of the entry spelled `scalars` after `node`, or nil.
    func id(after node: Int32, _ scalars: some Sequence<Unicode.Scalar>) -> Int? {
        var node = node
        for s in scalars {
            guard let next = children[UInt64(node) << 21 | UInt64(s.value)] else { return nil }
            node = Int32(next)
        }
        return ids[Int(node)] >= 0 ? Int(ids[Int(node)]) : nil
    }

    /// The id of the one-scalar step `s` from `node`: the entry's id (or -1) and the node, or nil.
    func step(from node: Int32, _ s: Unicode.Scalar) -> Int32? {
        children[UInt64(node) << 21 | UInt64(s.value)].map { Int32($0) }
    }

    func id(at node: Int32) -> Int? { ids[Int(node)] >= 0 ? Int(ids[Int(node)]) : nil }

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
            node = Int32(next)
            i += 1
            if ids[Int(node)] >= 0 { best = (Int(ids[Int(node)]), i) }
        }
        return best
    }
}
