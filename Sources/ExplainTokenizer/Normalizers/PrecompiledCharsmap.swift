/// SentencePiece's precompiled normalization rules (`NormalizerSpec.precompiled_charsmap`): a little-endian
/// u32 giving the trie's size in bytes, a darts-clone double-array trie over UTF-8 whose values are offsets,
/// then the NUL-separated UTF-8 replacement strings those offsets point into. Read as HF's `spm_precompiled`
/// crate reads it, and checked on the way in so that no lookup can leave the blob: HF panics where we refuse.
struct PrecompiledCharsmap: Sendable {
    /// The double array: each unit packs a label (low byte, or bit 31 for value units), a has-leaf flag
    /// (bit 8) and an offset to the node's children (bits 10–31, shifted by 8 more when bit 9 is set).
    private let units: [UInt32]
    /// The replacement strings, each ended by NUL (or the end of the blob).
    private let replacements: [UInt8]

    struct FormatError: Error, CustomStringConvertible {
        var reason: String
        var description: String { "precompiled_charsmap: \(reason)" }
    }

    init(_ blob: [UInt8]) throws(FormatError) {
        guard blob.count >= 4 else {
            throw FormatError(reason: "\(blob.count) bytes, shorter than its 4-byte header")
        }
        let trieSize = Int(UInt32(blob[0]) | UInt32(blob[1]) << 8 | UInt32(blob[2]) << 16 | UInt32(blob[3]) << 24)
        guard trieSize > 0, trieSize % 4 == 0 else {
            throw FormatError(reason: "a trie of \(trieSize) bytes (must be a positive multiple of 4)")
        }
        guard trieSize <= blob.count - 4 else {
            throw FormatError(reason: "the header announces a trie of \(trieSize) bytes but only \(blob.count - 4) follow")
        }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for i in units.indices {
            let p = 4 + 4 * i
            units[i] = UInt32(blob[p]) | UInt32(blob[p + 1]) << 8 | UInt32(blob[p + 2]) << 16 | UInt32(blob[p + 3]) << 24
        }
        let replacements = Array(blob[(4 + trieSize)...])
        guard String(validating: replacements, as: UTF8.self) != nil else {
            throw FormatError(reason: "the replacement strings are not UTF-8")
        }
        // Every value a walk can reach sits behind a unit with the has-leaf flag: it must lie inside the trie
        // and point at the start of a character inside the replacement strings.
        for (index, unit) in units.enumerated() where Self.label(unit) < 256 && Self.hasLeaf(unit) {
            let valueIndex = index ^ Self.offset(unit)
            guard valueIndex < units.count else {
                throw FormatError(reason: "trie unit \(index) points outside the trie (\(valueIndex) ≥ \(units.count))")
            }
            let value = Self.value(units[valueIndex])
            guard value <= replacements.count else {
                throw FormatError(reason: "trie unit \(index) points outside the replacement strings "
                                    + "(\(value) > \(replacements.count))")
            }
            guard value == replacements.count || replacements[value] & 0xC0 != 0x80 else {
                throw FormatError(reason: "trie unit \(index) points inside a character of the replacement strings")
            }
        }
        self.units = units
        self.replacements = replacements
    }

    private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    private static func value(_ unit: UInt32) -> Int { Int(unit & 0x7FFF_FFFF) }
    private static func label(_ unit: UInt32) -> UInt32 { unit & 0x8000_00FF }
    private static func offset(_ unit: UInt32) -> Int { Int((unit >> 10) << ((unit & (1 << 9)) >> 6)) }

    /// The replacement of the shortest rule whose key is a prefix of `key` (HF's `transform` takes the first
    /// result of a common-prefix search), as a range of `replacementBytes`; nil when no rule applies. The walk
    /// stops at a NUL byte, as darts-clone's does.
    func replacement<C: Collection>(forPrefixOf key: C) -> Range<Int>? where C.Element == UInt8 {
        var position = Self.offset(units[0])
        for byte in key {
            if byte == 0 { return nil }
            position ^= Int(byte)
            guard position < units.count else { return nil }
            let unit = units[position]
            guard Self.label(unit) == UInt32(byte) else { return nil }
            position ^= Self.offset(unit)
            if Self.hasLeaf(unit) {
                // Checked at load: the value unit and the start of its string are in bounds.
                let start = Self.value(units[position])
                var end = start
                while end < replacements.count && replacements[end] != 0 { end += 1 }
                return start..<end
            }
        }
        return nil
    }

    /// The bytes `replacement(forPrefixOf:)` ranges index.
    var replacementBytes: [UInt8] { replacements }
}
