/// An open-addressing hash table from integer keys to integers (the vocabulary trie's edges, BPE's merges): a
/// lookup per character is the tokenizer's innermost step, and `Dictionary`'s seeded SipHash costs several times
/// this multiplicative hash.
struct IntegerTable: Sendable {
    private static let empty = UInt64.max  // no key may be this
    private var keys = [UInt64](repeating: IntegerTable.empty, count: 1024)
    private var values = [Int64](repeating: 0, count: 1024)
    private var count = 0
    private var shift: UInt64 = 64 - 10

    subscript(key: UInt64) -> Int64? {
        var slot = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
        let mask = keys.count - 1
        while true {
            let k = keys[slot]
            if k == key { return values[slot] }
            if k == Self.empty { return nil }
            slot = (slot + 1) & mask
        }
    }

    mutating func insert(_ key: UInt64, _ value: Int64) {
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
        values = [Int64](repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        count = 0
        for (k, v) in zip(oldKeys, oldValues) where k != Self.empty { insert(k, v) }
    }
}
