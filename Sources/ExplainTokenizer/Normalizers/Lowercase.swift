/// HF's `Lowercase` (tokenizers/src/normalizers/utils.rs): Rust's `char::to_lowercase`, each character's full
/// mapping aligned to it.
struct Lowercase: Normalizer {
    func normalize(_ text: inout NormalizedString) {
        text.mapScalars { c in
            if c.value < 0x80 { return c.value >= 0x41 && c.value <= 0x5A ? [Unicode.Scalar(c.value + 0x20)!] : nil }
            return BertNormalizer.lowercaseMapping(of: c)
        }
    }
}
