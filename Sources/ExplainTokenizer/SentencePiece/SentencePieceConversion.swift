import ExplainJSON
import Foundation

/// A directory that ships a SentencePiece model but no tokenizer.json: the tokenizer.json transformers 5 would
/// build from it (`TokenizersBackend.convert_to_native_format` → `SentencePieceExtractor`, the converter's
/// `convert_from_spm`, then the tokenizer class's `__init__`), written as the JSON tree the tokenizer.json path
/// reads, so both paths share one decoder. Families as in transformers:
///   * XLMRobertaTokenizer (`sentencepiece.bpe.model`): fairseq ids — `<s> <pad> </s> <unk>`, the pieces from
///     the fourth on (one id higher than in the model), `<mask>` last; Precompiled; WhitespaceSplit + Metaspace.
///   * AlbertTokenizer (`spiece.model`): the pieces as they are, unk id 1; `` and '' to ", NFKD + StripAccents
///     unless keep_accents, Lowercase if do_lower_case, Precompiled; WhitespaceSplit + Metaspace.
///   * DebertaV2Tokenizer (`spm.model`): the pieces as they are; Lowercase if do_lower_case, runs of spaces and
///     \n\r\t to one space, NFC, right strip; Punctuation if split_by_punct, Metaspace (`first` without prefix space).
///   * any other (`tokenizer.model`): `SpmConverter.build_tokenizer_from_spm_proto`, which follows the model's
///     own normalizer spec; Unigram or BPE as the model was trained.
enum SentencePieceConversion {
    enum Family: String, CaseIterable {
        case xlmRoberta = "XLMRobertaTokenizer", albert = "AlbertTokenizer", debertaV2 = "DebertaV2Tokenizer"
        case generic = "TokenizersBackend"

        /// The file transformers' class looks for.
        var modelFileName: String {
            switch self {
            case .xlmRoberta: return "sentencepiece.bpe.model"
            case .albert: return "spiece.model"
            case .debertaV2: return "spm.model"
            case .generic: return "tokenizer.model"
            }
        }

        /// `tokenizer_config.json`'s `tokenizer_class` (with or without "Fast"), else `config.json`'s `model_type`.
        init?(tokenizerClass: String) {
            let name = tokenizerClass.hasSuffix("Fast") ? String(tokenizerClass.dropLast(4)) : tokenizerClass
            guard let family = Family(rawValue: name) else { return nil }
            self = family
        }

        init?(modelType: String) {
            switch modelType {
            case "xlm-roberta": self = .xlmRoberta
            case "albert": self = .albert
            case "deberta-v2": self = .debertaV2
            default: return nil
            }
        }
    }

    /// The SentencePiece files looked for, in order, when there is no tokenizer.json.
    static let modelFileNames = Family.allCases.map(\.modelFileName)

    /// The options of tokenizer_config.json the classes read, with their defaults.
    struct Options {
        var tokens: [String: String] = [:]  // "bos_token" -> "<s>", ...
        var addPrefixSpace = true
        var doLowerCase: Bool?
        var keepAccents = false
        var splitByPunct = false
        var legacy = true
    }

    /// Which family a directory is, and its model file; nil when it has no SentencePiece model.
    static func locate(in directory: URL, tokenizerClass: String?, modelType: String?) throws -> (Family, URL)? {
        let exists = { (name: String) in FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) }
        if let tokenizerClass {
            guard let family = Family(tokenizerClass: tokenizerClass) else {
                guard let found = modelFileNames.first(where: exists) else { return nil }
                throw TokenizerError.malformed(
                    file: directory.appendingPathComponent("tokenizer_config.json").path,
                    reason: "tokenizer_class \"\(tokenizerClass)\" from \(found) alone is not supported (only "
                        + Family.allCases.map(\.rawValue).joined(separator: ", ") + "); add its tokenizer.json")
            }
            if exists(family.modelFileName) { return (family, directory.appendingPathComponent(family.modelFileName)) }
            guard let found = modelFileNames.first(where: exists) else { return nil }
            return (family, directory.appendingPathComponent(found))
        }
        if let modelType, let family = Family(modelType: modelType) {
            if exists(family.modelFileName) { return (family, directory.appendingPathComponent(family.modelFileName)) }
            guard let found = modelFileNames.first(where: exists) else { return nil }
            return (family, directory.appendingPathComponent(found))
        }
        guard let found = Family.allCases.first(where: { exists($0.modelFileName) }) else { return nil }
        return (found, directory.appendingPathComponent(found.modelFileName))
    }

    typealias Value = JSONNode.Value

    /// The tokenizer of a directory whose only tokenizer file is a SentencePiece model; nil when it has none.
    static func load(directory: URL, config: TokenizerConfig?, names: SpecialTokenNames) throws -> Tokenizer? {
        let modelType = try? readJSON(directory.appendingPathComponent("config.json"))?.string("model_type")
        guard let (family, file) = try locate(in: directory, tokenizerClass: config?.tokenizerClass,
                                              modelType: modelType) else { return nil }
        let model: SentencePieceModelFile
        do {
            model = try SentencePieceModelFile(Array(try TokenizerFiles.read(file)))
        } catch let error as SentencePieceModelFile.FormatError {
            throw TokenizerError.malformed(file: file.path, reason: error.reason)
        }
        var options = Options()
        if let config {
            for (key, name) in [("bos_token", config.bosToken), ("eos_token", config.eosToken), ("unk_token", config.unkToken),
                                ("sep_token", config.sepToken), ("pad_token", config.padToken), ("cls_token", config.clsToken),
                                ("mask_token", config.maskToken)] {
                options.tokens[key] = name
            }
            options.addPrefixSpace = config.addPrefixSpace ?? true
            options.doLowerCase = config.doLowerCase
        }
        // The flags only these classes read.
        if let settings = try readJSON(directory.appendingPathComponent("tokenizer_config.json")) {
            do {
                options.keepAccents = try settings.bool("keep_accents", default: false)
                options.splitByPunct = try settings.bool("split_by_punct", default: false)
                options.legacy = try settings.bool("legacy", default: true)
            } catch let error as FieldError {
                throw TokenizerError.malformed(file: directory.appendingPathComponent("tokenizer_config.json").path,
                                               reason: error.description)
            }
        }
        do {
            let (json, tokens) = try tokenizerJSON(model, family: family, options: options)
            var names = names
            if let name = tokens["unk_token"] { names.unk = name }
            if let name = tokens["cls_token"] { names.cls = name }
            if let name = tokens["sep_token"] { names.sep = name }
            if let name = tokens["pad_token"] { names.pad = name }
            if let name = tokens["mask_token"] { names.mask = name }
            return try TokenizerFiles.fromTokenizerJSON(JSONNode(json), file: file, config: config, names: names)
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: file.path, reason: "as \(family.rawValue): \(error.description)")
        } catch let error as FormatError {
            throw TokenizerError.malformed(file: file.path, reason: error.reason)
        }
    }

    private static func readJSON(_ file: URL) throws -> JSONNode? {
        // The config files are read whole by TokenizerFiles; these are the few fields it has no use for.
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        do {
            return try JSONNode.parse(try TokenizerFiles.read(file))
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: file.path, reason: error.description)
        }
    }

    /// The tokenizer.json transformers writes for `model` as `family`, and the names of its special tokens.
    static func tokenizerJSON(_ model: SentencePieceModelFile, family: Family, options: Options) throws
        -> (Value, tokens: [String: String]) {
        let pieces = model.pieces
        // (Not `nil`: JSONValue takes a nil literal as JSON null.)
        let charsmap: Value? = model.normalizerSpec.precompiledCharsmap.isEmpty ? Optional.none
            : object(["type": "Precompiled",
                      "precompiled_charsmap": .string(Data(model.normalizerSpec.precompiledCharsmap).base64EncodedString())])
        var tokens = options.tokens
        /// The class's own special tokens, where tokenizer_config.json names none.
        func defaultTokens(_ defaults: KeyValuePairs<String, String>) {
            for (key, value) in defaults where tokens[key] == nil { tokens[key] = value }
        }
        var vocabulary: [(String, Double)] = pieces.map { ($0.piece, Double($0.score)) }
        var unknownID = Int(model.trainerSpec.unkID)
        var normalizer: Value?
        var preTokenizer: Value?
        var template: [String] = []  // the special tokens around $A, in order
        let metaspace = { (scheme: String, split: Bool) in
            object(["type": .string("Metaspace"), "replacement": .string("\u{2581}"),
                    "prepend_scheme": .string(scheme), "split": .bool(split)])
        }
        let whitespaceSplit = object(["type": .string("WhitespaceSplit")])
        let prependScheme = options.addPrefixSpace ? "always" : "never"

        switch family {
        case .xlmRoberta:
            defaultTokens(["bos_token": "<s>", "pad_token": "<pad>", "eos_token": "</s>", "unk_token": "<unk>",
                           "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>"])
            vocabulary = [(tokens["bos_token"]!, 0), (tokens["pad_token"]!, 0), (tokens["eos_token"]!, 0),
                          (tokens["unk_token"]!, 0)]
                + pieces.dropFirst(3).map { ($0.piece, Double($0.score)) } + [(tokens["mask_token"]!, 0)]
            unknownID = 3
            normalizer = charsmap
            preTokenizer = sequence("pretokenizers", "Sequence", [whitespaceSplit, metaspace(prependScheme, true)])
            template = [tokens["bos_token"]!, tokens["eos_token"]!]
        case .albert:
            defaultTokens(["bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>", "sep_token": "[SEP]",
                           "pad_token": "<pad>", "cls_token": "[CLS]", "mask_token": "[MASK]"])
            unknownID = 1
            var steps = [replace(string: "``", "\""), replace(string: "''", "\"")]
            if !options.keepAccents { steps += [object(["type": .string("NFKD")]), object(["type": .string("StripAccents")])] }
            if options.doLowerCase ?? true { steps.append(object(["type": .string("Lowercase")])) }
            if let charsmap { steps.append(charsmap) }
            normalizer = sequence("normalizers", "Sequence", steps)
            preTokenizer = sequence("pretokenizers", "Sequence", [whitespaceSplit, metaspace(prependScheme, true)])
            template = [tokens["cls_token"]!, tokens["sep_token"]!]
        case .debertaV2:
            defaultTokens(["bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "[UNK]", "sep_token": "[SEP]",
                           "pad_token": "[PAD]", "cls_token": "[CLS]", "mask_token": "[MASK]"])
            if let index = pieces.firstIndex(where: { $0.piece == tokens["unk_token"]! && $0.score == 0 }) { unknownID = index }
            var steps: [Value] = []
            if options.doLowerCase ?? false { steps.append(object(["type": .string("Lowercase")])) }
            steps += [replace(regex: "\\s{2,}|[\\n\\r\\t]", " "), object(["type": .string("NFC")]),
                      object(["type": .string("Strip"), "strip_left": .bool(false), "strip_right": .bool(true)])]
            normalizer = sequence("normalizers", "Sequence", steps)
            var splitters: [Value] = []
            if options.splitByPunct { splitters.append(object(["type": .string("Punctuation"), "behavior": .string("Isolated")])) }
            splitters.append(metaspace(options.addPrefixSpace ? "always" : "first", true))
            preTokenizer = sequence("pretokenizers", "Sequence", splitters)
            template = [tokens["cls_token"]!, tokens["sep_token"]!]
        case .generic:
            let spec = model.normalizerSpec, trainer = model.trainerSpec
            if trainer.bosID >= 0, tokens["bos_token"] == nil { tokens["bos_token"] = trainer.bosPiece }
            if trainer.eosID >= 0, tokens["eos_token"] == nil { tokens["eos_token"] = trainer.eosPiece }
            if trainer.unkID >= 0, tokens["unk_token"] == nil { tokens["unk_token"] = trainer.unkPiece }
            var steps: [Value] = []
            if let charsmap { steps.append(charsmap) }
            if spec.removeExtraWhitespaces {
                steps += [replace(regex: "\\A +| +\\z", ""), replace(regex: " {2,}", " ")]
            }
            if spec.escapeWhitespaces { steps.append(replace(string: " ", "\u{2581}")) }
            if spec.addDummyPrefix && options.legacy { steps.append(replace(regex: "\\A\u{2581}", "\u{2581}\u{2581}")) }
            normalizer = sequence("normalizers", "Sequence", steps)
            var splitters: [Value] = []
            if spec.addDummyPrefix { splitters.append(metaspace(options.legacy ? "always" : "first", false)) }
            let userDefined = pieces.filter { $0.type == .userDefined }.map(\.piece)
            if !userDefined.isEmpty {
                let pattern = userDefined.sorted { $0.unicodeScalars.count > $1.unicodeScalars.count }
                    .map(regexEscaped).joined(separator: "|")
                splitters.append(object(["type": .string("Split"), "pattern": object(["Regex": .string(pattern)]),
                                         "behavior": .string("Isolated"), "invert": .bool(false)]))
            }
            if !splitters.isEmpty { preTokenizer = sequence("pretokenizers", "Sequence", splitters) }
        }

        // The model.
        let modelJSON: Value
        if family == .generic && model.trainerSpec.modelType != .unigram {
            guard model.trainerSpec.modelType == .bpe else {
                throw FormatError(reason: "a SentencePiece \(model.trainerSpec.modelType) model (only Unigram and BPE)")
            }
            modelJSON = bpeModel(model)
        } else {
            modelJSON = object(["type": "Unigram", "unk_id": .integer(unknownID),
                                "vocab": .array(vocabulary.map { .array([.string($0.0), .number($0.1)]) }),
                                "byte_fallback": .bool(family == .generic && model.trainerSpec.byteFallback)])
        }

        // Added tokens: the special tokens (at their vocabulary id, else after the vocabulary), then the model's
        // control pieces (special) and user-defined pieces (not special, except in the generic family where
        // the Split above handles them).
        var idOf: [[UInt8]: Int] = [:]
        for (id, entry) in vocabulary.enumerated() where idOf[Array(entry.0.utf8)] == nil { idOf[Array(entry.0.utf8)] = id }
        var added: [(id: Int, content: String, special: Bool)] = []
        var nextID = vocabulary.count
        func add(_ content: String, special: Bool) {
            guard !added.contains(where: { $0.content.utf8.elementsEqual(content.utf8) }) else { return }
            if let id = idOf[Array(content.utf8)] {
                added.append((id, content, special))
            } else {
                added.append((nextID, content, special))
                nextID += 1
            }
        }
        for key in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] {
            if let name = tokens[key] { add(name, special: true) }
        }
        for (index, piece) in pieces.enumerated() where piece.type == .control || piece.type == .userDefined {
            if family == .generic && piece.type == .userDefined { continue }
            if family == .xlmRoberta && index < 3 { continue }  // replaced by the fairseq specials
            add(piece.piece, special: piece.type == .control)
        }
        added.sort { $0.id < $1.id }
        let addedJSON: [Value] = added.map {
            object(["id": .integer($0.id), "content": .string($0.content), "single_word": .bool(false),
                    "lstrip": .bool(false), "rstrip": .bool(false), "normalized": .bool(false), "special": .bool($0.special)])
        }

        // The post-processor: the class's template, its tokens' ids as the finished tokenizer resolves them.
        let resolve = { (name: String) -> Int in
            added.first(where: { $0.content.utf8.elementsEqual(name.utf8) })?.id ?? idOf[Array(name.utf8)] ?? 0
        }
        // Pairs as the classes' templates: XLM-R's <s> A </s> </s> B </s> all of type 0; the others' B of type 1
        // (ALBERT and DeBERTa-v2 with its [SEP]).
        var single: [Value] = [], pair: [Value] = []
        var special: [(String, Value)] = []
        let specialToken = { (name: String, typeID: Int) in object(["SpecialToken": object(["id": .string(name), "type_id": .integer(typeID)])]) }
        let sequence = { (id: String, typeID: Int) in object(["Sequence": object(["id": .string(id), "type_id": .integer(typeID)])]) }
        if template.count == 2 {
            single = [specialToken(template[0], 0), sequence("A", 0), specialToken(template[1], 0)]
            pair = family == .xlmRoberta
                ? single + [specialToken(template[1], 0), sequence("B", 0), specialToken(template[1], 0)]
                : single + [sequence("B", 1), specialToken(template[1], 1)]
            for name in Set(template).sorted() {
                special.append((name, object(["id": .string(name), "ids": .array([.integer(resolve(name))]),
                                              "tokens": .array([.string(name)])])))
            }
        } else {
            single = [sequence("A", 0)]
            pair = [sequence("A", 0), sequence("B", 1)]
        }
        let postProcessor = object(["type": .string("TemplateProcessing"), "single": .array(single), "pair": .array(pair),
                                    "special_tokens": .object(JSONObject(special.map { (key: $0.0, value: $0.1) }))])

        var top: [(String, Value)] = [("added_tokens", .array(addedJSON))]
        if let normalizer { top.append(("normalizer", normalizer)) }
        if let preTokenizer { top.append(("pre_tokenizer", preTokenizer)) }
        top.append(("post_processor", postProcessor))
        top.append(("model", modelJSON))
        return (.object(JSONObject(top.map { (key: $0.0, value: $0.1) })), tokens)
    }

    /// SpmConverter's BPE: the pieces as the vocabulary, merges of two normal pieces into a third ranked by the
    /// third's score, then id; `ignore_merges` when there are user-defined pieces.
    private static func bpeModel(_ model: SentencePieceModelFile) -> Value {
        var normal: [String: (score: Float, id: Int)] = [:]
        for (id, piece) in model.pieces.enumerated() where piece.type == .normal { normal[piece.piece] = (piece.score, id) }
        var ranked: [(score: Float, id: Int, cut: Int, left: String, right: String)] = []
        for (token, rank) in normal {
            let scalars = Array(token.unicodeScalars)
            for cut in 1..<max(1, scalars.count) {
                var left = String.UnicodeScalarView(), right = String.UnicodeScalarView()
                left.append(contentsOf: scalars[..<cut])
                right.append(contentsOf: scalars[cut...])
                if normal[String(left)] != nil && normal[String(right)] != nil {
                    ranked.append((-rank.score, rank.id, cut, String(left), String(right)))
                }
            }
        }
        // Python sorts (−score, id, left, right); the lefts of one piece are prefixes of each other.
        ranked.sort { ($0.score, $0.id, $0.cut) < ($1.score, $1.id, $1.cut) }
        let hasUserDefined = model.pieces.contains { $0.type == .userDefined }
        return object([
            "type": .string("BPE"), "dropout": .null, "unk_token": .string(model.trainerSpec.unkPiece),
            "continuing_subword_prefix": .null, "end_of_word_suffix": .null, "fuse_unk": .bool(true),
            "byte_fallback": .bool(model.trainerSpec.byteFallback), "ignore_merges": .bool(hasUserDefined),
            "vocab": .object(JSONObject(model.pieces.enumerated().map { (key: $0.element.piece, value: .integer($0.offset)) })),
            "merges": .array(ranked.map { .array([.string($0.left), .string($0.right)]) }),
        ])
    }

    struct FormatError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    private static func object(_ members: KeyValuePairs<String, Value>) -> Value {
        .object(JSONObject(members.map { (key: $0.key, value: $0.value) }))
    }

    private static func sequence(_ key: String, _ type: String, _ items: [Value]) -> Value {
        object(["type": .string(type), key: .array(items)])
    }

    private static func replace(string: String, _ content: String) -> Value {
        object(["type": .string("Replace"), "pattern": object(["String": .string(string)]), "content": .string(content)])
    }

    private static func replace(regex: String, _ content: String) -> Value {
        object(["type": .string("Replace"), "pattern": object(["Regex": .string(regex)]), "content": .string(content)])
    }

    /// Python's `re.escape` (3.7 and later): a backslash before each regex metacharacter and whitespace.
    private static func regexEscaped(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if "()[]{}?*+-|^$\\.&~# \t\n\r\u{0B}\u{0C}".unicodeScalars.contains(s) { out.append("\\") }
            out.append(s)
        }
        return String(out)
    }
}
