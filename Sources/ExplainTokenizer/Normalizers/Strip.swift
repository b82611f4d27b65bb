/// HF's `Strip` (tokenizers/src/normalizers/strip.rs): whitespace removed from the left and/or right.
struct Strip: Normalizer {
    var left: Bool
    var right: Bool

    init(json: JSONNode) throws {
        left = try json.bool("strip_left", default: true)
        right = try json.bool("strip_right", default: true)
    }

    func normalize(_ text: inout NormalizedString) {
        text.strip(left: left, right: right)
    }
}
