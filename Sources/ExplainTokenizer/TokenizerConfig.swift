/// `tokenizer_config.json` (and `special_tokens_map.json`) of transformers: the options of the vocab.txt path, the
/// special tokens' names and the model's maximum length.
struct TokenizerConfig {
    var doLowerCase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseChars: Bool?
    var addPrefixSpace: Bool?
    var trimOffsets: Bool?
    var modelMaxLength: Double?
    var tokenizerClass: String?
    var unkToken: String?, clsToken: String?, sepToken: String?, padToken: String?, maskToken: String?
    var bosToken: String?, eosToken: String?

    init(json: JSONNode) throws {
        _ = try json.members  // an object, or an error saying what it is instead
        doLowerCase = try json.bool("do_lower_case")
        stripAccents = try json.bool("strip_accents")
        tokenizeChineseChars = try json.bool("tokenize_chinese_chars")
        addPrefixSpace = try json.bool("add_prefix_space")
        trimOffsets = try json.bool("trim_offsets")
        modelMaxLength = try json["model_max_length"]?.number
        tokenizerClass = try json.string("tokenizer_class")
        func name(_ key: String) throws -> String? {
            // A name, or an AddedToken object {"content": "[CLS]", ...}.
            guard let node = json[key] else { return nil }
            if case .string(let name) = node.value { return name }
            return try node.required("content").string
        }
        unkToken = try name("unk_token")
        clsToken = try name("cls_token")
        sepToken = try name("sep_token")
        padToken = try name("pad_token")
        maskToken = try name("mask_token")
        bosToken = try name("bos_token")
        eosToken = try name("eos_token")
    }
}
