/// A token matched in the text as a whole before WordPiece (tokenizer.json `added_tokens`; for BERT the special
/// tokens, so a literal "[MASK]" in the text is the mask token, as in HF).
struct AddedToken: Sendable, Equatable {
    var id: Int
    var content: String
    /// Only match when not inside a word.
    var singleWord = false
    /// Swallow the whitespace on the left / right of a match.
    var lstrip = false
    var rstrip = false
    /// Match in the normalized text (content normalized too) rather than in the original.
    var normalized = false
    var special = true
}

/// One piece of a text split at added tokens.
enum AddedTokenSegment: Equatable {
    case text(Range<Int>)
    case token(AddedToken, Range<Int>)
}

/// The added tokens of a tokenizer and the two passes that find them in a text before the model runs (HF
/// `AddedVocabulary::extract_and_normalize`, tokenizers/src/tokenizer/added_vocabulary.rs): tokens with
/// `normalized: false` are matched in the original text, then what is left is normalized and the others are matched
/// in it, against their normalized content.
struct AddedVocabulary: Sendable {
    let tokens: [AddedToken]
    private let originalMatcher: AddedTokenMatcher
    private let normalizedMatcher: AddedTokenMatcher
    private let contentByID: [Int: String]

    init(_ tokens: [AddedToken], normalizer: (any Normalizer)?) {
        self.tokens = tokens
        originalMatcher = AddedTokenMatcher(tokens.filter { !$0.normalized }) { Array($0.content.unicodeScalars) }
        normalizedMatcher = AddedTokenMatcher(tokens.filter(\.normalized)) { token in
            let content = Array(token.content.unicodeScalars)
            var normalized = NormalizedString(content, content.indices)
            normalizer?.normalize(&normalized)
            return normalized.scalars
        }
        contentByID = Dictionary(tokens.map { ($0.id, $0.content) }, uniquingKeysWith: { _, last in last })
    }

    /// The id of an added token's content, matched scalar by scalar.
    func id(of content: String) -> Int? {
        tokens.last(where: { $0.content.unicodeScalars.elementsEqual(content.unicodeScalars) })?.id
    }

    func content(of id: Int) -> String? { contentByID[id] }

    /// The text cut at added tokens, each found one a split with its token, the rest normalized.
    func extractAndNormalize(_ text: [Unicode.Scalar], normalizer: (any Normalizer)?) -> PreTokenizedString {
        var pre = PreTokenizedString(NormalizedString(text, text.indices))
        pre.splitKeepingTokens { originalMatcher.split($0) }
        pre.splitKeepingTokens { piece in
            var piece = piece
            normalizer?.normalize(&piece)
            return normalizedMatcher.split(piece)
        }
        return pre
    }
}

/// Finds added tokens the way HF's `AddedVocabulary::find_matches` does (tokenizers/src/tokenizer/
/// added_vocabulary.rs): leftmost-longest, non-overlapping matches of the contents; a `single_word` match inside a
/// word is dropped; `lstrip`/`rstrip` extend a match over adjacent whitespace.
struct AddedTokenMatcher: Sendable {
    /// Candidates by first scalar, longest first.
    private let candidates: [UInt32: [(scalars: [Unicode.Scalar], token: AddedToken)]]
    /// Which ASCII scalars start a candidate (bit v of word v / 64), so most characters skip the dictionary.
    private let asciiFirst: (UInt64, UInt64)
    private let anyNonASCIIFirst: Bool

    var isEmpty: Bool { candidates.isEmpty }

    /// `contents` gives the scalars to look for per token (the content, or its normalized form).
    init(_ tokens: [AddedToken], contents: (AddedToken) -> [Unicode.Scalar]) {
        var candidates: [UInt32: [(scalars: [Unicode.Scalar], token: AddedToken)]] = [:]
        for token in tokens {
            let scalars = contents(token)
            guard let first = scalars.first else { continue }
            candidates[first.value, default: []].append((scalars, token))
        }
        for key in candidates.keys {
            candidates[key]!.sort { $0.scalars.count > $1.scalars.count }
        }
        self.candidates = candidates
        var mask: (UInt64, UInt64) = (0, 0)
        for v in candidates.keys where v < 128 {
            if v < 64 { mask.0 |= 1 << UInt64(v) } else { mask.1 |= 1 << UInt64(v - 64) }
        }
        asciiFirst = mask
        anyNonASCIIFirst = candidates.keys.contains { $0 >= 128 }
    }

    /// `text` cut into the added tokens found in it and the pieces between them.
    func split(_ text: NormalizedString) -> [Split] {
        // HF slices even when nothing matches, so the split's original span starts at its first character's.
        if candidates.isEmpty { return [Split(text: text.slice(text.scalars.indices), tokens: nil)] }
        return split(text.scalars, text.scalars.indices).map { segment in
            switch segment {
            case .text(let range):
                return Split(text: text.slice(range), tokens: nil)
            case .token(let token, let range):
                var content = String.UnicodeScalarView()
                content.append(contentsOf: text.scalars[range])
                return Split(text: text.slice(range), tokens: [ModelToken(id: token.id, start: 0, end: range.count)],
                             addedContent: String(content))
            }
        }
    }

    func split(_ text: [Unicode.Scalar], _ range: Range<Int>) -> [AddedTokenSegment] {
        if candidates.isEmpty { return range.isEmpty ? [] : [.text(range)] }
        var segments: [AddedTokenSegment] = []
        var done = range.lowerBound  // end of the last piece emitted
        var i = range.lowerBound
        while i < range.upperBound {
            guard let (token, length) = longestMatch(text, at: i, limit: range.upperBound) else {
                i += 1
                continue
            }
            var start = i, stop = i + length
            i = stop
            if token.singleWord {
                let spaceBefore = start == range.lowerBound || !Self.isWordCharacter(text[start - 1])
                let spaceAfter = stop == range.upperBound || !Self.isWordCharacter(text[stop])
                if !spaceBefore || !spaceAfter { continue }
            }
            if token.lstrip {
                while start > done && CharacterClasses.isWhitespace(text[start - 1]) { start -= 1 }
            }
            if token.rstrip {
                while stop < range.upperBound && CharacterClasses.isWhitespace(text[stop]) { stop += 1 }
                i = stop
            }
            if done < start { segments.append(.text(done..<start)) }
            segments.append(.token(token, start..<stop))
            done = stop
        }
        if done < range.upperBound { segments.append(.text(done..<range.upperBound)) }
        return segments
    }

    private func longestMatch(_ text: [Unicode.Scalar], at i: Int, limit: Int) -> (AddedToken, Int)? {
        let v = text[i].value
        if v < 64 {
            if asciiFirst.0 & (1 << UInt64(v)) == 0 { return nil }
        } else if v < 128 {
            if asciiFirst.1 & (1 << UInt64(v - 64)) == 0 { return nil }
        } else if !anyNonASCIIFirst {
            return nil
        }
        guard let list = candidates[v] else { return nil }
        for candidate in list where candidate.scalars.count <= limit - i {
            var matches = true
            for (k, s) in candidate.scalars.enumerated() where text[i + k] != s {
                matches = false
                break
            }
            if matches { return (candidate.token, candidate.scalars.count) }
        }
        return nil
    }

    /// Regex `\w` in Rust's regex crate: alphabetic, marks, decimal digits, connector punctuation, joiners.
    private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 {
            return (c.value >= 0x30 && c.value <= 0x39) || (c.value >= 0x41 && c.value <= 0x5A)
                || (c.value >= 0x61 && c.value <= 0x7A) || c.value == 0x5F
        }
        switch c.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return c.properties.isAlphabetic || c.properties.isJoinControl
        }
    }
}
