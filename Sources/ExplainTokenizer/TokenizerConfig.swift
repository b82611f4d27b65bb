import Foundation

/// `tokenizer_config.json` of transformers: the options of the vocab.txt path and the model's maximum length.
struct TokenizerConfigJSON: Decodable {
    var doLowerCase: Bool?
    var stripAccents: Bool?
    var tokenizeChineseChars: Bool?
    var modelMaxLength: Double?
    var unkToken: TokenName?
    var clsToken: TokenName?
    var sepToken: TokenName?
    var padToken: TokenName?
    var maskToken: TokenName?

    enum CodingKeys: String, CodingKey {
        case doLowerCase = "do_lower_case", stripAccents = "strip_accents"
        case tokenizeChineseChars = "tokenize_chinese_chars", modelMaxLength = "model_max_length"
        case unkToken = "unk_token", clsToken = "cls_token", sepToken = "sep_token", padToken = "pad_token"
        case maskToken = "mask_token"
    }

    /// A special token's name: a string, or an AddedToken object `{"content": "[CLS]", ...}`.
    struct TokenName: Decodable {
        var content: String

        enum CodingKeys: String, CodingKey { case content }

        init(from decoder: Decoder) throws {
            if let name = try? decoder.singleValueContainer().decode(String.self) {
                content = name
            } else {
                content = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .content)
            }
        }
    }
}
