import ExplainProtocol

/// Everything the REPL prints about results, for one colour mode. Pure functions of the results, so the
/// tests can check them without a terminal.
public struct TerminalView: Sendable {
    public var style: TerminalStyle
    public var barWidth = 30
    public init(mode: ColorMode) { style = TerminalStyle(mode: mode) }

    // MARK: explanation

    /// The text in place with each token (or word) shaded by its score; plain mode writes `token[0.42]`.
    public func heatmap(_ e: Explanation, signed: Bool) -> String { heatmap(e.text, ScoredText.units(e), signed: signed) }

    /// `text` with `units` shaded, on a scale of their own (a comparison shades each method's row apart).
    func heatmap(_ text: String, _ units: [ScoredUnit], signed: Bool) -> String {
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        let maximum = ScoredText.scaleMaximum(units)
        var out = ""
        for piece in ScoredText.pieces(text, units) {
            switch piece {
            case .gap(let s): out += s
            case let .unit(s, i):
                let score = units[i].score
                if style.mode == .plain { out += s + "[" + ScoreFormat.short(score) + "]" }
                else { out += style.shaded(s, scale.color(score / maximum)) }
            }
        }
        return out
    }

    /// The prediction with every class's probability, then what was explained and how (model, output,
    /// target and foil, the method's own figures), then what the colours mean.
    public func summary(_ e: Explanation, labels: [String], signed: Bool = false) -> String {
        var lines = [prediction(e.prediction, labels: labels)]
        var about = ["method " + style.emphasised(e.method), "target " + e.target]
        if let foil = e.foil { about.append("foil " + foil) }
        about.append("output " + e.output)
        if !e.normalize.isEmpty { about.append("normalize " + e.normalize) }
        about.append(e.granularity + " granularity")
        if let model = e.model { about.append("model " + model) }
        if let ms = e.elapsedMs { about.append(ScoreFormat.milliseconds(ms)) }
        lines.append(about.joined(separator: " · "))
        if let details = ExplanationContext.methodDetails(e) { lines.append(details) }
        if e.truncated { lines.append(style.colored("the text was truncated to the model's maximum length", TerminalStyle.warning)) }
        if style.mode != .plain { lines.append(legend(e, signed: signed)) }
        return lines.joined(separator: "\n")
    }

    /// What the colours mean: the direction each colour stands for, and the score that is full colour.
    public func legend(_ e: Explanation, signed: Bool) -> String {
        let units = ScoredText.units(e)
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        let full = ScoreFormat.short(ScoredText.scaleMaximum(units))
        let towards = ExplanationContext.towards(e)
        let swatch = { (c: RGB) in self.style.shaded("  ", c) }
        if scale == .diverging {
            return swatch(ColorScale.blue) + " blue: towards \(towards)  " + swatch(ColorScale.red) + " red: against  (full colour at ±\(full))"
        }
        return swatch(ColorScale.blue) + " blue: important for \(towards), white: not  (full colour at \(full))"
    }

    public func prediction(_ p: Prediction, labels: [String]) -> String {
        let name = { (i: Int) in i < labels.count ? labels[i] : "class \(i)" }
        let probabilities = p.probabilities.enumerated().map { i, prob in
            let item = "\(name(i)) \(ScoreFormat.long(prob))"
            return i == p.index ? style.emphasised(item) : item
        }
        let best = p.index < p.probabilities.count ? " (\(ScoreFormat.long(p.probabilities[p.index])))" : ""
        return "prediction " + style.emphasised(p.label) + best + " · " + probabilities.joined(separator: ", ")
    }

    public func explanation(_ e: Explanation, signed: Bool, labels: [String], bars: Bool) -> String {
        var out = heatmap(e, signed: signed) + "\n" + summary(e, labels: labels, signed: signed)
        if bars { out += "\n" + barChart(e, signed: signed) }
        return out
    }

    // MARK: bar chart

    /// One row per token (or word): label, a horizontal bar, the score. Signed scores grow left (red) or
    /// right (blue) from a centre line, like the reference workflow's matplotlib barh plot.
    public func barChart(_ e: Explanation, signed: Bool) -> String {
        let units = ScoredText.units(e)
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        let maximum = ScoredText.scaleMaximum(units)
        let labelWidth = min(units.map { $0.label.count }.max() ?? 0, 18)
        var rows: [String] = []
        for unit in units {
            var label = unit.label
            if label.count > labelWidth { label = String(label.prefix(labelWidth - 1)) + "…" }
            label += String(repeating: " ", count: labelWidth - label.count)
            let v = unit.score / maximum
            let bar: String
            if scale == .diverging {
                let half = barWidth / 2
                let cells = Int((min(abs(v), 1) * Double(half)).rounded())
                let left = v < 0 ? String(repeating: " ", count: half - cells) + String(repeating: "█", count: cells)
                                 : String(repeating: " ", count: half)
                let right = v >= 0 ? String(repeating: "█", count: cells) + String(repeating: " ", count: half - cells)
                                   : String(repeating: " ", count: half)
                bar = style.colored(left, ColorScale.red) + "│" + style.colored(right, ColorScale.blue)
            } else {
                bar = style.colored(Self.eighthsBar(max(v, 0), width: barWidth), ColorScale.blue)
            }
            let score = ScoreFormat.short(unit.score)
            rows.append("  " + (unit.special ? style.faint(label) : label) + " " + bar + " " +
                        String(repeating: " ", count: max(0, 7 - score.count)) + score)
        }
        return rows.joined(separator: "\n")
    }

    /// A bar of `fraction` × `width` cells drawn with Unicode eighth blocks, padded to `width`.
    public static func eighthsBar(_ fraction: Double, width: Int) -> String {
        let eighths = Int((min(max(fraction, 0), 1) * Double(width * 8)).rounded())
        let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
        s += String(repeating: " ", count: width - s.count)
        return s
    }

    // MARK: tokenize

    /// The word pieces in order, fragmented words highlighted, then one row per token with its span.
    public func tokenization(_ t: Tokenization) -> String {
        let fragmentedTokens = Set(t.fragmentedWords.flatMap { w in w < t.words.count ? t.words[w].tokens : [] })
        let line = t.tokens.enumerated().map { i, token in
            if token.special { return style.faint(token.text) }
            return fragmentedTokens.contains(i) ? style.shaded(token.text, TerminalStyle.highlight) : token.text
        }.joined(separator: " ")
        var rows = [line]
        for (i, token) in t.tokens.enumerated() {
            let span = token.start.map { s in "[\(s), \(token.end ?? s))" } ?? "—"
            let word = token.word.map { "word \($0)" } ?? "special"
            var text = token.text
            if fragmentedTokens.contains(i) { text = style.shaded(text, TerminalStyle.highlight) }
            rows.append("  \(pad(String(i), 3)) \(text)\(String(repeating: " ", count: max(1, 16 - token.text.count)))\(pad(span, 10)) \(word)")
        }
        let fragmented = t.fragmentedWords.sorted().compactMap { w -> String? in
            guard w < t.words.count else { return nil }
            return t.words[w].text + " → " + t.words[w].tokens.map { t.tokens[$0].text }.joined(separator: " ")
        }
        if !fragmented.isEmpty {
            rows.append(style.colored("fragmented (3+ pieces, often names the vocabulary lacks): ", TerminalStyle.warning)
                        + fragmented.joined(separator: "; "))
        }
        if t.truncated { rows.append(style.colored("truncated to the model's maximum length", TerminalStyle.warning)) }
        return rows.joined(separator: "\n")
    }

    // MARK: predict

    public func predictionTable(_ p: Prediction, labels: [String]) -> String {
        let name = { (i: Int) in i < labels.count ? labels[i] : "class \(i)" }
        let width = p.probabilities.indices.map { name($0).count }.max() ?? 0
        var rows = ["prediction " + style.emphasised(p.label)]
        for (i, prob) in p.probabilities.enumerated() {
            let label = name(i) + String(repeating: " ", count: width - name(i).count)
            rows.append("  \(i == p.index ? style.emphasised(label) : label) \(style.colored(Self.eighthsBar(prob, width: barWidth), ColorScale.blue)) \(ScoreFormat.long(prob))")
        }
        if p.truncated { rows.append(style.colored("the text was truncated to the model's maximum length", TerminalStyle.warning)) }
        return rows.joined(separator: "\n")
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }

    public func error(_ message: String) -> String { style.colored("error: ", TerminalStyle.error) + message }
    public func note(_ message: String) -> String { style.faint(message) }
}
