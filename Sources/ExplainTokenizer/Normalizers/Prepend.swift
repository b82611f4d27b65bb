/// HF's `Prepend` (tokenizers/src/normalizers/prepend.rs): a string put before any non-empty text, aligned to the
/// first character.
struct Prepend: Normalizer {
    var prefix: [Unicode.Scalar]

    init(json: JSONNode) throws {
        prefix = Array(try json.required("prepend").string.unicodeScalars)
    }

    func normalize(_ text: inout NormalizedString) {
        text.prepend(prefix)
    }
}
