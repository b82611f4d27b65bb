/// HF's `BertProcessing` (tokenizers/src/processors/bert.rs): [CLS] A [SEP], or [CLS] A [SEP] B [SEP] with
/// B and its [SEP] of type 1.
struct BertProcessing: PostProcessor {
    var cls: (token: String, id: Int)
    var sep: (token: String, id: Int)

    init(cls: (token: String, id: Int), sep: (token: String, id: Int)) {
        self.cls = cls
        self.sep = sep
    }

    init(json: JSONNode) throws {
        cls = try PostProcessors.tokenAndID(json.required("cls"))
        sep = try PostProcessors.tokenAndID(json.required("sep"))
    }

    func addedTokenCount(pair: Bool) -> Int { pair ? 3 : 2 }
    var specialTokens: [(token: String, id: Int)] { [cls, sep] }

    func process(_ sequences: inout [[Token]]) {
        var merged = [PostProcessors.special(cls.token, cls.id)] + PostProcessors.typed(sequences[0], 0)
            + [PostProcessors.special(sep.token, sep.id)]
        if sequences.count > 1 {
            merged += PostProcessors.typed(sequences[1], 1) + [PostProcessors.special(sep.token, sep.id, typeID: 1)]
        }
        sequences = [merged]
    }
}
