/// HF's `RobertaProcessing` (tokenizers/src/processors/roberta.rs): offsets trimmed as ByteLevel does, then
/// <s> A </s>, or <s> A </s> </s> B </s>, every type id 0.
struct RobertaProcessing: PostProcessor {
    var cls: (token: String, id: Int)
    var sep: (token: String, id: Int)
    var offsets: ByteLevelOffsets

    init(json: JSONNode) throws {
        cls = try json["cls"].map(PostProcessors.tokenAndID) ?? ("<s>", 0)
        sep = try json["sep"].map(PostProcessors.tokenAndID) ?? ("</s>", 2)
        offsets = try ByteLevelOffsets(json: json)
    }

    func addedTokenCount(pair: Bool) -> Int { pair ? 4 : 2 }
    var specialTokens: [(token: String, id: Int)] { [cls, sep] }

    func process(_ sequences: inout [[Token]]) {
        offsets.process(&sequences)
        var merged = [PostProcessors.special(cls.token, cls.id)] + PostProcessors.typed(sequences[0], 0)
            + [PostProcessors.special(sep.token, sep.id)]
        if sequences.count > 1 {
            merged += [PostProcessors.special(sep.token, sep.id)] + PostProcessors.typed(sequences[1], 0)
                + [PostProcessors.special(sep.token, sep.id)]
        }
        sequences = [merged]
    }
}
