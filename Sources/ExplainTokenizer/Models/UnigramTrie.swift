/// The Unigram vocabulary as a trie over UTF-8 bytes, for HF's `common_prefix_search`: every piece that starts
/// the text at a position, found in one walk. Children are stored sorted and contiguously per node (scanned,
/// as non-root nodes have few), with a direct 256-entry table for the root, which every walk starts from.
struct UnigramTrie: Sendable {
    /// Child node of the root per byte, or -1.
    private let rootChildren: [Int32]
    /// Node i's edges are `edgeBytes[firstEdge[i]..<firstEdge[i + 1]]`, leading to `edgeTargets`.
    private let firstEdge: [Int32]
    private let edgeBytes: [UInt8]
    private let edgeTargets: [Int32]
    /// The id of the piece ending at each node, or -1.
    private let pieceIDs: [Int32]

    /// `pieces[id]` is the text of id; a later duplicate wins (callers reject duplicates first); empty pieces,
    /// which HF's search never returns, are left out.
    init(pieces: [String]) {
        var edges: [UInt64: Int32] = [:]  // parent << 8 | byte -> child
        var ids: [Int32] = [-1]
        for (id, piece) in pieces.enumerated() where !piece.isEmpty {
            var node: Int32 = 0
            for byte in piece.utf8 {
                let key = UInt64(node) << 8 | UInt64(byte)
                if let child = edges[key] {
                    node = child
                } else {
                    let child = Int32(ids.count)
                    ids.append(-1)
                    edges[key] = child
                    node = child
                }
            }
            ids[Int(node)] = Int32(id)
        }
        let sorted = edges.sorted { $0.key < $1.key }
        var firstEdge = [Int32](repeating: 0, count: ids.count + 1)
        for (key, _) in sorted { firstEdge[Int(key >> 8) + 1] += 1 }
        for i in 0..<ids.count { firstEdge[i + 1] += firstEdge[i] }
        var root = [Int32](repeating: -1, count: 256)
        for (key, child) in sorted where key >> 8 == 0 { root[Int(key & 0xFF)] = child }
        rootChildren = root
        self.firstEdge = firstEdge
        edgeBytes = sorted.map { UInt8(truncatingIfNeeded: $0.key) }
        edgeTargets = sorted.map(\.value)
        pieceIDs = ids
    }

    /// Calls `found(id, end)` for every piece that `bytes[start...]` begins with, shortest first.
    @inline(__always)
    func forEachPrefix(of bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ found: (Int, Int) -> Void) {
        guard start < bytes.count else { return }
        var node = rootChildren[Int(bytes[start])]
        var i = start + 1
        while node >= 0 {
            let id = pieceIDs[Int(node)]
            if id >= 0 { found(Int(id), i) }
            guard i < bytes.count else { return }
            let byte = bytes[i]
            var e = Int(firstEdge[Int(node)])
            let last = Int(firstEdge[Int(node) + 1])
            node = -1
            while e < last {
                let b = edgeBytes[e]
                if b == byte { node = edgeTargets[e]; break }
                if b > byte { break }
                e += 1
            }
            i += 1
        }
    }

    /// The id of the piece spelled exactly by `bytes`, or nil.
    func id<C: Collection>(of bytes: C) -> Int? where C.Element == UInt8 {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next() else { return nil }
        var node = rootChildren[Int(first)]
        while node >= 0, let byte = iterator.next() {
            var next: Int32 = -1
            for e in Int(firstEdge[Int(node)])..<Int(firstEdge[Int(node) + 1]) where edgeBytes[e] == byte {
                next = edgeTargets[e]
                break
            }
            node = next
        }
        guard node >= 0, pieceIDs[Int(node)] >= 0 else { return nil }
        return Int(pieceIDs[Int(node)])
    }
}
