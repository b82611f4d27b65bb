import Foundation

/// Everything an encoding needs, read from a HuggingFace tokenizer directory.
struct TokenizerDefinition: Sendable {
    var normalizer: BertNormalizer
    var preTokenizer: BertPreTokenizer
    var wordPiece: WordPiece
    var addedTokens: [AddedToken]
    /// Special tokens the post-processor puts before and after the sequence: [CLS] and [SEP] for BERT.
    var prefix: [(id: Int, text: String)]
    var suffix: [(id: Int, text: String)]
    var maxLength: Int
    var names: SpecialTokenNames

    /// The id of a token text: an added token's, else the vocabulary's (both matched scalar by scalar).
    func id(of token: String) -> Int? {
        Self.id(of: token, addedTokens: addedTokens, vocabulary: wordPiece.vocabulary)
    }

    static func id(of token: String, addedTokens: [AddedToken], vocabulary: Vocabulary) -> Int? {
        addedTokens.last(where: { $0.content.unicodeScalars.elementsEqual(token.unicodeScalars) })?.id
            ?? vocabulary.id(for: token)
    }
}

/// The names of the special tokens, from tokenizer_config.json, else special_tokens_map.json, else BERT's.
struct SpecialTokenNames: Sendable {
    var unk = "[UNK]", cls = "[CLS]", sep = "[SEP]", pad = "[PAD]", mask = "[MASK]"
}

/// Reads `tokenizer.json`, else `vocab.txt`, plus the optional `tokenizer_config.json`, the way transformers'
/// `BertTokenizerFast.from_pretrained` does.
enum TokenizerFiles {
    /// Larger `model_max_length` values are transformers' "no limit" placeholder (int(1e30)).
    static let unsetMaxLength = 1_000_000_000
    /// Ids beyond this are taken as a malformed file rather than a vocabulary to allocate.
    static let largestID = 16_777_215

    static func load(directory: URL) throws -> TokenizerDefinition {
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
        throw TokenizerError.missingFile("no tokenizer.json or vocab.txt in \(directory.path)")
    }

    // MARK: tokenizer.json

    static func fromTokenizerJSON(_ file: URL, config: TokenizerConfigJSON?, names: SpecialTokenNames) throws
        -> TokenizerDefinition {
        let data = try read(file)
        let json: TokenizerJSON = try decode(data, file: file)
        var names = names
        let fail = { (reason: String) in TokenizerError.malformed(file: file.path, reason: reason) }

        let normalizer: BertNormalizer
        switch json.normalizer {
        case nil:
            normalizer = .identity
        case let n? where n.type == "BertNormalizer":
            let lowercase = n.lowercase ?? true
            normalizer = BertNormalizer(cleanText: n.cleanText ?? true,
                                        handleChineseChars: n.handleChineseChars ?? true,
                                        stripAccents: n.stripAccents ?? lowercase, lowercase: lowercase)
        case let n?:
            throw fail("unsupported normalizer \"\(n.type)\" (only BertNormalizer)")
        }

        let preTokenizer = try json.preTokenizer.map { try self.preTokenizer($0, fail: fail) }
            ?? BertPreTokenizer(splitOnWhitespace: false, isolatePunctuation: false)

        let model = json.model
        if let type = model.type, type != "WordPiece" { throw fail("unsupported model \"\(type)\" (only WordPiece)") }
        if model.vocab.isEmpty { throw fail("model.vocab is empty") }
        var vocabulary = Vocabulary()
        let entries = VocabularyScanner.vocabulary(in: data) ?? model.vocab.map { ($0.key, $0.value) }
        for (token, value) in entries {
            guard value == value.rounded() else { throw fail("model.vocab.\(token): id \(value) is not an integer") }
            guard value >= 0, value <= Double(largestID) else {
                throw fail("model.vocab.\(token): id \(value) out of range")
            }
            vocabulary.insert(token, id: Int(value))
        }
        let unk = model.unkToken ?? "[UNK]"
        names.unk = unk
        guard let unkID = vocabulary.id(for: unk) else { throw fail("model.vocab has no unk_token \"\(unk)\"") }
        let maxChars = model.maxInputCharsPerWord ?? 100
        guard maxChars > 0 else { throw fail("model.max_input_chars_per_word must be positive, not \(maxChars)") }
        let wordPiece = WordPiece(vocabulary: vocabulary, unknownID: unkID,
                                  continuingSubwordPrefix: model.continuingSubwordPrefix ?? "##",
                                  maxInputCharsPerWord: maxChars)

        var addedTokens: [AddedToken] = []
        for (k, t) in (json.addedTokens ?? []).enumerated() {
            guard (0...largestID).contains(t.id) else { throw fail("added_tokens[\(k)]: id \(t.id) out of range") }
            guard !t.content.isEmpty else { throw fail("added_tokens[\(k)]: empty content") }
            let special = t.special ?? false
            addedTokens.append(AddedToken(id: t.id, content: t.content, singleWord: t.singleWord ?? false,
                                          lstrip: t.lstrip ?? false, rstrip: t.rstrip ?? false,
                                          normalized: t.normalized ?? !special, special: special))
        }
        let lookup = { TokenizerDefinition.id(of: $0, addedTokens: addedTokens, vocabulary: vocabulary) }

        var prefix: [(id: Int, text: String)] = [], suffix: [(id: Int, text: String)] = []
        switch json.postProcessor {
        case nil:
            break
        case let p? where p.type == "TemplateProcessing":
            guard let single = p.single else { throw fail("post_processor: TemplateProcessing without \"single\"") }
            var seenSequence = false
            for piece in single {
                if piece.sequence != nil {
                    if seenSequence { throw fail("post_processor.single: more than one sequence") }
                    seenSequence = true
                } else if let name = piece.specialToken?.id {
                    guard let special = p.specialTokens?[name], special.ids.count == special.tokens.count,
                          !special.ids.isEmpty else {
                        throw fail("post_processor.special_tokens has no ids for \"\(name)\"")
                    }
                    for (id, text) in zip(special.ids, special.tokens) {
                        if seenSequence { suffix.append((id, text)) } else { prefix.append((id, text)) }
                    }
                } else {
                    throw fail("post_processor.single: a piece is neither SpecialToken nor Sequence")
                }
            }
            if !seenSequence { throw fail("post_processor.single has no sequence") }
            if let first = prefix.first { names.cls = first.text }
            if let last = suffix.last { names.sep = last.text }
        case let p? where p.type == "BertProcessing":
            guard let cls = p.cls, let sep = p.sep else {
                throw fail("post_processor: BertProcessing needs cls and sep")
            }
            prefix = [(cls.id, cls.token)]
            suffix = [(sep.id, sep.token)]
            names.cls = cls.token
            names.sep = sep.token
        case let p?:
            throw fail("unsupported post_processor \"\(p.type)\" (only TemplateProcessing, BertProcessing)")
        }

        let maxLength = try maxLength(config: config, fallback: json.truncation?.maxLength,
                                      directory: file.deletingLastPathComponent())
        return TokenizerDefinition(normalizer: normalizer, preTokenizer: preTokenizer, wordPiece: wordPiece,
                                   addedTokens: addedTokens, prefix: prefix, suffix: suffix, maxLength: maxLength,
                                   names: try checked(names, lookup: lookup, file: file))
    }

    static func preTokenizer(_ p: TokenizerJSON.PreTokenizerJSON, fail: (String) -> TokenizerError) throws
        -> BertPreTokenizer {
        switch p.type {
        case "BertPreTokenizer":
            return .bert
        case "WhitespaceSplit":
            return BertPreTokenizer(splitOnWhitespace: true, isolatePunctuation: false)
        case "Punctuation":
            guard (p.behavior ?? "Isolated") == "Isolated" else {
                throw fail("unsupported Punctuation behavior \"\(p.behavior!)\" (only Isolated)")
            }
            return BertPreTokenizer(splitOnWhitespace: false, isolatePunctuation: true)
        case "Sequence":
            // Whitespace splitting and punctuation isolation commute, so the order of the two does not matter.
            var combined = BertPreTokenizer(splitOnWhitespace: false, isolatePunctuation: false)
            for part in p.pretokenizers ?? [] {
                let each = try preTokenizer(part, fail: fail)
                combined.splitOnWhitespace = combined.splitOnWhitespace || each.splitOnWhitespace
                combined.isolatePunctuation = combined.isolatePunctuation || each.isolatePunctuation
            }
            return combined
        default:
            throw fail("unsupported pre_tokenizer \"\(p.type)\" (only BertPreTokenizer, WhitespaceSplit, Punctuation)")
        }
    }

    // MARK: vocab.txt

    /// transformers' BertTokenizer from a vocabulary file: BertNormalizer with the config's options, BertPreTokenizer,
    /// WordPiece with "##" and 100 characters, [CLS] $A [SEP], and the special tokens as added tokens.
    static func fromVocabText(_ file: URL, config: TokenizerConfigJSON?, names: SpecialTokenNames) throws
        -> TokenizerDefinition {
        let fail = { (reason: String) in TokenizerError.malformed(file: file.path, reason: reason) }
        let data = try read(file)
        guard String(data: data, encoding: .utf8) != nil else { throw fail("not UTF-8 text") }
        // As WordPiece::read_file (which transformers 5 uses): lines split at "\n" only, trailing whitespace
        // (a "\r" included) trimmed, the line number is the id.
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        if lines.isEmpty { throw fail("the vocabulary is empty") }
        guard lines.count <= largestID else { throw fail("\(lines.count) lines are more than a vocabulary holds") }
        var vocabulary = Vocabulary()
        for (index, line) in lines.enumerated() {
            var token = String(decoding: line, as: UTF8.self).unicodeScalars
            while let last = token.last, CharacterClasses.isWhitespace(last) { token.removeLast() }
            vocabulary.insert(String(token), id: index)
        }
        let lookup = { (name: String) in vocabulary.id(for: name) }
        let names = try checked(names, lookup: lookup, file: file)
        let lowercase = config?.doLowerCase ?? true
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: config?.tokenizeChineseChars ?? true,
                                        stripAccents: config?.stripAccents ?? lowercase, lowercase: lowercase)
        let wordPiece = WordPiece(vocabulary: vocabulary, unknownID: lookup(names.unk)!, continuingSubwordPrefix: "##",
                                  maxInputCharsPerWord: 100)
        let added = [names.pad, names.unk, names.cls, names.sep, names.mask].map {
            AddedToken(id: lookup($0)!, content: $0, normalized: false, special: true)
        }
        let maxLength = try maxLength(config: config, fallback: nil, directory: file.deletingLastPathComponent())
        return TokenizerDefinition(normalizer: normalizer, preTokenizer: .bert, wordPiece: wordPiece, addedTokens: added,
                                   prefix: [(lookup(names.cls)!, names.cls)], suffix: [(lookup(names.sep)!, names.sep)],
                                   maxLength: maxLength, names: names)
    }

    // MARK: shared

    /// Every special token must exist; the API hands out their ids.
    static func checked(_ names: SpecialTokenNames, lookup: (String) -> Int?, file: URL) throws -> SpecialTokenNames {
        for (role, name) in [("unk", names.unk), ("cls", names.cls), ("sep", names.sep), ("pad", names.pad),
                             ("mask", names.mask)] where lookup(name) == nil {
            throw TokenizerError.malformed(file: file.path, reason: "the vocabulary has no \(role) token \"\(name)\"")
        }
        return names
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
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        return try decode(file) as TokenizerConfigJSON
    }

    static func readSpecialTokensMap(_ directory: URL) throws -> TokenizerConfigJSON? {
        let file = directory.appendingPathComponent("special_tokens_map.json")
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
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
        try decode(try read(file), file: file)
    }

    static func decode<T: Decodable>(_ data: Data, file: URL) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw TokenizerError.malformed(file: file.path, reason: error.readableReason)
        } catch {
            throw TokenizerError.malformed(file: file.path, reason: "\(error)")
        }
    }
}
