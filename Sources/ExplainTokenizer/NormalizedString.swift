/// Where one normalized character came from: a span of the caller's text, in Unicode scalars.
struct Alignment: Sendable, Equatable {
    var start: Int
    var end: Int
}

/// Text being normalized, in which every scalar carries the span of the original text it came from — HF's
/// `NormalizedString` (tokenizers/src/tokenizer/normalizer.rs), with alignments per scalar rather than per byte
/// (HF gives every byte of a character the same span, so the two agree) and absolute in the caller's text (HF
/// keeps them relative to a slice plus a shift; the sums are the same). A token's offsets are its first
/// scalar's start and its last scalar's end, which is how offsets survive normalizations that change lengths.
struct NormalizedString: Sendable {
    var scalars: [Unicode.Scalar]
    var alignments: [Alignment]
    /// The span of the original text this string stands for (HF `offsets_original`); where a character inserted
    /// at the very start is aligned.
    var original: Range<Int>

    var isEmpty: Bool { scalars.isEmpty }
    var count: Int { scalars.count }

    /// `text[range]` unchanged: each scalar aligned to itself.
    init(_ text: [Unicode.Scalar], _ range: Range<Int>) {
        scalars = Array(text[range])
        alignments = range.map { Alignment(start: $0, end: $0 + 1) }
        original = range
    }

    init(scalars: [Unicode.Scalar], alignments: [Alignment], original: Range<Int>) {
        self.scalars = scalars
        self.alignments = alignments
        self.original = original
    }

    /// The span of the original text behind `range` of this string (HF `convert_offsets` of a normalized range:
    /// first scalar's start to last scalar's end).
    func originalSpan(_ range: Range<Int>) -> Range<Int> {
        if range.isEmpty {
            if scalars.isEmpty { return original }
            let at = range.lowerBound < alignments.count ? alignments[range.lowerBound].start : alignments.last!.end
            return at..<at
        }
        let start = alignments[range.lowerBound].start, end = alignments[range.upperBound - 1].end
        return start..<max(start, end)
    }

    /// The part `range` of this string, keeping its alignments (HF `slice`).
    func slice(_ range: Range<Int>) -> NormalizedString {
        NormalizedString(scalars: Array(scalars[range]), alignments: Array(alignments[range]),
                         original: originalSpan(range))
    }

    /// Replaces `range` with `replacement`, HF's `transform_range`: each new scalar comes with a change of `0`
    /// (it replaces the next old scalar and takes its alignment), `1` (it is inserted and takes the alignment of
    /// the scalar before it) or `-n` (it replaces the next old scalar and removes the `n` after it).
    /// `removedAtStart` old scalars are removed before the first new one.
    mutating func transform(_ range: Range<Int>, _ replacement: [(Unicode.Scalar, Int)], removedAtStart: Int = 0) {
        var newScalars: [Unicode.Scalar] = []
        var newAlignments: [Alignment] = []
        newScalars.reserveCapacity(replacement.count)
        newAlignments.reserveCapacity(replacement.count)
        var offset = range.lowerBound + removedAtStart
        for (c, change) in replacement {
            let alignment: Alignment
            if change > 0 {
                alignment = offset < 1 ? Alignment(start: original.lowerBound, end: original.lowerBound)
                    : alignments[offset - 1]
            } else {
                alignment = alignments[offset]
                offset += 1 - change
            }
            newScalars.append(c)
            newAlignments.append(alignment)
        }
        scalars.replaceSubrange(range, with: newScalars)
        alignments.replaceSubrange(range, with: newAlignments)
    }

    mutating func transform(_ replacement: [(Unicode.Scalar, Int)], removedAtStart: Int = 0) {
        transform(0..<scalars.count, replacement, removedAtStart: removedAtStart)
    }

    /// Each scalar becomes zero or more scalars, all aligned to it (the common case of HF's per-character
    /// steps: a dropped control, a lowercase mapping, a decomposition); `nil` keeps the scalar as it is.
    mutating func mapScalars(_ form: (Unicode.Scalar) -> [Unicode.Scalar]?) {
        var newScalars: [Unicode.Scalar] = []
        var newAlignments: [Alignment] = []
        newScalars.reserveCapacity(scalars.count)
        newAlignments.reserveCapacity(scalars.count)
        for (c, alignment) in zip(scalars, alignments) {
            guard let replaced = form(c) else {
                newScalars.append(c)
                newAlignments.append(alignment)
                continue
            }
            for s in replaced {
                newScalars.append(s)
                newAlignments.append(alignment)
            }
        }
        scalars = newScalars
        alignments = newAlignments
    }

    /// Keeps the scalars `keep` accepts (HF `filter`).
    mutating func filter(_ keep: (Unicode.Scalar) -> Bool) {
        mapScalars { keep($0) ? nil : [] }
    }

    /// HF `prepend`: the new text takes the first scalar's alignment; nothing happens to an empty string.
    mutating func prepend(_ prefix: [Unicode.Scalar]) {
        guard let first = alignments.first, !prefix.isEmpty else { return }
        scalars.insert(contentsOf: prefix, at: 0)
        alignments.insert(contentsOf: repeatElement(first, count: prefix.count), at: 0)
    }

    /// HF `append`: the new text takes the last scalar's alignment, or the start of an empty string's span.
    mutating func append(_ suffix: [Unicode.Scalar]) {
        let alignment = alignments.last ?? Alignment(start: original.lowerBound, end: original.lowerBound)
        scalars.append(contentsOf: suffix)
        alignments.append(contentsOf: repeatElement(alignment, count: suffix.count))
    }

    /// HF `lstrip`/`rstrip`/`strip`: drops leading and/or trailing whitespace (Rust `char::is_whitespace`).
    mutating func strip(left: Bool, right: Bool) {
        var start = 0, end = scalars.count
        if left { while start < end && scalars[start].properties.isWhitespace { start += 1 } }
        if right { while end > start && scalars[end - 1].properties.isWhitespace { end -= 1 } }
        if start == 0 && end == scalars.count { return }
        scalars = Array(scalars[start..<end])
        alignments = Array(alignments[start..<end])
    }

    /// Splits at the pattern's matches, the delimiters treated as `behavior` says (HF `split`); empty parts are
    /// dropped by the caller (`PreTokenizedString.split`).
    func split(_ pattern: some SplitPattern, _ behavior: SplitDelimiterBehavior) -> [NormalizedString] {
        var matches = pattern.matches(in: scalars)
        if matches.isEmpty { matches = [(0..<0, false)] }
        var pieces: [(range: Range<Int>, remove: Bool)] = []
        /// Walks the matches (backwards for mergedWithNext), joining each to the piece before it in the walk
        /// when `joins(isMatch, previousIsMatch)`.
        func merge(backwards: Bool, joins: (Bool, Bool) -> Bool) {
            var previous = false
            for m in backwards ? Array(matches.reversed()) : matches {
                if joins(m.isMatch, previous), let last = pieces.last {
                    pieces[pieces.count - 1].range = min(last.range.lowerBound, m.range.lowerBound)..<max(last.range.upperBound, m.range.upperBound)
                } else {
                    pieces.append((m.range, false))
                }
                previous = m.isMatch
            }
            if backwards { pieces.reverse() }
        }
        switch behavior {
        case .isolated: pieces = matches.map { ($0.range, false) }
        case .removed: pieces = matches.map { ($0.range, $0.isMatch) }
        case .contiguous: merge(backwards: false) { $0 == $1 }
        case .mergedWithPrevious: merge(backwards: false) { $0 && !$1 }
        case .mergedWithNext: merge(backwards: true) { $0 && !$1 }
        }
        // Most steps leave most splits whole: the same storage, no copy (the span as `slice` would give it).
        if pieces.count == 1, !pieces[0].remove, pieces[0].range == 0..<scalars.count, !scalars.isEmpty {
            var whole = self
            whole.original = originalSpan(pieces[0].range)
            return [whole]
        }
        return pieces.compactMap { $0.remove ? nil : slice($0.range) }
    }
}

/// What `split` does with a delimiter (HF `SplitDelimiterBehavior`).
enum SplitDelimiterBehavior: String, Sendable, CaseIterable {
    case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
    case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
}
