import Foundation

/// HF's `NFC`, `NFD`, `NFKC`, `NFKD` (tokenizers/src/normalizers/unicode.rs), with the alignments its
/// `unicode-normalization-alignments` crate gives: each character decomposes into its first scalar (change 0) and
/// the rest (+1, aligned to it); marks are reordered by combining class, carrying their changes; composing removes
/// the mark, whose input character the composed one then stands for too (so "e\u{301}" → "é" is aligned to the
/// "e", as HF has it).
struct UnicodeNormalizer: Normalizer {
    enum Form: String, Sendable { case nfc = "NFC", nfd = "NFD", nfkc = "NFKC", nfkd = "NFKD" }
    var form: Form

    private var compatibility: Bool { form == .nfkc || form == .nfkd }
    private var composes: Bool { form == .nfc || form == .nfkc }

    func normalize(_ text: inout NormalizedString) {
        // ASCII is in every normal form; so is most other text (checked once for the whole text, rather than
        // character by character).
        if text.scalars.allSatisfy({ $0.value < 0x80 }) || isNormalized(text.scalars) { return }
        var decompositions: [UInt32: [Unicode.Scalar]] = [:]
        var pieces: [(scalar: Unicode.Scalar, change: Int, ccc: UInt8)] = []
        pieces.reserveCapacity(text.count)
        for c in text.scalars {
            if c.value < 0x80 {
                pieces.append((c, 0, 0))
                continue
            }
            let decomposed: [Unicode.Scalar]
            if let known = decompositions[c.value] {
                decomposed = known
            } else {
                decomposed = decomposition(of: c)
                decompositions[c.value] = decomposed
            }
            for (k, s) in decomposed.enumerated() {
                pieces.append((s, k == 0 ? 0 : 1, s.properties.canonicalCombiningClass.rawValue))
            }
        }
        reorder(&pieces)
        if composes { compose(&pieces) }
        text.transform(pieces.map { ($0.scalar, $0.change) })
    }

    /// Whether the text is already in this form, so normalizing leaves every scalar and alignment as it is.
    private func isNormalized(_ scalars: [Unicode.Scalar]) -> Bool {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        let text = String(view)
        let normalized: String
        switch form {
        case .nfc: normalized = text.precomposedStringWithCanonicalMapping
        case .nfd: normalized = text.decomposedStringWithCanonicalMapping
        case .nfkc: normalized = text.precomposedStringWithCompatibilityMapping
        case .nfkd: normalized = text.decomposedStringWithCompatibilityMapping
        }
        return normalized.unicodeScalars.elementsEqual(scalars)
    }

    private func decomposition(of c: Unicode.Scalar) -> [Unicode.Scalar] {
        let s = String(c)
        return Array((compatibility ? s.decomposedStringWithCompatibilityMapping : s.decomposedStringWithCanonicalMapping)
            .unicodeScalars)
    }

    /// Canonical ordering: each run of marks sorted (stably) by combining class.
    private func reorder(_ pieces: inout [(scalar: Unicode.Scalar, change: Int, ccc: UInt8)]) {
        var i = 0
        while i < pieces.count {
            guard pieces[i].ccc != 0 else { i += 1; continue }
            var end = i
            while end < pieces.count && pieces[end].ccc != 0 { end += 1 }
            if end - i > 1 {
                let sorted = pieces[i..<end].enumerated().sorted { ($0.element.ccc, $0.offset) < ($1.element.ccc, $1.offset) }
                pieces.replaceSubrange(i..<end, with: sorted.map(\.element))
            }
            i = end
        }
    }

    /// Hangul syllables compose algorithmically (L+V, LV+T); Foundation on Linux misses LV+T.
    static func hangulComposite(_ a: Unicode.Scalar, _ b: Unicode.Scalar) -> Unicode.Scalar? {
        let (x, y) = (a.value, b.value)
        if (0x1100...0x1112).contains(x) && (0x1161...0x1175).contains(y) {
            return Unicode.Scalar(0xAC00 + ((x - 0x1100) * 21 + (y - 0x1161)) * 28)
        }
        if (0xAC00...0xD7A3).contains(x) && (x - 0xAC00) % 28 == 0 && (0x11A8...0x11C2).contains(y) {
            return Unicode.Scalar(x + (y - 0x11A7))
        }
        return nil
    }

    /// Canonical composition: a character joins the last starter when nothing between blocks it.
    private func compose(_ pieces: inout [(scalar: Unicode.Scalar, change: Int, ccc: UInt8)]) {
        var result: [(scalar: Unicode.Scalar, change: Int, ccc: UInt8)] = []
        result.reserveCapacity(pieces.count)
        var starter: Int?
        var pairs: [UInt64: Unicode.Scalar?] = [:]
        for piece in pieces {
            if let s = starter, piece.scalar.value >= 0x300 || result[s].scalar.value >= 0x80 {
                let previous = result.count - 1 == s ? nil : result.last!.ccc
                if previous == nil || (previous! != 0 && previous! < piece.ccc) {
                    let key = UInt64(result[s].scalar.value) << 32 | UInt64(piece.scalar.value)
                    let composite: Unicode.Scalar?
                    if let hangul = Self.hangulComposite(result[s].scalar, piece.scalar) {
                        composite = hangul
                    } else if let known = pairs[key] {
                        composite = known
                    } else {
                        let joined = Array((String(result[s].scalar) + String(piece.scalar)).precomposedStringWithCanonicalMapping.unicodeScalars)
                        composite = joined.count == 1 ? joined[0] : nil
                        pairs[key] = composite
                    }
                    if let composite {
                        result[s].scalar = composite
                        if piece.change <= 0 { result[s].change -= 1 - piece.change }
                        continue
                    }
                }
            }
            if piece.ccc == 0 { starter = result.count }
            result.append(piece)
        }
        pieces = result
    }
}
