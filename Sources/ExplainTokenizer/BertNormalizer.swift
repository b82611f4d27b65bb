import Foundation

/// Normalized text in which every scalar remembers the original scalar it came from, which is what HF's
/// `NormalizedString` alignments reduce to for BERT: each of its steps maps one original character to zero or
/// more characters (a removed control, NFD's base plus marks, 'İ' lowercased to "i̇", a CJK ideograph with a
/// space on each side), and every character it produces is aligned to the whole source character.
struct NormalizedText {
    var scalars: [Unicode.Scalar] = []
    /// Index, in the original text's scalars, of the character each normalized scalar comes from.
    var origins: [Int] = []

    mutating func reserve(_ count: Int) {
        scalars.reserveCapacity(count)
        origins.reserveCapacity(count)
    }
}

/// HF's `BertNormalizer` (tokenizers/src/normalizers/bert.rs): clean text, space CJK ideographs, strip accents
/// (NFD, then drop Mn), lowercase, in that order.
struct BertNormalizer: Sendable, Equatable {
    /// Drop NUL, U+FFFD and controls; turn every whitespace character into " ".
    var cleanText: Bool
    var handleChineseChars: Bool
    /// Resolved already: tokenizer.json's `strip_accents: null` means "follow lowercase".
    var stripAccents: Bool
    var lowercase: Bool

    static let identity = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false,
                                         lowercase: false)

    /// Normalizes `original[range]`, appending to `out`. `cache` holds the normalized form of non-ASCII
    /// characters already seen in this call, so long texts pay for Foundation's NFD once per distinct character.
    func normalize(_ original: [Unicode.Scalar], _ range: Range<Int>, into out: inout NormalizedText,
                   cache: inout [UInt32: [Unicode.Scalar]]) {
        for i in range {
            let c = original[i]
            let v = c.value
            if v < 0x80 {
                if cleanText {
                    if v == 0 || CharacterClasses.isControl(c) { continue }
                    if CharacterClasses.isWhitespace(c) {
                        out.scalars.append(" ")
                        out.origins.append(i)
                        continue
                    }
                }
                let lowered = lowercase && v >= 0x41 && v <= 0x5A ? Unicode.Scalar(v + 0x20)! : c
                out.scalars.append(lowered)
                out.origins.append(i)
                continue
            }
            let form: [Unicode.Scalar]
            if let cached = cache[v] {
                form = cached
            } else {
                form = normalizedForm(of: c)
                cache[v] = form
            }
            for s in form {
                out.scalars.append(s)
                out.origins.append(i)
            }
        }
    }

    /// What the normalizer makes of one character. Composing the steps per character is exact because each step
    /// is per character; the one exception is NFD's canonical reordering of marks across characters, which only
    /// matters for reordered marks that are not removed (non-Mn marks with a combining class, e.g. U+1D165).
    func normalizedForm(of c: Unicode.Scalar) -> [Unicode.Scalar] {
        if cleanText {
            if c.value == 0 || c.value == 0xFFFD || CharacterClasses.isControl(c) { return [] }
            if CharacterClasses.isWhitespace(c) { return [" "] }
        }
        var form: [Unicode.Scalar] = [c]
        if stripAccents {
            form = Self.canonicalDecomposition(of: c).filter { !CharacterClasses.isNonspacingMark($0) }
        }
        if lowercase {
            form = form.flatMap { Self.lowercaseMapping(of: $0) }
        }
        if handleChineseChars && CharacterClasses.isChinese(c) {
            return [" "] + form + [" "]
        }
        return form
    }

    /// NFD of one character, as tokenizers' (older) decomposition tables have it.
    static func canonicalDecomposition(of c: Unicode.Scalar) -> [Unicode.Scalar] {
        if c.value < 0xC0 || CharacterClasses.isWithoutDecomposition(c) { return [c] }
        return Array(String(Character(c)).decomposedStringWithCanonicalMapping.unicodeScalars)
    }

    /// Full lowercase mapping, as Rust's `char::to_lowercase` (no context: a final Σ becomes σ, not ς).
    static func lowercaseMapping(of c: Unicode.Scalar) -> [Unicode.Scalar] {
        if c.value < 0x80 {
            return c.value >= 0x41 && c.value <= 0x5A ? [Unicode.Scalar(c.value + 0x20)!] : [c]
        }
        return Array(c.properties.lowercaseMapping.unicodeScalars)
    }
}
