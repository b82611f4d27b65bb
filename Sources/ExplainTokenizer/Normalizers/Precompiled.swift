import Foundation

/// HF's `Precompiled` normalizer (tokenizers/src/normalizers/precompiled.rs): SentencePiece's charsmap applied
/// the way HF applies it — each grapheme shorter than 6 UTF-8 bytes is looked up whole first (the shortest
/// rule its bytes begin with replaces the whole grapheme), and otherwise each of its characters is looked up on
/// its own. Alignments follow HF's change codes, quirks included: a removal at the very start is not recorded,
/// which shifts every later character's alignment by one, in HF and so in ours.
struct Precompiled: Normalizer {
    let charsmap: PrecompiledCharsmap?

    init(json: JSONNode) throws {
        // A null charsmap (some converted files carry one) normalizes nothing.
        guard let field = json["precompiled_charsmap"] else {
            charsmap = nil
            return
        }
        let encoded = try field.string
        guard let blob = Data(base64Encoded: encoded) else {
            throw field.error("not base64")
        }
        do {
            charsmap = try PrecompiledCharsmap(Array(blob))
        } catch {
            throw field.error(error.description)
        }
    }

    init(charsmap: PrecompiledCharsmap?) {
        self.charsmap = charsmap
    }

    func normalize(_ text: inout NormalizedString) {
        guard let charsmap, !text.isEmpty else { return }
        let replacements = charsmap.replacementBytes
        var changes: [(Unicode.Scalar, Int)] = []
        changes.reserveCapacity(text.count)
        var modified = false
        var utf8: [UInt8] = []

        // HF's `replace`: the new characters replace the old ones in order; extra ones count as inserted, and
        // the last change entry (a previous character's, when the replacement is empty) absorbs removals.
        func push(_ replacement: Range<Int>, replacing oldCount: Int) {
            let new = String(decoding: replacements[replacement], as: UTF8.self).unicodeScalars
            for c in new { changes.append((c, 0)) }
            let difference = new.count - oldCount
            if difference > 0 {
                for k in (changes.count - difference)..<changes.count { changes[k].1 = 1 }
            } else if difference < 0, !changes.isEmpty {
                changes[changes.count - 1].1 += difference
            }
        }

        var view = String.UnicodeScalarView()
        view.append(contentsOf: text.scalars)
        let string = String(view)
        for grapheme in string {
            let scalars = grapheme.unicodeScalars
            utf8.removeAll(keepingCapacity: true)
            for s in scalars { Self.appendUTF8(s, to: &utf8) }
            if utf8.count < 6, let replacement = charsmap.replacement(forPrefixOf: utf8) {
                modified = true
                push(replacement, replacing: scalars.count)
                continue
            }
            for s in scalars {
                utf8.removeAll(keepingCapacity: true)
                Self.appendUTF8(s, to: &utf8)
                if let replacement = charsmap.replacement(forPrefixOf: utf8) {
                    modified = true
                    push(replacement, replacing: 1)
                } else {
                    changes.append((s, 0))
                }
            }
        }
        if modified { text.transform(changes) }
    }

    private static func appendUTF8(_ s: Unicode.Scalar, to bytes: inout [UInt8]) {
        let v = s.value
        switch v {
        case ..<0x80:
            bytes.append(UInt8(v))
        case ..<0x800:
            bytes.append(UInt8(0xC0 | v >> 6))
            bytes.append(UInt8(0x80 | v & 0x3F))
        case ..<0x10000:
            bytes.append(UInt8(0xE0 | v >> 12))
            bytes.append(UInt8(0x80 | (v >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        default:
            bytes.append(UInt8(0xF0 | v >> 18))
            bytes.append(UInt8(0x80 | (v >> 12) & 0x3F))
            bytes.append(UInt8(0x80 | (v >> 6) & 0x3F))
            bytes.append(UInt8(0x80 | v & 0x3F))
        }
    }
}
