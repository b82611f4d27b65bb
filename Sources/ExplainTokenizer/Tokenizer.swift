import Foundation

// The pipeline of HuggingFace `tokenizers` (tokenizers/src/tokenizer/mod.rs), part by part:
//
//   text (and its pair) ─ added tokens (original) ─ Normalizer ─ added tokens (normalized) ─ PreTokenizer
//        ─ TokenizerModel ─ truncation ─ PostProcessor ─ Encoding
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
// * `PostProcessor.process(&[[Token]])` — PostProcessors/, `PostProcessors.registry`: the text's tokens and the
//   pair's in, one merged sequence out (a template); `addedTokenCount(pair:)` is kept free when truncating,
//   `specialTokens` are checked against the vocabulary at load.
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
    /// The special tokens the post-processor adds to a single sequence ([CLS] and [SEP]: 2).
    public var specialTokensAdded: Int { postProcessor?.addedTokenCount(pair: false) ?? 0 }
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

    /// The text's tokens (and its pair's, when given) with the post-processor's special tokens, truncated to
    /// `maxLength` tokens (special tokens included) when given, `truncated` set. Special tokens are always kept,
    /// so a `maxLength` below their count keeps them alone (cut to `maxLength`). A pair is cut longest first, as
    /// HF's default strategy. Follows `Tokenizer::encode` of HF tokenizers.
    public func encode(_ text: String, pair: String? = nil, maxLength: Int? = nil) -> Encoding {
        var first = encodeSequence(text, sequence: 0)
        var second = pair.map { encodeSequence($0, sequence: 1) }

        var truncated = false
        let added = postProcessor?.addedTokenCount(pair: second != nil) ?? 0
        if let maxLength {
            let room = max(0, maxLength - added)
            if var other = second {
                let (keepFirst, keepSecond) = Self.longestFirst(first.tokens.count, other.tokens.count, room: room)
                truncated = keepFirst < first.tokens.count || keepSecond < other.tokens.count
                first.tokens.removeSubrange(min(keepFirst, first.tokens.count)...)
                other.tokens.removeSubrange(min(keepSecond, other.tokens.count)...)
                second = other
            } else if first.tokens.count > room {
                first.tokens.removeSubrange(room...)
                truncated = true
            }
        }
        var sequences = [first.tokens] + (second.map { [$0.tokens] } ?? [])
        postProcessor?.process(&sequences)
        var tokens = sequences.count == 1 ? sequences[0] : sequences.flatMap { $0 }  // no template: A then B
        if let maxLength, tokens.count > maxLength {
            tokens.removeSubrange(max(0, maxLength)...)
            truncated = true
        }
        var encoding = Encoding(tokens: tokens, words: Self.words(of: tokens, sequence: 0, splitSpans: first.splitSpans, in: first.source),
                                truncated: truncated)
        if let second {
            encoding.pairWords = Self.words(of: tokens, sequence: 1, splitSpans: second.splitSpans, in: second.source)
        }
        return encoding
    }

    /// HF's `TruncationStrategy::LongestFirst` (tokenizers/src/utils/truncation.rs): how many tokens of each
    /// sequence stay when both must fit in `room` — the shorter kept whole if it fits in half, else both halved.
    static func longestFirst(_ first: Int, _ second: Int, room: Int) -> (Int, Int) {
        guard first + second > room else { return (first, second) }
        let swapped = first > second
        var short = min(first, second), long = max(first, second)
        long = short > room ? short : max(short, room - short)
        if short + long > room {
            short = room / 2
            long = short + room % 2
        }
        return swapped ? (long, short) : (short, long)
    }

    /// One text through the pipeline up to the model: its tokens (of `sequence`, type id `sequence` as HF
    /// gives them before the post-processor) and each split's span, whose index is its word id.
    private func encodeSequence(_ text: String, sequence: Int) -> (tokens: [Token], splitSpans: [Range<Int>], source: OriginalText) {
        let source = OriginalText(text)
        var pre = addedVocabulary.extractAndNormalize(source.scalars, normalizer: normalizer)
        preTokenizer?.preTokenize(&pre)

        var tokens: [Token] = []
        tokens.reserveCapacity(source.scalars.count / 3 + 2)
        var pieces: [ModelToken] = []
        // Each split's span in the original text; its index is its word id (HF's, gaps included).
        var splitSpans: [Range<Int>] = []
        splitSpans.reserveCapacity(pre.splits.count)
        for split in pre.splits {
            pieces.removeAll(keepingCapacity: true)
            if let claimed = split.tokens {
                pieces = claimed
            } else {
                model.tokenize(split.text.scalars, into: &pieces)
            }
            let word = splitSpans.count
            splitSpans.append(split.text.originalSpan(0..<split.text.scalars.count))
            for piece in pieces {
                let span = split.text.originalSpan(piece.start..<piece.end)
                var token = Token(id: piece.id, text: split.addedContent ?? piece.text ?? model.token(forID: piece.id) ?? "",
                                  start: span.lowerBound, end: span.upperBound, special: false, word: word)
                token.sequence = sequence
                token.typeID = sequence
                tokens.append(token)
            }
        }
        return (tokens, splitSpans, source)
    }

    /// Groups the tokens of `sequence` by word, up to the last word that kept a token. A word spans from its
    /// first remaining token's start to its last one's end; a split that got no token (HF's gap in `word_ids`)
    /// is a word of no tokens over the split's own span, so word ids stay indices into the words.
    private static func words(of tokens: [Token], sequence: Int, splitSpans: [Range<Int>], in original: OriginalText) -> [Word] {
        let count = (tokens.filter { $0.sequence == sequence }.compactMap(\.word).max() ?? -1) + 1
        var words: [Word] = []
        words.reserveCapacity(count)
        var spanned = [Bool](repeating: false, count: count)
        for w in 0..<count {
            words.append(Word(text: "", start: splitSpans[w].lowerBound, end: splitSpans[w].upperBound, tokens: []))
        }
        for (index, token) in tokens.enumerated() where token.sequence == sequence {
            guard let w = token.word, let start = token.start, let end = token.end else { continue }
            if spanned[w] {
                words[w].end = max(words[w].end, end)
            } else {
                (words[w].start, words[w].end, spanned[w]) = (start, end, true)
            }
            words[w].tokens.append(index)
        }
        for i in words.indices {
            words[i].text = original.string(words[i].start..<words[i].end)
        }
        return words
    }
}
