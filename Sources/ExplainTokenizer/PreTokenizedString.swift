/// A token a model (or the added vocabulary) produced for one split: its id and its span in the split's scalars.
struct ModelToken: Sendable, Equatable {
    var id: Int
    var start: Int
    var end: Int
    /// The token's text when it is not the vocabulary's (Unigram's unknown pieces show the text they cover).
    var text: String? = nil
}

/// One piece of the text between pre-tokenization steps (HF `Split`): its normalized text and, once an added token
/// or the model has tokenized it, its tokens. Each split that ends up with tokens is one word of the encoding.
struct Split: Sendable {
    var text: NormalizedString
    var tokens: [ModelToken]?
    /// The token text an added token was matched as (HF keeps the matched slice as the token's value).
    var addedContent: String?
}

/// The text cut into splits by added tokens and pre-tokenizers (HF `PreTokenizedString`,
/// tokenizers/src/tokenizer/pre_tokenizer.rs). Steps only touch the splits no token has claimed yet.
struct PreTokenizedString: Sendable {
    var splits: [Split]

    init(_ text: NormalizedString) {
        splits = [Split(text: text, tokens: nil)]
    }

    /// Replaces every untokenized split by the pieces `body` cuts it into; empty pieces are dropped.
    mutating func split(_ body: (NormalizedString) -> [NormalizedString]) {
        replaceUntokenized { text, next in
            for piece in body(text) where !piece.isEmpty { next.append(Split(text: piece, tokens: nil)) }
        }
    }

    /// Like `split`, for steps that may claim pieces as tokens (the added vocabulary).
    mutating func splitKeepingTokens(_ body: (NormalizedString) -> [Split]) {
        replaceUntokenized { text, next in
            for piece in body(text) where !piece.text.isEmpty { next.append(piece) }
        }
    }

    /// The one walk both split steps share: claimed splits stay, each other one is replaced by what `body`
    /// appends for its text.
    private mutating func replaceUntokenized(_ body: (NormalizedString, inout [Split]) -> Void) {
        var next: [Split] = []
        next.reserveCapacity(splits.count)
        for split in splits {
            if split.tokens != nil { next.append(split) } else { body(split.text, &next) }
        }
        splits = next
    }

    /// Changes the text of every untokenized split in place.
    mutating func normalize(_ body: (inout NormalizedString) -> Void) {
        for i in splits.indices where splits[i].tokens == nil {
            body(&splits[i].text)
        }
    }
}
