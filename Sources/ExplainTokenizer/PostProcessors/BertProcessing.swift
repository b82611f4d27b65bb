/// HF's `BertProcessing` (tokenizers/src/processors/bert.rs): [CLS] sequence [SEP].
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

    var addedTokenCount: Int { 2 }
    var specialTokens: [(token: String, id: Int)] { [cls, sep] }

    func process(_ tokens: inout [Token]) {
        tokens.insert(PostProcessors.special(cls.token, cls.id), at: 0)
        tokens.append(PostProcessors.special(sep.token, sep.id))
    }
}
