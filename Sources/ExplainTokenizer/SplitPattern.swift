/// What `NormalizedString.split` and `Replace` look for (HF `Pattern`, tokenizers/src/tokenizer/pattern.rs).
protocol SplitPattern {
    /// Contiguous ranges covering the whole of `text` in order, each flagged as a match or not; a text with
    /// nothing in it may give no ranges.
    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)]
}

/// Every scalar the predicate accepts is a match of its own (HF's `Fn(char) -> bool` pattern).
struct ScalarPattern: SplitPattern {
    var test: (Unicode.Scalar) -> Bool

    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        var found: [(range: Range<Int>, isMatch: Bool)] = []
        var last = 0
        for (i, c) in text.enumerated() where test(c) {
            if last < i { found.append((last..<i, false)) }
            found.append((i..<(i + 1), true))
            last = i + 1
        }
        if last < text.count { found.append((last..<text.count, false)) }
        return found
    }
}

/// The non-overlapping occurrences of a literal string, leftmost first (HF escapes the string into a regex).
struct LiteralPattern: SplitPattern, Sendable {
    var literal: [Unicode.Scalar]

    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        guard !literal.isEmpty else { return text.isEmpty ? [] : [(0..<text.count, false)] }
        var found: [(range: Range<Int>, isMatch: Bool)] = []
        var last = 0, i = 0
        while i + literal.count <= text.count {
            if text[i] == literal[0] && text[i..<(i + literal.count)].elementsEqual(literal) {
                if last < i { found.append((last..<i, false)) }
                found.append((i..<(i + literal.count), true))
                i += literal.count
                last = i
            } else {
                i += 1
            }
        }
        if last < text.count { found.append((last..<text.count, false)) }
        return found
    }
}

/// A pattern with its matches flagged the other way round (HF `Invert`).
struct InvertedPattern<Base: SplitPattern>: SplitPattern {
    var base: Base

    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        base.matches(in: text).map { ($0.range, !$0.isMatch) }
    }
}
