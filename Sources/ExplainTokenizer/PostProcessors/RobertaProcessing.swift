/// HF's `RobertaProcessing` (tokenizers/src/processors/roberta.rs): offsets trimmed as ByteLevel does, then
/// <s> sequence </s>.
struct RobertaProcessing: PostProcessor {
    var cls: (token: String, id: Int)
    var sep: (token: String, id: Int)
    var offsets: ByteLevelOffsets

    init(json: JSONNode) throws {
        cls = try json["cls"].map(PostProcessors.tokenAndID) ?? ("<s>", 0)
        sep = try json["sep"].map(PostProcessors.tokenAndID) ?? ("</s>", 2)
        offsets = try ByteLevelOffsets(json: json)
    }

    var addedTokenCount: Int { 2 }
    var specialTokens: [(token: String, id: Int)] { [cls, sep] }

    func process(_ tokens: inout [Token]) {
        offsets.process(&tokens)
        tokens.insert(PostProcessors.special(cls.token, cls.id), at: 0)
        tokens.append(PostProcessors.special(sep.token, sep.id))
    }
}
