import Foundation

/// The parts of HF's fast-tokenizer file (`tokenizer.json`) a BERT WordPiece tokenizer uses.
/// Fields left out of a file take the defaults of tokenizers' Rust deserializers.
struct TokenizerJSON: Decodable {
    var addedTokens: [AddedTokenJSON]?
    var normalizer: NormalizerJSON?
    var preTokenizer: PreTokenizerJSON?
    var model: ModelJSON
    var postProcessor: PostProcessorJSON?
    var truncation: TruncationJSON?

    enum CodingKeys: String, CodingKey {
        case addedTokens = "added_tokens", normalizer, preTokenizer = "pre_tokenizer", model
        case postProcessor = "post_processor", truncation
    }

    struct AddedTokenJSON: Decodable {
        var id: Int
        var content: String
        var singleWord: Bool?
        var lstrip: Bool?
        var rstrip: Bool?
        var normalized: Bool?
        var special: Bool?

        enum CodingKeys: String, CodingKey {
            case id, content, singleWord = "single_word", lstrip, rstrip, normalized, special
        }
    }

    struct NormalizerJSON: Decodable {
        var type: String
        var cleanText: Bool?
        var handleChineseChars: Bool?
        var stripAccents: Bool?
        var lowercase: Bool?

        enum CodingKeys: String, CodingKey {
            case type, cleanText = "clean_text", handleChineseChars = "handle_chinese_chars"
            case stripAccents = "strip_accents", lowercase
        }
    }

    /// BertPreTokenizer, WhitespaceSplit, Punctuation, or a Sequence of them.
    struct PreTokenizerJSON: Decodable {
        var type: String
        var behavior: String?
        var pretokenizers: [PreTokenizerJSON]?
    }

    struct ModelJSON: Decodable {
        var type: String?
        /// Read as numbers to name a non-integer id precisely (JSONDecoder reports those as invalid JSON).
        var vocab: [String: Double]
        var unkToken: String?
        var continuingSubwordPrefix: String?
        var maxInputCharsPerWord: Int?

        enum CodingKeys: String, CodingKey {
            case type, vocab, unkToken = "unk_token", continuingSubwordPrefix = "continuing_subword_prefix"
            case maxInputCharsPerWord = "max_input_chars_per_word"
        }
    }

    /// TemplateProcessing (`single`, `special_tokens`) or BertProcessing (`cls`, `sep` as [token, id] pairs).
    struct PostProcessorJSON: Decodable {
        var type: String
        var single: [TemplatePiece]?
        var specialTokens: [String: SpecialTokenJSON]?
        var cls: TokenAndID?
        var sep: TokenAndID?

        enum CodingKeys: String, CodingKey {
            case type, single, specialTokens = "special_tokens", cls, sep
        }
    }

    /// `{"SpecialToken": {"id": "[CLS]", ...}}` or `{"Sequence": {"id": "A", ...}}`.
    struct TemplatePiece: Decodable {
        var specialToken: Named?
        var sequence: Named?

        struct Named: Decodable { var id: String }

        enum CodingKeys: String, CodingKey {
            case specialToken = "SpecialToken", sequence = "Sequence"
        }
    }

    struct SpecialTokenJSON: Decodable {
        var id: String
        var ids: [Int]
        var tokens: [String]
    }

    /// A `["[CLS]", 101]` pair.
    struct TokenAndID: Decodable {
        var token: String
        var id: Int

        init(from decoder: Decoder) throws {
            var pair = try decoder.unkeyedContainer()
            token = try pair.decode(String.self)
            id = try pair.decode(Int.self)
        }
    }

    struct TruncationJSON: Decodable {
        var maxLength: Int?

        enum CodingKeys: String, CodingKey {
            case maxLength = "max_length"
        }
    }
}

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

extension DecodingError {
    /// "model.vocab.hello: expected Int" rather than Foundation's debug dump.
    var readableReason: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch self {
        case .typeMismatch(let type, let context):
            return "\(path(context)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context)): expected \(type), found null"
        case .keyNotFound(let key, let context):
            return "\(path(context)): missing field \"\(key.stringValue)\""
        case .dataCorrupted(let context):
            let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
            return "\(path(context)): \(context.debugDescription)\(underlying)"
        @unknown default:
            return "\(self)"
        }
    }
}
