/// HF's BPE model (tokenizers/src/models/bpe/model.rs, word.rs): a word starts as its characters (the first bare,
/// the others with `continuing_subword_prefix`, the last with `end_of_word_suffix`), characters the vocabulary lacks
/// become their `<0xXX>` byte tokens (`byte_fallback`) or the unknown token (consecutive ones fused with `fuse_unk`)
/// or vanish (no unknown token); then the pair of adjacent symbols with the lowest merge rank is merged, leftmost
/// first among equals, until no pair has a merge.
struct BPE: TokenizerModel {
    let vocabulary: Vocabulary
    /// (left id << 32 | right id) -> (rank << 32 | merged id).
    let merges: IntegerTable
    let unknownID: Int?
    let continuingSubwordPrefix: String?
    let endOfWordSuffix: String?
    let fuseUnknown: Bool
    let byteFallback: Bool
    /// A word that is a vocabulary entry is that entry, merges or not (Llama 3).
    let ignoreMerges: Bool
    /// `<0x00>` … `<0xFF>` ids, when byte fallback is on (-1 where missing).
    private let byteIDs: [Int]
    /// Trie nodes after the prefix (for every character but the first).
    private let prefixNode: Int32?
    /// Words already merged, as HF's cache: up to 10,000 words shorter than 256 scalars.
    private let cache = WordCache()

    init(json: JSONNode) throws {
        vocabulary = try TokenizerModels.vocabulary(json)
        let unk = try json.string("unk_token")
        if let unk {
            guard let id = vocabulary.id(for: unk) else { throw json.error("vocab has no unk_token \"\(unk)\"") }
            unknownID = id
        } else {
            unknownID = nil
        }
        continuingSubwordPrefix = try json.string("continuing_subword_prefix")
        endOfWordSuffix = try json.string("end_of_word_suffix")
        fuseUnknown = try json.bool("fuse_unk", default: false)
        byteFallback = try json.bool("byte_fallback", default: false)
        ignoreMerges = try json.bool("ignore_merges", default: false)
        // dropout only matters when training: encoding here is deterministic.
        let vocabulary = self.vocabulary
        byteIDs = (0...255).map { b in
            vocabulary.id(for: "<0x" + String(UInt8(b), radix: 16, uppercase: true).leftPadded(to: 2) + ">") ?? -1
        }
        prefixNode = continuingSubwordPrefix.map { vocabulary.node(after: $0.unicodeScalars) } ?? 0

        var merges = IntegerTable()
        let prefix = continuingSubwordPrefix ?? ""
        for (rank, merge) in try json.required("merges").elements.enumerated() {
            let (a, b) = try Self.pair(merge)
            guard let left = vocabulary.id(for: a) else { throw merge.error("the merge names \"\(a)\", not in vocab") }
            guard let right = vocabulary.id(for: b) else { throw merge.error("the merge names \"\(b)\", not in vocab") }
            // HF drops the prefix's bytes from the right token (compared as scalars: "##\u{200D}" is one
            // Character after "#", so String.hasPrefix would miss it).
            var tail = b.unicodeScalars[...]
            if tail.starts(with: prefix.unicodeScalars) { tail = tail.dropFirst(prefix.unicodeScalars.count) }
            let joined = a + String(String.UnicodeScalarView(tail))
            guard let merged = vocabulary.id(for: joined) else {
                throw merge.error("the merge makes \"\(joined)\", not in vocab")
            }
            merges.insert(UInt64(left) << 32 | UInt64(right), Int64(rank) << 32 | Int64(merged))
        }
        self.merges = merges
    }

    /// A merge is "a b" (one space) or ["a", "b"].
    private static func pair(_ merge: JSONNode) throws -> (String, String) {
        if case .string(let line) = merge.value {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw merge.error("a merge is two tokens separated by one space") }
            return (String(parts[0]), String(parts[1]))
        }
        let parts = try merge.elements
        guard parts.count == 2 else { throw merge.error("a merge is a pair of tokens") }
        return (try parts[0].string, try parts[1].string)
    }

    var vocabularySize: Int { vocabulary.tokens.count }
    func id(forToken token: String) -> Int? { vocabulary.id(for: token) }
    func token(forID id: Int) -> String? { vocabulary.tokens.indices.contains(id) ? vocabulary.tokens[id] : nil }

    /// One symbol of a word being merged: its id, its span in the word, and its neighbours (-1 at the ends).
    private struct Symbol {
        var id: Int
        var start: Int
        var end: Int
        var previous: Int
        var next: Int
        var alive = true
    }

    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        cache.tokenize(word, into: &tokens, merge)
    }

    private func merge(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        if ignoreMerges, let id = vocabulary.id(after: 0, word) {
            tokens.append(ModelToken(id: id, start: 0, end: word.count))
            return
        }
        var symbols: [Symbol] = []
        symbols.reserveCapacity(word.count)
        var pendingUnknown: (start: Int, end: Int)?
        func add(_ id: Int, _ start: Int, _ end: Int) {
            symbols.append(Symbol(id: id, start: start, end: end, previous: symbols.count - 1, next: -1))
        }
        for (i, c) in word.enumerated() {
            if let id = characterID(c, first: i == 0, last: i == word.count - 1) {
                if let unknown = pendingUnknown { add(unknownID!, unknown.start, unknown.end); pendingUnknown = nil }
                add(id, i, i + 1)
                continue
            }
            if byteFallback {
                let bytes = characterBytes(c, first: i == 0, last: i == word.count - 1)
                if bytes.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                    // HF's pending unknown stays pending across byte tokens.
                    for b in bytes { add(byteIDs[Int(b)], i, i + 1) }
                    continue
                }
            }
            guard unknownID != nil else { continue }
            if let unknown = pendingUnknown {
                if fuseUnknown {
                    pendingUnknown = (unknown.start, i + 1)
                    continue
                }
                add(unknownID!, unknown.start, unknown.end)
            }
            pendingUnknown = (i, i + 1)
        }
        if let unknown = pendingUnknown { add(unknownID!, unknown.start, unknown.end) }
        for i in symbols.indices.dropLast() { symbols[i].next = i + 1 }
        merge(&symbols)
        for s in symbols where s.alive { tokens.append(ModelToken(id: s.id, start: s.start, end: s.end)) }
    }

    /// The id of character `c` as it stands in the word (with the prefix unless first, the suffix when last).
    private func characterID(_ c: Unicode.Scalar, first: Bool, last: Bool) -> Int? {
        var node: Int32 = 0
        if !first, continuingSubwordPrefix != nil {
            guard let after = prefixNode else { return nil }
            node = after
        }
        guard let afterCharacter = vocabulary.step(from: node, c) else { return nil }
        if last, let suffix = endOfWordSuffix { return vocabulary.id(after: afterCharacter, suffix.unicodeScalars) }
        return vocabulary.id(at: afterCharacter)
    }

    /// The UTF-8 bytes of the character's string as looked up (prefix and suffix included, as HF's fallback does).
    private func characterBytes(_ c: Unicode.Scalar, first: Bool, last: Bool) -> [UInt8] {
        var text = String(c)
        if !first, let prefix = continuingSubwordPrefix { text = prefix + text }
        if last, let suffix = endOfWordSuffix { text += suffix }
        return Array(text.utf8)
    }

    /// Merges the lowest-ranked adjacent pair, leftmost first among equals, until none has a merge (HF
    /// `Word::merge_all`: a heap of candidate merges, stale ones skipped when popped).
    private func merge(_ symbols: inout [Symbol]) {
        var heap = MergeHeap()
        func consider(_ left: Int) {
            let right = symbols[left].next
            guard right >= 0, let found = merges[UInt64(symbols[left].id) << 32 | UInt64(symbols[right].id)] else { return }
            heap.push(rank: Int(found >> 32), position: left, mergedID: Int(found & 0xFFFF_FFFF))
        }
        for i in symbols.indices { consider(i) }
        while let top = heap.pop() {
            let left = top.position
            guard symbols[left].alive, symbols[left].next >= 0 else { continue }
            let right = symbols[left].next
            guard let found = merges[UInt64(symbols[left].id) << 32 | UInt64(symbols[right].id)],
                  Int(found >> 32) == top.rank, Int(found & 0xFFFF_FFFF) == top.mergedID else { continue }
            symbols[left].id = top.mergedID
            symbols[left].end = symbols[right].end
            symbols[left].next = symbols[right].next
            symbols[right].alive = false
            if symbols[left].next >= 0 { symbols[symbols[left].next].previous = left }
            if symbols[left].previous >= 0 { consider(symbols[left].previous) }
            consider(left)
        }
    }
}

/// A min-heap of candidate merges ordered by rank, then position.
private struct MergeHeap {
    private var items: [(rank: Int, position: Int, mergedID: Int)] = []

    private static func less(_ a: (rank: Int, position: Int, mergedID: Int), _ b: (rank: Int, position: Int, mergedID: Int)) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.position < b.position
    }

    mutating func push(rank: Int, position: Int, mergedID: Int) {
        items.append((rank, position, mergedID))
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (rank: Int, position: Int, mergedID: Int)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var smallest = i
                if l < items.count && Self.less(items[l], items[smallest]) { smallest = l }
                if r < items.count && Self.less(items[r], items[smallest]) { smallest = r }
                if smallest == i { break }
                items.swapAt(i, smallest)
                i = smallest
            }
        }
        return top
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
