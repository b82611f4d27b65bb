/// The parts of one stage of the pipeline (normalizers, pre-tokenizers, models, post-processors) by their
/// `type` tag in tokenizer.json. An unknown tag is an error that names it, as in HF tokenizers.
struct PartRegistry<Part> {
    /// "normalizer", "pre-tokenizer", …: how the error names the stage.
    let stage: String
    let makers: [String: (JSONNode) throws -> Part]

    func decode(_ json: JSONNode, tag: String) throws -> Part {
        guard let make = makers[tag] else { throw json.error("unknown \(stage) type \"\(tag)\"") }
        return try make(json)
    }

    func decode(_ json: JSONNode) throws -> Part { try decode(json, tag: json.typeTag) }
}
