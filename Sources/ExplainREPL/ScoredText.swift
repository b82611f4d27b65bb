import Foundation

/// One shaded unit of an explanation: a token, or a whole word when the explanation is at word granularity
/// (its word pieces joined).
public struct ScoredUnit: Sendable, Equatable {
    public var label: String     // what the model saw: "##able", "[CLS]", or the word
    public var start: Int?       // Unicode scalar offsets in the text; nil for added special tokens
    public var end: Int?
    public var score: Double
    public var special: Bool
}

/// The text cut into pieces for in-place display: the stretches between units verbatim, and each unit's span.
public enum TextPiece: Equatable, Sendable {
    case gap(String)
    case unit(String, index: Int)
}

public enum ScoredText {
    /// Tokens at token granularity, words (pieces joined) when the explanation carries word scores.
    public static func units(_ e: Explanation) -> [ScoredUnit] {
        if e.granularity == "word", e.words.contains(where: { $0.score != nil }) {
            return e.words.map { ScoredUnit(label: $0.text, start: $0.start, end: $0.end, score: $0.score ?? 0, special: false) }
        }
        return e.tokens.map { ScoredUnit(label: $0.text, start: $0.start, end: $0.end, score: $0.score ?? 0, special: $0.special) }
    }

    /// Splits `text` around the units that have spans (special tokens have none and are not part of the text).
    public static func pieces(_ text: String, _ units: [ScoredUnit]) -> [TextPiece] {
        let scalars = Array(text.unicodeScalars)
        func slice(_ a: Int, _ b: Int) -> String {
            var s = String.UnicodeScalarView()
            s.append(contentsOf: scalars[max(0, min(a, scalars.count))..<max(0, min(b, scalars.count))])
            return String(s)
        }
        let placed = units.indices.filter { units[$0].start != nil && units[$0].end != nil }
            .sorted { units[$0].start! < units[$1].start! }
        var pieces: [TextPiece] = []
        var cursor = 0
        for i in placed {
            let start = units[i].start!, end = units[i].end!
            guard start >= cursor else { continue }  // overlapping spans cannot be shaded twice
            if start > cursor { pieces.append(.gap(slice(cursor, start))) }
            pieces.append(.unit(slice(start, end), index: i))
            cursor = end
        }
        if cursor < scalars.count { pieces.append(.gap(slice(cursor, scalars.count))) }
        return pieces
    }

    /// The largest score magnitude among the text's units: shading is relative to it, so that scores
    /// normalised by l1 or not at all still use the whole scale.
    public static func scaleMaximum(_ units: [ScoredUnit]) -> Double {
        let m = units.filter { !$0.special }.map { abs($0.score) }.filter(\.isFinite).max() ?? 0
        return m > 0 ? m : 1
    }
}

/// Scores as the REPL prints them: three significant figures (the plain form `token[0.421]`, and
/// `token[0.00213]` with `:normalize none`), never "-0"; probabilities with four decimals.
public enum ScoreFormat {
    public static func short(_ x: Double) -> String { significant(x, digits: 3) }
    public static func long(_ x: Double) -> String { fixed(x, digits: 4) }

    /// `digits` significant figures: fixed notation from 1e-4 to 1e6, exponent notation beyond.
    public static func significant(_ x: Double, digits: Int) -> String {
        guard x.isFinite, x != 0 else { return x == 0 ? "0" : fixed(x, digits: 0) }
        let rounded = Double(String(format: "%.\(digits - 1)e", x))!  // so that 0.09996 counts as 0.1
        let magnitude = Int(floor(log10(abs(rounded))))
        if magnitude < -4 || magnitude >= 6 { return String(format: "%.\(digits - 1)e", x) }
        return fixed(x, digits: max(0, digits - 1 - magnitude))
    }

    public static func fixed(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        let s = String(format: "%.\(digits)f", x)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    public static func milliseconds(_ ms: Double) -> String {
        ms >= 1000 ? String(format: "%.2f s", ms / 1000) : String(format: "%.1f ms", ms)
    }
}
