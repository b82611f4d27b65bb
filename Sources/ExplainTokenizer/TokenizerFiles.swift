import ExplainJSON
import Foundation

/// The names of the special tokens, from tokenizer_config.json, else special_tokens_map.json, else the
/// post-processor and the model; nil where nothing names one (then BERT's name is used if the vocabulary has it).
struct SpecialTokenNames: Sendable {
    var unk: String?, cls: String?, sep: String?, pad: String?, mask: String?

    static let bert = SpecialTokenNames(unk: "[UNK]", cls: "[CLS]", sep: "[SEP]", pad: "[PAD]", mask: "[MASK]")
}

/// Reads a HuggingFace tokenizer directory: `tokenizer.json`, else `vocab.txt`, plus the optional
/// `tokenizer_config.json` and `special_tokens_map.json`, the way transformers' `from_pretrained` does.
enum TokenizerFiles {
    /// Larger `model_max_length` values are transformers' "no limit" placeholder (int(1e30)).
    static let unsetMaxLength = 1_000_000_000

    static func load(directory: URL) throws -> Tokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue else {
            throw TokenizerError.missingFile("no tokenizer directory at \(directory.path)")
        }
        let config = try readConfig(directory, "tokenizer_config.json")
        var names = SpecialTokenNames()
        if let map = try readConfig(directory, "special_tokens_map.json") { apply(map, to: &names) }
        if let config { apply(config, to: &names) }

        let tokenizerJSON = directory.appendingPathComponent("tokenizer.json")
        let vocabText = directory.appendingPathComponent("vocab.txt")
        if FileManager.default.fileExists(atPath: tokenizerJSON.path) {
            return try fromTokenizerJSON(tokenizerJSON, config: config, names: names)
        }
        if FileManager.default.fileExists(atPath: vocabText.path) {
            return try fromVocabText(vocabText, config: config, names: names)
        }
        let vocabJSON = directory.appendingPathComponent("vocab.json")
        let mergesText = directory.appendingPathComponent("merges.txt")
        if FileManager.default.fileExists(atPath: vocabJSON.path) && FileManager.default.fileExists(atPath: mergesText.path) {
            return try fromVocabAndMerges(vocabJSON, mergesText, config: config)
        }
        if let tokenizer = try SentencePieceConversion.load(directory: directory, config: config, names: names) {
            return tokenizer
        }
        if let dangling = [tokenizerJSON, vocabText, vocabJSON, mergesText].first(where: { LinkedFile.isDangling($0.path) }) {
            throw TokenizerError.missingFile(LinkedFile.missing(dangling.path))
        }
        throw TokenizerError.missingFile("no tokenizer.json, vocab.txt, vocab.json + merges.txt or SentencePiece model ("
            + SentencePieceConversion.modelFileNames.joined(separator: ", ") + ") in \(directory.path)")
    }

    // MARK: tokenizer.json

    static func fromTokenizerJSON(_ file: URL, config: TokenizerConfig?, names: SpecialTokenNames) throws
        -> Tokenizer {
        let data = try read(file)
        do {
            return try fromTokenizerJSON(try JSONNode.parse(data), file: file, config: config, names: names)
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: file.path, reason: error.description)
        }
    }

    static func fromTokenizerJSON(_ json: JSONNode, file: URL, config: TokenizerConfig?,
                                  names: SpecialTokenNames) throws -> Tokenizer {
        guard case .object = json.value else { throw json.error("expected an object at the top level") }
        let normalizer = try json["normalizer"].map(Normalizers.decode)
        let preTokenizer = try json["pre_tokenizer"].map(PreTokenizers.decode)
        let model = try TokenizerModels.decode(json.required("model"))
        let postProcessor = try json["post_processor"].map(PostProcessors.decode)

        var addedTokens: [AddedToken] = []
        for entry in try json.array("added_tokens") ?? [] {
            let content = try entry.required("content").string
            guard !content.isEmpty else { throw entry.error("empty content") }
            let special = try entry.bool("special", default: false)
            addedTokens.append(AddedToken(
                id: try entry.required("id").integer(in: 0...TokenizerModels.largestID), content: content,
                singleWord: try entry.bool("single_word", default: false), lstrip: try entry.bool("lstrip", default: false),
                rstrip: try entry.bool("rstrip", default: false), normalized: try entry.bool("normalized", default: !special),
                special: special))
        }

        var names = names
        if names.unk == nil, let unk = try json["model"]?.string("unk_token") { names.unk = unk }
        if let special = postProcessor?.specialTokens, let first = special.first, let last = special.last,
           special.count >= 2 {
            names.cls = names.cls ?? first.token
            names.sep = names.sep ?? last.token
        }
        let truncation = try json["truncation"]?.integer("max_length", in: 0...Int(Int32.max))
        return try assemble(normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                            postProcessor: postProcessor, addedTokens: addedTokens,
                            maxLength: maxLength(config: config, fallback: truncation, directory: file.deletingLastPathComponent()),
                            names: names, file: file)
    }

    // MARK: vocab.json + merges.txt

    /// The byte-level BPE tokenizer transformers' converters build from GPT-2 style files (`RobertaConverter`, or
    /// `GPT2Converter` when tokenizer_config.json names a GPT-2 tokenizer): ByteLevel pre-tokenizer, BPE without an
    /// unknown token, RobertaProcessing (trim_offsets) or the ByteLevel post-processor, and the special tokens as
    /// added tokens (none with lstrip: transformers 5 adds <mask> without it). It goes through the same decoding as a tokenizer.json.
    static func fromVocabAndMerges(_ vocabFile: URL, _ mergesFile: URL, config: TokenizerConfig?) throws -> Tokenizer {
        let vocab: JSONNode
        do {
            vocab = try JSONNode.parse(try read(vocabFile))
            _ = try vocab.members
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: vocabFile.path, reason: error.description)
        }
        let text = try read(mergesFile)
        guard let merges = String(data: text, encoding: .utf8) else {
            throw TokenizerError.malformed(file: mergesFile.path, reason: "not UTF-8 text")
        }
        var lines = merges.split(separator: "\n", omittingEmptySubsequences: false).map { String($0) }
        if lines.first?.hasPrefix("#version") == true { lines.removeFirst() }
        lines = lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }.filter { !$0.isEmpty }

        let gpt2 = config?.tokenizerClass?.contains("GPT2") == true
        var names = gpt2 ? SpecialTokenNames(unk: "<|endoftext|>")
            : SpecialTokenNames(unk: "<unk>", cls: "<s>", sep: "</s>", pad: "<pad>", mask: "<mask>")
        if let config { apply(config, to: &names) }
        let addPrefixSpace = config?.addPrefixSpace ?? false
        var nextID = (try vocab.members.compactMap { try? $0.value.integer(in: 0...TokenizerModels.largestID) }.max() ?? -1) + 1
        var specials: [String] = []
        let bos = config?.bosToken ?? (gpt2 ? "<|endoftext|>" : "<s>"), eos = config?.eosToken ?? (gpt2 ? "<|endoftext|>" : "</s>")
        for name in [bos, eos, names.unk, names.sep, names.pad, names.cls, names.mask].compactMap({ $0 })
            where !specials.contains(name) {
            specials.append(name)
        }
        var added: [JSONValue] = []
        var ids: [String: Int] = [:]
        for name in specials {
            let id = try vocab[name]?.integer(in: 0...TokenizerModels.largestID) ?? { nextID += 1; return nextID - 1 }()
            ids[name] = id
            added.append(["id": .integer(id), "content": .string(name), "special": true, "normalized": false,
                          "lstrip": false, "rstrip": false, "single_word": false])
        }
        let cls = names.cls ?? bos, sep = names.sep ?? eos
        let postProcessor: JSONValue = gpt2
            ? ["type": "ByteLevel", "add_prefix_space": .bool(addPrefixSpace), "trim_offsets": false]
            : ["type": "RobertaProcessing", "cls": [.string(cls), .integer(ids[cls]!)],
               "sep": [.string(sep), .integer(ids[sep]!)], "add_prefix_space": .bool(addPrefixSpace),
               "trim_offsets": .bool(config?.trimOffsets ?? true)]
        let json: JSONValue = [
            "added_tokens": .array(added),
            "pre_tokenizer": ["type": "ByteLevel", "add_prefix_space": .bool(addPrefixSpace), "use_regex": true],
            "post_processor": postProcessor,
            "model": ["type": "BPE", "vocab": vocab.value, "merges": .array(lines.map { .string($0) })],
        ]
        do {
            return try fromTokenizerJSON(JSONNode(json), file: mergesFile, config: config, names: names)
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: mergesFile.path, reason: error.description)
        }
    }

    // MARK: vocab.txt

    /// transformers' BertTokenizer from a vocabulary file: BertNormalizer with the config's options, BertPreTokenizer,
    /// WordPiece with "##" and 100 characters, [CLS] $A [SEP], and the special tokens as added tokens.
    static func fromVocabText(_ file: URL, config: TokenizerConfig?, names: SpecialTokenNames) throws -> Tokenizer {
        let fail = { (reason: String) in TokenizerError.malformed(file: file.path, reason: reason) }
        let data = try read(file)
        guard String(data: data, encoding: .utf8) != nil else { throw fail("not UTF-8 text") }
        // As WordPiece::read_file (which transformers 5 uses): lines split at "\n" only, trailing whitespace
        // (a "\r" included) trimmed, the line number is the id.
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        if lines.isEmpty { throw fail("the vocabulary is empty") }
        guard lines.count <= TokenizerModels.largestID else { throw fail("\(lines.count) lines are more than a vocabulary holds") }
        var vocabulary = Vocabulary()
        for (index, line) in lines.enumerated() {
            var token = String(decoding: line, as: UTF8.self).unicodeScalars
            while let last = token.last, CharacterClasses.isWhitespace(last) { token.removeLast() }
            vocabulary.insert(String(token), id: index)
        }
        let b = SpecialTokenNames.bert
        let names = SpecialTokenNames(unk: names.unk ?? b.unk, cls: names.cls ?? b.cls, sep: names.sep ?? b.sep,
                                      pad: names.pad ?? b.pad, mask: names.mask ?? b.mask)
        for (role, name) in [("unk", names.unk!), ("cls", names.cls!), ("sep", names.sep!), ("pad", names.pad!),
                             ("mask", names.mask!)] where vocabulary.id(for: name) == nil {
            throw fail("the vocabulary has no \(role) token \"\(name)\"")
        }
        let id = { vocabulary.id(for: $0)! }
        let lowercase = config?.doLowerCase ?? true
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: config?.tokenizeChineseChars ?? true,
                                        stripAccents: config?.stripAccents ?? lowercase, lowercase: lowercase)
        let model = WordPiece(vocabulary: vocabulary, unknownID: id(names.unk!), continuingSubwordPrefix: "##",
                              maxInputCharsPerWord: 100)
        let added = [names.pad!, names.unk!, names.cls!, names.sep!, names.mask!].map {
            AddedToken(id: id($0), content: $0, normalized: false, special: true)
        }
        return try assemble(normalizer: normalizer, preTokenizer: BertPreTokenizer(), model: model,
                            postProcessor: BertProcessing(cls: (names.cls!, id(names.cls!)), sep: (names.sep!, id(names.sep!))),
                            addedTokens: added,
                            maxLength: maxLength(config: config, fallback: nil, directory: file.deletingLastPathComponent()),
                            names: names, file: file)
    }

    // MARK: shared

    /// The tokenizer, once every id it can emit is known to the vocabulary and every special token exists.
    static func assemble(normalizer: (any Normalizer)?, preTokenizer: (any PreTokenizer)?, model: any TokenizerModel,
                         postProcessor: (any PostProcessor)?, addedTokens: [AddedToken], maxLength: Int,
                         names: SpecialTokenNames, file: URL) throws -> Tokenizer {
        let fail = { (reason: String) in TokenizerError.malformed(file: file.path, reason: reason) }
        let size = max(model.vocabularySize, (addedTokens.map(\.id).max() ?? -1) + 1)
        for (token, id) in postProcessor?.specialTokens ?? [] where id >= size {
            throw fail("the post-processor's \"\(token)\" has id \(id), outside the vocabulary of \(size)")
        }
        if let added = postProcessor?.addedTokenCount(pair: false), added >= maxLength {
            throw fail("the post-processor adds \(added) tokens, leaving no room in the maximum length \(maxLength)")
        }
        let lookup = { (name: String) in
            addedTokens.last(where: { $0.content.unicodeScalars.elementsEqual(name.unicodeScalars) })?.id
                ?? model.id(forToken: name)
        }
        var ids: [Int?] = []
        let b = SpecialTokenNames.bert
        for (role, name, fallback) in [("cls", names.cls, b.cls!), ("sep", names.sep, b.sep!), ("pad", names.pad, b.pad!),
                                       ("unk", names.unk, b.unk!), ("mask", names.mask, b.mask!)] {
            if let name {
                guard let id = lookup(name) else { throw fail("the vocabulary has no \(role) token \"\(name)\"") }
                ids.append(id)
            } else {
                ids.append(lookup(fallback))
            }
        }
        return Tokenizer(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: postProcessor,
                         addedTokens: addedTokens, maxLength: maxLength,
                         specialTokenIDs: (ids[0], ids[1], ids[2], ids[3], ids[4]))
    }

    /// model_max_length of tokenizer_config.json, else the truncation length of tokenizer.json, else 512.
    static func maxLength(config: TokenizerConfig?, fallback: Int?, directory: URL) throws -> Int {
        if let value = config?.modelMaxLength, value < Double(unsetMaxLength) {
            guard value >= 2, value == value.rounded() else {
                let configFile = directory.appendingPathComponent("tokenizer_config.json")
                throw TokenizerError.malformed(file: configFile.path,
                                               reason: "model_max_length must be an integer ≥ 2, not \(value)")
            }
            return Int(value)
        }
        if let fallback, fallback >= 2 { return fallback }
        return 512
    }

    /// tokenizer_config.json or special_tokens_map.json (the same fields); nil when the directory has none.
    static func readConfig(_ directory: URL, _ name: String) throws -> TokenizerConfig? {
        let file = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: file.path) else {
            if LinkedFile.isDangling(file.path) { throw TokenizerError.missingFile(LinkedFile.missing(file.path)) }
            return nil
        }
        return try readJSON(file)
    }

    static func apply(_ config: TokenizerConfig, to names: inout SpecialTokenNames) {
        if let n = config.unkToken { names.unk = n }
        if let n = config.clsToken { names.cls = n }
        if let n = config.sepToken { names.sep = n }
        if let n = config.padToken { names.pad = n }
        if let n = config.maskToken { names.mask = n }
    }

    static func read(_ file: URL) throws -> Data {
        do {
            return try Data(contentsOf: file)
        } catch {
            throw TokenizerError.malformed(file: file.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    static func readJSON(_ file: URL) throws -> TokenizerConfig {
        do {
            return try TokenizerConfig(json: JSONNode.parse(try read(file)))
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: file.path, reason: error.description)
        }
    }
}
