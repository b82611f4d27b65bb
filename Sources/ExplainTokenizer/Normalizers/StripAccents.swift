/// HF's `StripAccents` (tokenizers/src/normalizers/strip.rs): every combining mark removed (Mn, Mc and Me, as
/// `is_combining_mark` has it; no decomposition of its own: it follows an NFD or NFKD to strip accents).
struct StripAccents: Normalizer {
    func normalize(_ text: inout NormalizedString) {
        text.filter { c in
            if c.value < 0x300 { return true }
            switch c.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return false
            default: return true
            }
        }
    }
}
