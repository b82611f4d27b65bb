/// One token of an encoding.
public struct Token: Sendable, Equatable {
    public var id: Int
    /// The vocabulary string ("hello", "##ing", "[CLS]"); for an added token found in the text, the text matched.
    public var text: String
    /// Offsets in the ORIGINAL text, in Unicode scalars (`String.unicodeScalars` indices, which are Python's `str`
    /// indices); nil for the special tokens the post-processor adds, where HF reports (0, 0).
    public var start: Int?
    public var end: Int?
    /// Added by the post-processor ([CLS], [SEP]); HF's `special_tokens_mask`. A "[MASK]" typed in the text is
    /// matched as an added token but is not special in this sense, as in HF.
    public var special: Bool
    /// Index into `Encoding.words` (into `pairWords` for the pair's tokens), HF's `word_ids()` exactly (the
    /// pre-tokenizer's split, counted per sequence); nil for special tokens.
    public var word: Int?
    /// Which text the token comes from: 0, or 1 for the pair (HF `sequence_ids()`); nil for special tokens.
    public var sequence: Int? = 0
    /// The post-processor's token type (HF `type_ids`): BERT's segment, 1 for the pair's tokens and their [SEP].
    public var typeID = 0
}

/// A word of the pre-tokenizer (a run of non-space, non-punctuation characters, or one punctuation character,
/// or one added token found in the text) and the tokens it became: none when the model gave the split no
/// token (HF leaves that word id unused), which keeps token word ids equal to HF's.
public struct Word: Sendable, Equatable {
    /// The original text of the word's span.
    public var text: String
    /// Unicode-scalar offsets of the span in the original text.
    public var start: Int, end: Int
    /// Indices into `Encoding.tokens`.
    public var tokens: [Int]

    public init(text: String, start: Int, end: Int, tokens: [Int]) {
        self.text = text
        self.start = start
        self.end = end
        self.tokens = tokens
    }
}

public struct Encoding: Sendable, Equatable {
    public var tokens: [Token]
    public var words: [Word]
    /// The pair's words when a text pair was encoded (their offsets are in the pair's text); empty otherwise.
    public var pairWords: [Word] = []
    /// True when tokens were dropped to fit the maximum length.
    public var truncated: Bool

    public var ids: [Int] { tokens.map(\.id) }

    public init(tokens: [Token], words: [Word], truncated: Bool) {
        self.tokens = tokens
        self.words = words
        self.truncated = truncated
    }
}
