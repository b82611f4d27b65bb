import Foundation

/// HF's `BertNormalizer` (tokenizers/src/normalizers/bert.rs): clean text, space CJK ideographs, strip accents
/// (NFD, then drop Mn), lowercase, in that order.
struct BertNormalizer: Normalizer, Equatable {
    /// Drop NUL, U+FFFD and controls; turn every whitespace character into " ".
    var cleanText: Bool
    var handleChineseChars: Bool
    /// Resolved already: tokenizer.json's `strip_accents: null` means "follow lowercase".
    var stripAccents: Bool
    var lowercase: Bool

    static let identity = BertNormalizer(cleanText: false, handleChineseChars: false, stripAccents: false,
                                         lowercase: false)

    init(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents
        self.lowercase = lowercase
    }

    init(json: JSONNode) throws {
        let lowercase = try json.bool("lowercase", default: true)
        self.init(cleanText: try json.bool("clean_text", default: true),
                  handleChineseChars: try json.bool("handle_chinese_chars", default: true),
                  stripAccents: try json.bool("strip_accents") ?? lowercase, lowercase: lowercase)
    }

    /// Character by character, each output aligned to its source character, which is what HF's steps amount to
    /// (see `normalizedForm`). The normalized form of non-ASCII characters is cached per call, so long texts pay
    /// for Foundation's NFD once per distinct character.
    func normalize(_ text: inout NormalizedString) {
        var cache: [UInt32: [Unicode.Scalar]] = [:]
        text.mapScalars { c in
            let v = c.value
            if v < 0x80 {
                if cleanText {
                    if v == 0 || CharacterClasses.isControl(c) { return [] }
                    if CharacterClasses.isWhitespace(c) { return v == 0x20 ? nil : [" "] }
                }
                return lowercase && v >= 0x41 && v <= 0x5A ? [Unicode.Scalar(v + 0x20)!] : nil
            }
            if let cached = cache[v] { return cached }
            let form = normalizedForm(of: c)
            cache[v] = form
            return form
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
