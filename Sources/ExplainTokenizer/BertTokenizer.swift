import Foundation

/// HuggingFace's BERT fast tokenizer, reimplemented: added tokens, BertNormalizer, BertPreTokenizer, WordPiece,
/// [CLS] … [SEP], with every token's offsets in the original text and its word.
public final class BertTokenizer: Sendable {
    /// model_max_length (tokenizer_config.json), else truncation.max_length (tokenizer.json), else 512.
    public let maxLength: Int
    /// Largest id + 1: the rows a word-embedding matrix needs.
    public let vocabularySize: Int
    public let clsID: Int, sepID: Int, padID: Int, unkID: Int, maskID: Int

    private let definition: TokenizerDefinition
    /// Added tokens matched in the original text, and those matched after normalization.
    private let originalMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let addedByID: [Int: String]

    /// Reads tokenizer.json, else vocab.txt + tokenizer_config.json, from a HuggingFace model directory.
    public static func load(directory: URL) throws -> BertTokenizer {
        BertTokenizer(try TokenizerFiles.load(directory: directory))
    }

    init(_ definition: TokenizerDefinition) {
        self.definition = definition
        let added = definition.addedTokens
        originalMatcher = AddedTokenMatcher(added.filter { !$0.normalized }) { Array($0.content.unicodeScalars) }
        normalizedMatcher = AddedTokenMatcher(added.filter(\.normalized)) { token in
            let content = Array(token.content.unicodeScalars)
            var normalized = NormalizedText()
            var cache: [UInt32: [Unicode.Scalar]] = [:]
            definition.normalizer.normalize(content, content.indices, into: &normalized, cache: &cache)
            return normalized.scalars
        }
        addedByID = Dictionary(added.map { ($0.id, $0.content) }, uniquingKeysWith: { _, last in last })
        let vocabulary = definition.wordPiece.vocabulary
        vocabularySize = max(vocabulary.tokens.count, (added.map(\.id).max() ?? -1) + 1)
        maxLength = definition.maxLength
        let names = definition.names
        // TokenizerFiles checked that every special token exists.
        let lookup = { definition.id(of: $0) ?? 0 }
        clsID = lookup(names.cls)
        sepID = lookup(names.sep)
        padID = lookup(names.pad)
        unkID = lookup(names.unk)
        maskID = lookup(names.mask)
    }

    public func id(forToken token: String) -> Int? {
        definition.id(of: token)
    }

    public func token(forID id: Int) -> String? {
        if let added = addedByID[id] { return added }
        let tokens = definition.wordPiece.vocabulary.tokens
        return tokens.indices.contains(id) ? tokens[id] : nil
    }

    /// [CLS] text [SEP], truncated to `maxLength` tokens (including the two specials) when given; `truncated` set.
    /// The specials are always kept, so a `maxLength` below 2 still gives [CLS] [SEP] (HF does not truncate at all then).
    /// Follows `Tokenizer::encode` of HF tokenizers: added tokens are split off the original text, the rest is
    /// normalized, split into words and WordPiece-tokenized; offsets map back through the normalization.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        let source = OriginalText(text)
        let original = source.scalars
        let vocabulary = definition.wordPiece.vocabulary.tokens
        var tokens: [Token] = []
        tokens.reserveCapacity(original.count / 3 + definition.prefix.count + definition.suffix.count)
        for (id, text) in definition.prefix {
            tokens.append(Token(id: id, text: text, start: nil, end: nil, special: true, word: nil))
        }
        var wordCount = 0
        var cache: [UInt32: [Unicode.Scalar]] = [:]

        for segment in originalMatcher.split(original, original.indices) {
            switch segment {
            case .token(let added, let range):
                tokens.append(Token(id: added.id, text: source.string(range), start: range.lowerBound,
                                    end: range.upperBound, special: false, word: wordCount))
                wordCount += 1
            case .text(let range):
                var normalized = NormalizedText()
                normalized.reserve(range.count)
                definition.normalizer.normalize(original, range, into: &normalized, cache: &cache)
                let scalars = normalized.scalars, origins = normalized.origins
                for piece in normalizedMatcher.split(scalars, scalars.indices) {
                    switch piece {
                    case .token(let added, let r):
                        tokens.append(Token(id: added.id, text: Self.string(scalars[r]), start: origins[r.lowerBound],
                                            end: origins[r.upperBound - 1] + 1, special: false, word: wordCount))
                        wordCount += 1
                    case .text(let r):
                        definition.preTokenizer.forEachWord(in: scalars, r) { word in
                            definition.wordPiece.tokenize(scalars, word) { id, start, end in
                                // A token spans from its first character's source to its last one's (HF
                                // `expand_alignments`).
                                tokens.append(Token(id: id, text: vocabulary[id] ?? "", start: origins[start],
                                                    end: origins[end - 1] + 1, special: false, word: wordCount))
                            }
                            wordCount += 1
                        }
                    }
                }
            }
        }

        var truncated = false
        if let maxLength {
            let keep = definition.prefix.count + max(0, maxLength - definition.prefix.count - definition.suffix.count)
            if tokens.count > keep {
                tokens.removeSubrange(keep...)
                truncated = true
            }
        }
        for (id, text) in definition.suffix {
            tokens.append(Token(id: id, text: text, start: nil, end: nil, special: true, word: nil))
        }
        return Encoding(tokens: tokens, words: Self.words(of: tokens, in: source), truncated: truncated)
    }

    /// Groups tokens by word; a word spans from its first remaining token's start to its last one's end.
    private static func words(of tokens: [Token], in original: OriginalText) -> [Word] {
        var words: [Word] = []
        for (index, token) in tokens.enumerated() {
            guard let w = token.word, let start = token.start, let end = token.end else { continue }
            if w >= words.count {  // words are numbered in order, each with at least one token
                words.append(Word(text: "", start: start, end: end, tokens: [index]))
            } else {
                words[w].end = max(words[w].end, end)
                words[w].tokens.append(index)
            }
        }
        for i in words.indices {
            words[i].text = original.string(words[i].start..<words[i].end)
        }
        return words
    }

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
