/// A normalizer changes the text before it is split, keeping every character's alignment to the original
/// (HF tokenizers/src/normalizers/). Decoded from tokenizer.json's `normalizer` by its `type` tag.
protocol Normalizer: Sendable {
    func normalize(_ text: inout NormalizedString)
}

enum Normalizers {
    /// Every normalizer by its `type` tag in tokenizer.json. A new normalizer is one file plus one line here.
    static let registry = PartRegistry<any Normalizer>(stage: "normalizer", makers: [
        "BertNormalizer": { try BertNormalizer(json: $0) },
        "Sequence": { try NormalizerSequence(json: $0) },
        "Precompiled": { try Precompiled(json: $0) },
        "NFC": { _ in UnicodeNormalizer(form: .nfc) },
        "NFD": { _ in UnicodeNormalizer(form: .nfd) },
        "NFKC": { _ in UnicodeNormalizer(form: .nfkc) },
        "NFKD": { _ in UnicodeNormalizer(form: .nfkd) },
        "Lowercase": { _ in Lowercase() },
        "Strip": { try Strip(json: $0) },
        "StripAccents": { _ in StripAccents() },
        "Replace": { try Replace(json: $0) },
        "Prepend": { try Prepend(json: $0) },
    ])

    static func decode(_ json: JSONNode) throws -> any Normalizer { try registry.decode(json) }
}

/// HF `normalizers::Sequence`: each normalizer in turn.
struct NormalizerSequence: Normalizer {
    var normalizers: [any Normalizer]

    init(json: JSONNode) throws {
        normalizers = try json.required("normalizers").elements.map(Normalizers.decode)
    }

    func normalize(_ text: inout NormalizedString) {
        for normalizer in normalizers { normalizer.normalize(&text) }
    }
}
