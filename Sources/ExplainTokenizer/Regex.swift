/// A small backtracking regular-expression engine over Unicode scalars, for the patterns tokenizer files carry
/// (the GPT-2 split pattern of ByteLevel, `Split` and `Replace` patterns, which HF runs with Oniguruma): literals,
/// `.`, classes with ranges and `\p{…}` general categories, `\s \S \d \D \w \W \b \B`, `^ $ \A \z`, groups
/// (capturing, `(?:…)`, `(?i:…)`), alternation, greedy and lazy `* + ? {m,n}`, lookahead and fixed-length
/// lookbehind. Matching is leftmost-first, as Oniguruma's. Anything else is an error naming what is unsupported.
struct Regex: Sendable {
    struct SyntaxError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    fileprivate enum Instruction: Sendable {
        /// Consume one scalar of set `n`.
        case scalar(Int)
        /// Consume as many scalars of set `set` as allowed, backing off one at a time (greedy) or taking more one at
        /// a time (lazy).
        case run(set: Int, min: Int, max: Int, greedy: Bool)
        /// Continue at `first`; on failure at `second`.
        case split(Int, Int)
        case jump(Int)
        case textStart, textEnd, lineStart, lineEnd
        case wordBoundary(Bool)
        /// Sub-program `program` must (or must not) match here (ahead) or end here with `length` scalars (behind).
        case look(program: Int, ahead: Bool, negate: Bool, length: Int)
        case match
    }

    /// Backtracking steps one match attempt may take (Oniguruma's default retry limit is 10,000,000).
    let backtrackLimit: Int

    private let programs: [[Instruction]]
    private let sets: [ScalarSet]
    /// The scalars a match can start with, when a match cannot be empty: other start positions are skipped.
    private let firstScalars: ScalarSet?

    /// Whose syntax and classes: Oniguruma's (HF's `SysRegex`: Split, Replace, ByteLevel) or the Rust `regex`
    /// crate's (the Whitespace pre-tokenizer), which differ in `\w` (Rust's adds Alphabetic and Join_Control).
    enum Flavor: Sendable { case oniguruma, rust }

    init(_ pattern: String, flavor: Flavor = .oniguruma, backtrackLimit: Int = 10_000_000) throws {
        self.backtrackLimit = backtrackLimit
        var parser = RegexParser(Array(pattern.unicodeScalars))
        parser.flavor = flavor
        let node = try parser.parseAll()
        var compiler = RegexCompiler()
        _ = compiler.compileProgram(node)
        programs = compiler.programs
        sets = compiler.sets.map { $0.withASCIIAnswers() }
        firstScalars = node.firstScalars?.withASCIIAnswers()
    }

    /// The regex that matches `literal` exactly.
    static func literal(_ literal: String) -> Regex {
        // Every scalar escaped: \x{…} is always parsed as the scalar itself.
        try! Regex(literal.unicodeScalars.map { "\\x{\(String($0.value, radix: 16))}" }.joined())
    }

    /// The end of a match starting at `start`, or nil.
    func match(_ text: [Unicode.Scalar], at start: Int) -> Int? {
        var stack: [Backtrack] = []
        return run(0, text, start, &stack)
    }

    /// Non-overlapping matches, leftmost first; after an empty match the search resumes one scalar further.
    func matches(in text: [Unicode.Scalar]) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var stack: [Backtrack] = []
        var start = 0
        while start <= text.count {
            var matched: Range<Int>?
            var s = start
            while s <= text.count {
                if let first = firstScalars {
                    while s < text.count && !first.contains(text[s]) { s += 1 }
                    if s == text.count { break }
                }
                if let end = run(0, text, s, &stack) { matched = s..<end; break }
                s += 1
            }
            guard let m = matched else { break }
            found.append(m)
            start = m.isEmpty ? m.upperBound + 1 : m.upperBound
        }
        return found
    }

    private struct Backtrack {
        var pc: Int
        var position: Int
        /// For `run`: the other end of the positions still to try (-1 for a plain split).
        var bound: Int
        var greedy: Bool
    }

    private func run(_ index: Int, _ text: [Unicode.Scalar], _ start: Int, _ stack: inout [Backtrack]) -> Int? {
        let program = programs[index]
        stack.removeAll(keepingCapacity: true)
        stack.append(Backtrack(pc: 0, position: start, bound: -1, greedy: true))
        // A pattern that backtracks without end (`(a+)+b` on a long run of a's) gives up, as Oniguruma's retry
        // limit does, rather than hang the caller.
        var budget = backtrackLimit
        while var state = stack.popLast() {
            budget -= 1
            if budget < 0 { return nil }
            if state.bound >= 0 {
                // Resume a run at its next length.
                if state.greedy {
                    state.position -= 1
                    if state.position > state.bound { stack.append(Backtrack(pc: state.pc, position: state.position, bound: state.bound, greedy: true)) }
                } else {
                    guard case .run(let set, _, _, _) = program[state.pc - 1], state.position < state.bound,
                          sets[set].contains(text[state.position]) else { continue }
                    state.position += 1
                    if state.position < state.bound { stack.append(Backtrack(pc: state.pc, position: state.position, bound: state.bound, greedy: false)) }
                }
            }
            var pc = state.pc, pos = state.position
            execute: while true {
                switch program[pc] {
                case .scalar(let set):
                    guard pos < text.count, sets[set].contains(text[pos]) else { break execute }
                    pos += 1
                    pc += 1
                case .run(let set, let min, let max, let greedy):
                    let limit = max < 0 ? text.count : Swift.min(text.count, pos + max)
                    var end = pos
                    if greedy {
                        while end < limit && sets[set].contains(text[end]) { end += 1 }
                        guard end - pos >= min else { break execute }
                        if end > pos + min { stack.append(Backtrack(pc: pc + 1, position: end, bound: pos + min, greedy: true)) }
                    } else {
                        while end < pos + min {
                            guard end < limit, sets[set].contains(text[end]) else { break execute }
                            end += 1
                        }
                        if end < limit { stack.append(Backtrack(pc: pc + 1, position: end, bound: limit, greedy: false)) }
                    }
                    pos = end
                    pc += 1
                case .split(let first, let second):
                    stack.append(Backtrack(pc: second, position: pos, bound: -1, greedy: true))
                    pc = first
                case .jump(let target):
                    pc = target
                case .textStart:
                    guard pos == 0 else { break execute }
                    pc += 1
                case .textEnd:
                    guard pos == text.count else { break execute }
                    pc += 1
                case .lineStart:
                    guard pos == 0 || text[pos - 1] == "\n" else { break execute }
                    pc += 1
                case .lineEnd:
                    guard pos == text.count || text[pos] == "\n" else { break execute }
                    pc += 1
                case .wordBoundary(let wanted):
                    let before = pos > 0 && ScalarSet.isWord(text[pos - 1])
                    let after = pos < text.count && ScalarSet.isWord(text[pos])
                    guard (before != after) == wanted else { break execute }
                    pc += 1
                case .look(let sub, let ahead, let negate, let length):
                    var inner: [Backtrack] = []
                    let found: Bool
                    if ahead {
                        found = run(sub, text, pos, &inner) != nil
                    } else {
                        found = pos >= length && run(sub, text, pos - length, &inner) == pos
                    }
                    guard found != negate else { break execute }
                    pc += 1
                case .match:
                    return pos
                }
            }
        }
        return nil
    }
}

/// A set of scalars: ASCII by bitmap, the rest by ranges and general categories.
struct ScalarSet: Sendable {
    var ascii: (UInt64, UInt64) = (0, 0)
    var ranges: [ClosedRange<UInt32>] = []
    var categories: Set<Unicode.GeneralCategory> = []
    var whitespace = false
    /// Rust regex's `\w` extras: Alphabetic and Join_Control.
    var alphabeticOrJoiner = false
    var negated = false
    /// Sets whose union (or, negated inside, whose complement) this set includes.
    var members: [ScalarSet] = []

    /// When set, `ascii` holds the whole answer for ASCII scalars (negation included).
    var asciiAnswered = false

    func contains(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 && asciiAnswered {
            return (v < 64 ? ascii.0 >> UInt64(v) & 1 : ascii.1 >> UInt64(v - 64) & 1) == 1
        }
        return containsSlow(c) != negated
    }

    /// The same set with its ASCII answers computed once.
    func withASCIIAnswers() -> ScalarSet {
        var answers: (UInt64, UInt64) = (0, 0)
        for v in UInt32(0)..<128 where contains(Unicode.Scalar(v)!) {
            if v < 64 { answers.0 |= 1 << UInt64(v) } else { answers.1 |= 1 << UInt64(v - 64) }
        }
        var s = self
        s.members = members.map { $0.withASCIIAnswers() }
        s.ascii = answers
        s.asciiAnswered = true
        return s
    }

    private func containsSlow(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 && !asciiAnswered {
            let bit = v < 64 ? ascii.0 >> UInt64(v) & 1 : ascii.1 >> UInt64(v - 64) & 1
            if bit == 1 { return true }
        } else if ranges.contains(where: { $0.contains(v) }) {
            return true
        }
        if whitespace && CharacterClasses.isWhitespace(c) { return true }   // Oniguruma's Unicode \s: White_Space
        if alphabeticOrJoiner && (c.properties.isAlphabetic || c.properties.isJoinControl) { return true }
        if !categories.isEmpty && categories.contains(c.properties.generalCategory) { return true }
        return members.contains { $0.contains(c) }
    }

    mutating func insert(_ v: UInt32) {
        if v < 64 { ascii.0 |= 1 << UInt64(v) } else if v < 128 { ascii.1 |= 1 << UInt64(v - 64) } else { ranges.append(v...v) }
    }

    mutating func insert(_ range: ClosedRange<UInt32>) {
        for v in range.lowerBound...min(range.upperBound, 127) where range.lowerBound < 128 { insert(v) }
        if range.upperBound >= 128 { ranges.append(max(range.lowerBound, 128)...range.upperBound) }
    }

    /// `\w`: letters, marks, decimal numbers, connector punctuation.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 128 {
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .nonspacingMark,
             .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }

    static let space: ScalarSet = { var s = ScalarSet(); s.whitespace = true; return s }()
    static let digit: ScalarSet = { var s = ScalarSet(); s.insert(0x30...0x39); s.categories = [.decimalNumber]; return s }()
    static let word: ScalarSet = {
        var s = ScalarSet()
        s.insert(0x30...0x39); s.insert(0x41...0x5A); s.insert(0x61...0x7A); s.insert(0x5F)
        s.categories = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                        .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation]
        return s
    }()
    static let rustWord: ScalarSet = { var s = word; s.alphabeticOrJoiner = true; return s }()
    static let any: ScalarSet = { var s = ScalarSet(); s.negated = true; return s }()
    static let notNewline: ScalarSet = { var s = ScalarSet(); s.insert(0x0A); s.negated = true; return s }()

    func inverted() -> ScalarSet { var s = self; s.negated.toggle(); return s }

    /// The general categories `\p{name}` names (one- and two-letter names, and the long names in use).
    static func category(_ name: String) -> ScalarSet? {
        let table: [String: [Unicode.GeneralCategory]] = [
            "L": [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter],
            "Lu": [.uppercaseLetter], "Ll": [.lowercaseLetter], "Lt": [.titlecaseLetter], "Lm": [.modifierLetter],
            "Lo": [.otherLetter], "M": [.nonspacingMark, .spacingMark, .enclosingMark], "Mn": [.nonspacingMark],
            "Mc": [.spacingMark], "Me": [.enclosingMark], "N": [.decimalNumber, .letterNumber, .otherNumber],
            "Nd": [.decimalNumber], "Nl": [.letterNumber], "No": [.otherNumber],
            "P": [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                  .finalPunctuation, .otherPunctuation],
            "Pc": [.connectorPunctuation], "Pd": [.dashPunctuation], "Ps": [.openPunctuation], "Pe": [.closePunctuation],
            "Pi": [.initialPunctuation], "Pf": [.finalPunctuation], "Po": [.otherPunctuation],
            "S": [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol], "Sm": [.mathSymbol],
            "Sc": [.currencySymbol], "Sk": [.modifierSymbol], "So": [.otherSymbol],
            "Z": [.spaceSeparator, .lineSeparator, .paragraphSeparator], "Zs": [.spaceSeparator],
            "Zl": [.lineSeparator], "Zp": [.paragraphSeparator],
            "C": [.control, .format, .surrogate, .privateUse, .unassigned], "Cc": [.control], "Cf": [.format],
            "Co": [.privateUse], "Cn": [.unassigned], "Cs": [.surrogate],
        ]
        let aliases = ["Letter": "L", "Mark": "M", "Number": "N", "Punctuation": "P", "Symbol": "S",
                       "Separator": "Z", "Other": "C", "Uppercase_Letter": "Lu", "Lowercase_Letter": "Ll"]
        guard let categories = table[aliases[name] ?? name] else { return nil }
        var s = ScalarSet()
        s.categories = Set(categories)
        // ASCII answers without the category lookup.
        for v in UInt32(0)..<128 where categories.contains(Unicode.Scalar(v)!.properties.generalCategory) { s.insert(v) }
        s.categories = Set(categories)
        return s
    }
}

/// A parsed pattern.
private indirect enum RegexNode {
    case set(ScalarSet)
    case sequence([RegexNode])
    case alternation([RegexNode])
    case repetition(RegexNode, min: Int, max: Int, greedy: Bool)  // max -1: unbounded
    case textStart, textEnd, lineStart, lineEnd
    case wordBoundary(Bool)
    case look(RegexNode, ahead: Bool, negate: Bool)

    /// The fewest scalars it matches.
    var minimumLength: Int {
        switch self {
        case .set: return 1
        case .sequence(let items): return items.reduce(0) { $0 + $1.minimumLength }
        case .alternation(let items): return items.map(\.minimumLength).min() ?? 0
        case .repetition(let node, let min, _, _): return node.minimumLength * min
        case .textStart, .textEnd, .lineStart, .lineEnd, .wordBoundary, .look: return 0
        }
    }

    /// A set holding every scalar a match can start with; nil when that is not known or a match may be empty.
    var firstScalars: ScalarSet? {
        switch self {
        case .set(let s): return s
        case .sequence(let items):
            guard let first = items.first, first.minimumLength > 0 else { return nil }
            return first.firstScalars
        case .alternation(let items):
            var union = ScalarSet()
            for item in items {
                guard let s = item.firstScalars else { return nil }
                union.members.append(s)
            }
            return union
        case .repetition(let node, let min, _, _): return min > 0 ? node.firstScalars : nil
        case .textStart, .textEnd, .lineStart, .lineEnd, .wordBoundary, .look: return nil
        }
    }

    /// The fixed number of scalars it matches, or nil.
    var fixedLength: Int? {
        switch self {
        case .set: return 1
        case .sequence(let items):
            var total = 0
            for item in items { guard let n = item.fixedLength else { return nil }; total += n }
            return total
        case .alternation(let items):
            let lengths = items.map(\.fixedLength)
            guard let first = lengths.first ?? 0, lengths.allSatisfy({ $0 == first }) else { return nil }
            return first
        case .repetition(let node, let min, let max, _):
            guard min == max, let n = node.fixedLength else { return nil }
            return n * min
        case .textStart, .textEnd, .lineStart, .lineEnd, .wordBoundary, .look: return 0
        }
    }
}

private struct RegexParser {
    let pattern: [Unicode.Scalar]
    var i = 0
    var caseInsensitive = false
    var flavor = Regex.Flavor.oniguruma

    init(_ pattern: [Unicode.Scalar]) { self.pattern = pattern }

    func error(_ what: String) -> Regex.SyntaxError {
        Regex.SyntaxError(message: "\(what) at offset \(i) of the pattern \"\(String(String.UnicodeScalarView(pattern)))\"")
    }

    mutating func parseAll() throws -> RegexNode {
        let node = try parseAlternation()
        if i < pattern.count { throw error("unbalanced \")\"") }
        return node
    }

    private mutating func parseAlternation() throws -> RegexNode {
        var branches = [try parseSequence()]
        while i < pattern.count && pattern[i] == "|" {
            i += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() throws -> RegexNode {
        var items: [RegexNode] = []
        while i < pattern.count && pattern[i] != "|" && pattern[i] != ")" {
            var atom = try parseAtom()
            atom = try parseQuantifiers(atom)
            items.append(atom)
        }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func parseQuantifiers(_ atom: RegexNode) throws -> RegexNode {
        var node = atom
        while i < pattern.count {
            var min = 0, max = -1
            switch pattern[i] {
            case "*": i += 1
            case "+": i += 1; min = 1
            case "?": i += 1; max = 1
            case "{":
                guard let (lo, hi) = try parseBraces() else { return node }
                min = lo; max = hi
            default:
                return node
            }
            var greedy = true
            if max < 0 && node.minimumLength == 0 {
                throw error("an unbounded repetition of something that can match nothing is not supported")
            }
            if i < pattern.count && pattern[i] == "?" { greedy = false; i += 1 }
            else if i < pattern.count && pattern[i] == "+" { throw error("possessive quantifiers are not supported") }
            node = .repetition(node, min: min, max: max, greedy: greedy)
        }
        return node
    }

    /// `{m}`, `{m,}`, `{m,n}`; nil (and nothing consumed) when the brace is a literal.
    private mutating func parseBraces() throws -> (Int, Int)? {
        var j = i + 1
        func number() -> Int? {
            var value: Int?
            while j < pattern.count, pattern[j].value >= 0x30 && pattern[j].value <= 0x39 {
                value = (value ?? 0) * 10 + Int(pattern[j].value - 0x30)
                if value! > 100_000 { return nil }
                j += 1
            }
            return value
        }
        guard let lo = number() else { return nil }
        var hi = lo
        if j < pattern.count && pattern[j] == "," {
            j += 1
            hi = number() ?? -1
        }
        guard j < pattern.count && pattern[j] == "}" else { return nil }
        if hi >= 0 && hi < lo { throw error("{\(lo),\(hi)} has its bounds reversed") }
        i = j + 1
        return (lo, hi)
    }

    private mutating func parseAtom() throws -> RegexNode {
        let c = pattern[i]
        i += 1
        switch c {
        case "(":
            return try parseGroup()
        case "[":
            return .set(try parseClass())
        case ".":
            return .set(.notNewline)
        case "^":
            return .lineStart
        case "$":
            return .lineEnd
        case "\\":
            return try parseEscape(inClass: false)
        case "*", "+", "?":
            throw error("nothing to repeat")
        default:
            return .set(literal(c))
        }
    }

    private func literal(_ c: Unicode.Scalar) -> ScalarSet {
        var s = ScalarSet()
        s.insert(c.value)
        if caseInsensitive {
            for form in [c.properties.lowercaseMapping, c.properties.uppercaseMapping, c.properties.titlecaseMapping] {
                let scalars = Array(form.unicodeScalars)
                if scalars.count == 1 { s.insert(scalars[0].value) }
            }
        }
        return s
    }

    private mutating func parseGroup() throws -> RegexNode {
        let saved = caseInsensitive
        defer { caseInsensitive = saved }
        var look: (ahead: Bool, negate: Bool)?
        if i < pattern.count && pattern[i] == "?" {
            i += 1
            guard i < pattern.count else { throw error("unterminated group") }
            switch pattern[i] {
            case ":": i += 1
            case "=": i += 1; look = (true, false)
            case "!": i += 1; look = (true, true)
            case "<" where i + 1 < pattern.count && (pattern[i + 1] == "=" || pattern[i + 1] == "!"):
                look = (false, pattern[i + 1] == "!")
                i += 2
            case "i", "-":
                // (?i:…) or (?i) — case-insensitive; (?-i…) turns it off.
                var on = true
                while i < pattern.count && (pattern[i] == "i" || pattern[i] == "-") {
                    if pattern[i] == "-" { on = false } else { caseInsensitive = on }
                    i += 1
                }
                guard i < pattern.count else { throw error("unterminated group") }
                if pattern[i] == ")" {
                    // Applies to the rest of the enclosing group.
                    i += 1
                    let rest = try parseAlternation()
                    return rest
                }
                guard pattern[i] == ":" else { throw error("unsupported group flag") }
                i += 1
            default:
                throw error("unsupported group syntax \"(?\(pattern[i])\"")
            }
        }
        let inner = try parseAlternation()
        guard i < pattern.count && pattern[i] == ")" else { throw error("missing \")\"") }
        i += 1
        if let look {
            if !look.ahead && inner.fixedLength == nil { throw error("a lookbehind must have a fixed length") }
            return .look(inner, ahead: look.ahead, negate: look.negate)
        }
        return inner
    }

    private mutating func parseEscape(inClass: Bool) throws -> RegexNode {
        guard i < pattern.count else { throw error("trailing backslash") }
        let c = pattern[i]
        i += 1
        switch c {
        case "s": return .set(.space)
        case "S": return .set(ScalarSet.space.inverted())
        case "d": return .set(.digit)
        case "D": return .set(ScalarSet.digit.inverted())
        case "w": return .set(flavor == .rust ? .rustWord : .word)
        case "W": return .set((flavor == .rust ? ScalarSet.rustWord : ScalarSet.word).inverted())
        case "p", "P":
            var name = ""
            if i < pattern.count && pattern[i] == "{" {
                i += 1
                while i < pattern.count && pattern[i] != "}" { name.unicodeScalars.append(pattern[i]); i += 1 }
                guard i < pattern.count else { throw error("unterminated \\p{") }
                i += 1
            } else if i < pattern.count {
                name = String(pattern[i])
                i += 1
            }
            var negate = c == "P"
            if name.hasPrefix("^") { negate.toggle(); name.removeFirst() }
            guard let set = ScalarSet.category(name) else { throw error("unknown property \\p{\(name)}") }
            return .set(negate ? set.inverted() : set)
        case "n": return .set(literal("\n"))
        case "r": return .set(literal("\r"))
        case "t": return .set(literal("\t"))
        case "f": return .set(literal("\u{0C}"))
        case "v": return .set(literal("\u{0B}"))
        case "a": return .set(literal("\u{07}"))
        case "e": return .set(literal("\u{1B}"))
        case "0": return .set(literal("\u{0}"))
        case "x", "u":
            var digits = ""
            if c == "x" && i < pattern.count && pattern[i] == "{" {
                i += 1
                while i < pattern.count && pattern[i] != "}" { digits.unicodeScalars.append(pattern[i]); i += 1 }
                i += 1
            } else {
                let width = c == "x" ? 2 : 4
                while digits.count < width && i < pattern.count { digits.unicodeScalars.append(pattern[i]); i += 1 }
            }
            guard let v = UInt32(digits, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw error("bad \\\(c) escape")
            }
            return .set(literal(scalar))
        case "A" where !inClass: return .textStart
        case "z" where !inClass, "Z" where !inClass: return .textEnd
        case "b" where !inClass: return .wordBoundary(true)
        case "B" where !inClass: return .wordBoundary(false)
        default:
            if c.properties.isAlphabetic || (c.isASCII && c.properties.numericType != nil) {
                throw error("unsupported escape \\\(c)")
            }
            return .set(literal(c))
        }
    }

    private mutating func parseClass() throws -> ScalarSet {
        var set = ScalarSet()
        if i < pattern.count && pattern[i] == "^" {
            set.negated = true
            i += 1
        }
        var first = true
        while i < pattern.count && (pattern[i] != "]" || first) {
            first = false
            var low: Unicode.Scalar
            if pattern[i] == "[" {
                i += 1
                set.members.append(try parseClass())
                continue
            }
            if pattern[i] == "\\" {
                i += 1
                guard case .set(let escaped) = try parseEscape(inClass: true) else { throw error("bad escape in class") }
                if escaped.ranges.count == 1 && escaped.categories.isEmpty && !escaped.whitespace && !escaped.negated
                    && !escaped.alphabeticOrJoiner,
                   escaped.ranges[0].lowerBound == escaped.ranges[0].upperBound {
                    low = Unicode.Scalar(escaped.ranges[0].lowerBound)!
                } else if let single = Self.singleASCII(escaped) {
                    low = single
                } else {
                    set.members.append(escaped)
                    continue
                }
            } else {
                low = pattern[i]
                i += 1
            }
            if i + 1 < pattern.count && pattern[i] == "-" && pattern[i + 1] != "]" {
                i += 1
                var high = pattern[i]
                i += 1
                if high == "\\" {
                    guard case .set(let escaped) = try parseEscape(inClass: true), let single = Self.singleASCII(escaped)
                        ?? (escaped.ranges.count == 1 ? Unicode.Scalar(escaped.ranges[0].lowerBound) : nil) else {
                        throw error("bad range end")
                    }
                    high = single
                }
                guard low.value <= high.value else { throw error("reversed range") }
                set.insert(low.value...high.value)
                if caseInsensitive {
                    for v in low.value...high.value { set.members.append(literal(Unicode.Scalar(v) ?? low)) }
                }
            } else {
                let lit = literal(low)
                set.members.append(lit)
            }
        }
        guard i < pattern.count else { throw error("missing \"]\"") }
        i += 1
        return set
    }

    /// The scalar of a one-ASCII-scalar set (an escaped literal), or nil.
    private static func singleASCII(_ s: ScalarSet) -> Unicode.Scalar? {
        guard !s.negated, s.ranges.isEmpty, s.categories.isEmpty, !s.whitespace, !s.alphabeticOrJoiner, s.members.isEmpty
        else { return nil }
        var found: Unicode.Scalar?
        for v in UInt32(0)..<128 {
            let bit = v < 64 ? s.ascii.0 >> UInt64(v) & 1 : s.ascii.1 >> UInt64(v - 64) & 1
            if bit == 1 {
                if found != nil { return nil }
                found = Unicode.Scalar(v)
            }
        }
        return found
    }
}

private struct RegexCompiler {
    var programs: [[Regex.Instruction]] = []
    var sets: [ScalarSet] = []

    /// Compiles `node` into a new program ending in `match`; returns its index.
    mutating func compileProgram(_ node: RegexNode) -> Int {
        let index = programs.count
        programs.append([])
        var code: [Regex.Instruction] = []
        emit(node, into: &code)
        code.append(.match)
        programs[index] = code
        return index
    }

    private mutating func set(_ s: ScalarSet) -> Int {
        sets.append(s)
        return sets.count - 1
    }

    private mutating func emit(_ node: RegexNode, into code: inout [Regex.Instruction]) {
        switch node {
        case .set(let s):
            code.append(.scalar(set(s)))
        case .sequence(let items):
            for item in items { emit(item, into: &code) }
        case .alternation(let branches):
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = code.count
                    code.append(.split(0, 0))
                    emit(branch, into: &code)
                    jumps.append(code.count)
                    code.append(.jump(0))
                    code[split] = .split(split + 1, code.count)
                } else {
                    emit(branch, into: &code)
                }
            }
            for j in jumps { code[j] = .jump(code.count) }
        case .repetition(let inner, let min, let max, let greedy):
            if case .set(let s) = inner {
                code.append(.run(set: set(s), min: min, max: max, greedy: greedy))
                return
            }
            for _ in 0..<min { emit(inner, into: &code) }
            if max < 0 {
                // L: split body, out; body; jump L
                let loop = code.count
                code.append(.split(0, 0))
                emit(inner, into: &code)
                code.append(.jump(loop))
                code[loop] = greedy ? .split(loop + 1, code.count) : .split(code.count, loop + 1)
            } else {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(code.count)
                    code.append(.split(0, 0))
                    emit(inner, into: &code)
                }
                for s in splits { code[s] = greedy ? .split(s + 1, code.count) : .split(code.count, s + 1) }
            }
        case .textStart: code.append(.textStart)
        case .textEnd: code.append(.textEnd)
        case .lineStart: code.append(.lineStart)
        case .lineEnd: code.append(.lineEnd)
        case .wordBoundary(let b): code.append(.wordBoundary(b))
        case .look(let inner, let ahead, let negate):
            let length = ahead ? 0 : (inner.fixedLength ?? 0)
            let program = compileProgram(inner)
            code.append(.look(program: program, ahead: ahead, negate: negate, length: length))
        }
    }
}

/// Regex matches as a split pattern (HF's `&SysRegex` pattern).
struct RegexPattern: SplitPattern, Sendable {
    var regex: Regex

    func matches(in text: [Unicode.Scalar]) -> [(range: Range<Int>, isMatch: Bool)] {
        var found: [(range: Range<Int>, isMatch: Bool)] = []
        var last = 0
        for m in regex.matches(in: text) {
            if last < m.lowerBound { found.append((last..<m.lowerBound, false)) }
            found.append((m, true))
            last = m.upperBound
        }
        if last < text.count { found.append((last..<text.count, false)) }
        return found
    }
}
