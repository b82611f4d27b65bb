import Foundation

// The pipeline of HuggingFace `tokenizers` (tokenizers/src/tokenizer/mod.rs), part by part:
//
//   text ─ added tokens (original) ─ Normalizer ─ added tokens (normalized) ─ PreTokenizer ─ TokenizerModel
//        ─ truncation ─ PostProcessor ─ Encoding
//
// * `NormalizedString` holds the text being worked on; every scalar carries its span in the caller's text
//   (`alignments`). A step that changes text goes through `transform` (HF's change codes 0 / +1 / -n),
//   `mapScalars` (each scalar to zero or more, all aligned to it), `filter`, `prepend`/`append`, `strip`,
//   `slice` or `split(pattern, behavior)`; never edit `scalars` without its `alignments`.
// * `Normalizer.normalize(&NormalizedString)` — Normalizers/, registered in `Normalizers.registry` by type tag.
// * `PreTokenizer.preTokenize(&PreTokenizedString)` — PreTokenizers/, `PreTokenizers.registry`. Use
//   `PreTokenizedString.split` to cut (only untokenized splits are touched; empty pieces dropped) and
//   `.normalize` to change each split's text (Metaspace's "▁", ByteLevel's byte characters).
//   Each split that gets tokens is one word of the encoding (HF `word_ids`).
// * `TokenizerModel.tokenize(word scalars, into: &[ModelToken])` — Models/, `TokenizerModels.registry`; token
//   spans are in the word's scalars, ids in `0..<vocabularySize`; `token(forID:)` gives each id's text.
// * `PostProcessor.process(&[Token])` — PostProcessors/, `PostProcessors.registry`; `addedTokenCount` is kept
//   free when truncating, `specialTokens` are checked against the vocabulary at load.
// * Every part decodes itself with `init(json: JSONNode) throws`; errors name the field (`json.error(...)`),
//   and an unknown `type` tag is an error naming it.

/// A HuggingFace fast tokenizer, reimplemented: every token with its offsets in the original text and its word.
public final class Tokenizer: Sendable {
    /// model_max_length (tokenizer_config.json), else truncation.max_length (tokenizer.json), else 512.
    public let maxLength: Int
    /// Largest id + 1: the rows a word-embedding matrix needs.
    public let vocabularySize: Int
    /// The special tokens' ids; nil where the tokenizer has none (GPT-2 style files have no mask or padding).
    public let clsID: Int?, sepID: Int?, padID: Int?, unkID: Int?, maskID: Int?

    let normalizer: (any Normalizer)?
    let preTokenizer: (any PreTokenizer)?
    let model: any TokenizerModel
    let postProcessor: (any PostProcessor)?
    /// The special tokens the post-processor adds to every sequence ([CLS] and [SEP]: 2).
    public var specialTokensAdded: Int { postProcessor?.addedTokenCount ?? 0 }
    let addedVocabulary: AddedVocabulary

    /// Reads tokenizer.json, else vocab.txt + tokenizer_config.json, from a HuggingFace model directory.
    public static func load(directory: URL) throws -> Tokenizer {
        try TokenizerFiles.load(directory: directory)
    }

    init(normalizer: (any Normalizer)?, preTokenizer: (any PreTokenizer)?, model: any TokenizerModel,
         postProcessor: (any PostProcessor)?, addedTokens: [AddedToken], maxLength: Int,
         specialTokenIDs: (cls: Int?, sep: Int?, pad: Int?, unk: Int?, mask: Int?)) {
        self.normalizer = normalizer
        self.preTokenizer = preTokenizer
        self.model = model
        self.postProcessor = postProcessor
        addedVocabulary = AddedVocabulary(addedTokens, normalizer: normalizer)
        vocabularySize = max(model.vocabularySize, (addedTokens.map(\.id).max() ?? -1) + 1)
        self.maxLength = maxLength
        (clsID, sepID, padID, unkID, maskID) = specialTokenIDs
    }

    /// An added token's id, else the model's (both matched scalar by scalar).
    public func id(forToken token: String) -> Int? {
        addedVocabulary.id(of: token) ?? model.id(forToken: token)
    }

    public func token(forID id: Int) -> String? {
        addedVocabulary.content(of: id) ?? model.token(forID: id)
    }

    /// The text's tokens with the post-processor's special tokens, truncated to `maxLength` tokens (special tokens
    /// included) when given, `truncated` set. Special tokens are always kept, so a `maxLength` below their count
    /// keeps them alone (cut to `maxLength`). Follows `Tokenizer::encode` of HF tokenizers.
    public func encode(_ text: String, maxLength: Int? = nil) -> Encoding {
        let source = OriginalText(text)
        var pre = addedVocabulary.extractAndNormalize(source.scalars, normalizer: normalizer)
        preTokenizer?.preTokenize(&pre)

        var tokens: [Token] = []
        tokens.reserveCapacity(source.scalars.count / 3 + 2)
        var pieces: [ModelToken] = []
        var wordCount = 0
        for split in pre.splits {
            pieces.removeAll(keepingCapacity: true)
            if let claimed = split.tokens {
                pieces = claimed
            } else {
                model.tokenize(split.text.scalars, into: &pieces)
            }
            if pieces.isEmpty { continue }  // HF leaves a gap in its word ids; ours stay dense
            for piece in pieces {
                let span = split.text.originalSpan(piece.start..<piece.end)
                tokens.append(Token(id: piece.id, text: split.addedContent ?? piece.text ?? model.token(forID: piece.id) ?? "",
                                    start: span.lowerBound, end: span.upperBound, special: false, word: wordCount))
            }
            wordCount += 1
        }

        var truncated = false
        let added = postProcessor?.addedTokenCount ?? 0
        if let maxLength, tokens.count > max(0, maxLength - added) {
            tokens.removeSubrange(max(0, maxLength - added)...)
            truncated = true
        }
        postProcessor?.process(&tokens)
        if let maxLength, tokens.count > maxLength {
            tokens.removeSubrange(max(0, maxLength)...)
            truncated = true
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
}
