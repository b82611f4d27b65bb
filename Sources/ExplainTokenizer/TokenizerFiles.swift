import Foundation

/// The names of the special tokens, from tokenizer_config.json, else special_tokens_map.json, else BERT's.
struct SpecialTokenNames: Sendable {
    var unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", mask = "[MASK]"
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
        let config = try readConfig(directory)
        var names = SpecialTokenNames()
        if let map = try readSpecialTokensMap(directory) { apply(map, to: &names) }
        if let config { apply(config, to: &names) }

        let tokenizerJSON = directory.appendingPathComponent("tokenizer.json")
        let vocabText = directory.appendingPathComponent("vocab.txt")
        if FileManager.default.fileExists(atPath: tokenizerJSON.path) {
            return try fromTokenizerJSON(tokenizerJSON, config: config, names: names)
        }
        if FileManager.default.fileExists(atPath: vocabText.path) {
            return try fromVocabText(vocabText, config: config, names: names)
        }
        if let dangling = [tokenizerJSON, vocabText].first(where: { LinkedFile.isDangling($0.path) }) {
            throw TokenizerError.missingFile(LinkedFile.missing(dangling.path))
        }
        throw TokenizerError.missingFile("no tokenizer.json or vocab.txt in \(directory.path)")
    }

    // MARK: tokenizer.json

    static func fromTokenizerJSON(_ file: URL, config: TokenizerConfigJSON?, names: SpecialTokenNames) throws
        -> Tokenizer {
        let data = try read(file)
        do {
            var json = try JSONNode.parse(data)
            // JSONDecoder keys objects by Swift String (canonical equivalence): take the vocabulary's exact keys.
            if let exact = VocabularyScanner.vocabulary(in: data), case .object(var top) = json.value,
               let m = top.lastIndex(where: { $0.0 == "model" }), case .object(var model) = top[m].1,
               let v = model.lastIndex(where: { $0.0 == "vocab" }) {
                model[v].1 = .object(exact.map { ($0.token, .number($0.id)) })
                top[m].1 = .object(model)
                json = JSONNode(.object(top))
            }
            return try fromTokenizerJSON(json, file: file, config: config, names: names)
        } catch let error as FieldError {
            throw TokenizerError.malformed(file: file.path, reason: error.description)
        }
    }

    static func fromTokenizerJSON(_ json: JSONNode, file: URL, config: TokenizerConfigJSON?,
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
        if let unk = try json["model"]?.string("unk_token") { names.unk = unk }
        if let special = postProcessor?.specialTokens, let first = special.first, let last = special.last,
           special.count >= 2 {
            names.cls = first.token
            names.sep = last.token
        }
        let truncation = try json["truncation"]?.integer("max_length", in: 0...Int(Int32.max))
        return try assemble(normalizer: normalizer, preTokenizer: preTokenizer, model: model,
                            postProcessor: postProcessor, addedTokens: addedTokens,
                            maxLength: maxLength(config: config, fallback: truncation, directory: file.deletingLastPathComponent()),
                            names: names, file: file)
    }

    // MARK: vocab.txt

    /// transformers' BertTokenizer from a vocabulary file: BertNormalizer with the config's options, BertPreTokenizer,
    /// WordPiece with "##" and 100 characters, [CLS] $A [SEP], and the special tokens as added tokens.
    static func fromVocabText(_ file: URL, config: TokenizerConfigJSON?, names: SpecialTokenNames) throws -> Tokenizer {
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
        for (role, name) in [("unk", names.unk), ("cls", names.cls), ("sep", names.sep), ("pad", names.pad),
                             ("mask", names.mask)] where vocabulary.id(for: name) == nil {
            throw fail("the vocabulary has no \(role) token \"\(name)\"")
        }
        let id = { vocabulary.id(for: $0)! }
        let lowercase = config?.doLowerCase ?? true
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: config?.tokenizeChineseChars ?? true,
                                        stripAccents: config?.stripAccents ?? lowercase, lowercase: lowercase)
        let model = WordPiece(vocabulary: vocabulary, unknownID: id(names.unk), continuingSubwordPrefix: "##",
                              maxInputCharsPerWord: 100)
        let added = [names.pad, names.unk, names.cls, names.sep, names.mask].map {
            AddedToken(id: id($0), content: $0, normalized: false, special: true)
        }
        return try assemble(normalizer: normalizer, preTokenizer: BertPreTokenizer(), model: model,
                            postProcessor: BertProcessing(cls: (names.cls, id(names.cls)), sep: (names.sep, id(names.sep))),
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
        if let added = postProcessor?.addedTokenCount, added >= maxLength {
            throw fail("the post-processor adds \(added) tokens, leaving no room in the maximum length \(maxLength)")
        }
        let lookup = { (name: String) in
            addedTokens.last(where: { $0.content.unicodeScalars.elementsEqual(name.unicodeScalars) })?.id
                ?? model.id(forToken: name)
        }
        var ids: [Int] = []
        for (role, name) in [("cls", names.cls), ("sep", names.sep), ("pad", names.pad), ("unk", names.unk),
                             ("mask", names.mask)] {
            guard let id = lookup(name) else { throw fail("the vocabulary has no \(role) token \"\(name)\"") }
            ids.append(id)
        }
        return Tokenizer(normalizer: normalizer, preTokenizer: preTokenizer, model: model, postProcessor: postProcessor,
                         addedTokens: addedTokens, maxLength: maxLength,
                         specialTokenIDs: (ids[0], ids[1], ids[2], ids[3], ids[4]))
    }

    /// model_max_length of tokenizer_config.json, else the truncation length of tokenizer.json, else 512.
    static func maxLength(config: TokenizerConfigJSON?, fallback: Int?, directory: URL) throws -> Int {
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

    static func readConfig(_ directory: URL) throws -> TokenizerConfigJSON? {
        let file = directory.appendingPathComponent("tokenizer_config.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            if LinkedFile.isDangling(file.path) { throw TokenizerError.missingFile(LinkedFile.missing(file.path)) }
            return nil
        }
        return try decode(file) as TokenizerConfigJSON
    }

    static func readSpecialTokensMap(_ directory: URL) throws -> TokenizerConfigJSON? {
        let file = directory.appendingPathComponent("special_tokens_map.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            if LinkedFile.isDangling(file.path) { throw TokenizerError.missingFile(LinkedFile.missing(file.path)) }
            return nil
        }
        return try decode(file) as TokenizerConfigJSON
    }

    static func apply(_ config: TokenizerConfigJSON, to names: inout SpecialTokenNames) {
        if let n = config.unkToken?.content { names.unk = n }
        if let n = config.clsToken?.content { names.cls = n }
        if let n = config.sepToken?.content { names.sep = n }
        if let n = config.padToken?.content { names.pad = n }
        if let n = config.maskToken?.content { names.mask = n }
    }

    static func read(_ file: URL) throws -> Data {
        do {
            return try Data(contentsOf: file)
        } catch {
            throw TokenizerError.malformed(file: file.path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    static func decode<T: Decodable>(_ file: URL) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: try read(file))
        } catch let error as DecodingError {
            throw TokenizerError.malformed(file: file.path, reason: error.readableReason)
        }
    }
}
