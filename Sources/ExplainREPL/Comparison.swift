import ExplainProtocol

/// A table of strings with a title, for the terminal and the HTML page alike.
public struct Table: Equatable, Sendable {
    public var title: String
    public var header: [String]
    public var rows: [[String]]
}

/// The result of `compareMethods` as the views draw it, from the decoded reply: the methods' scores on the
/// shared tokens, the figures by method, and the agreement, faithfulness and ranking records as tables.
public struct Comparison: Sendable {
    public struct MethodScores: Sendable, Equatable {
        public var name: String
        public var scores: [Double]
        public var elapsedMs: Double?
    }
    public var text: String
    public var tokens: [ShownToken]
    public var prediction: Prediction?
    public var target: String?
    public var methods: [MethodScores]
    public var ranking: [String]
    public var summary: String?
    public var tables: [Table]
    /// Spearman's ρ between two methods' scores, by method pair (both orders).
    public var spearman: [String: [String: Double]] = [:]
    /// Per method: comprehensiveness, sufficiency, taucorr_loo, deletionArea (when present), and the deletion curve.
    public var faithfulness: [String: [String: Double]] = [:]
    public var deletionCurves: [String: [Double]] = [:]
    public var output: String?

    public init(_ r: CompareMethodsResult) {
        text = r.text
        tokens = r.tokens.map { ShownToken($0, score: nil) }
        prediction = Prediction(r.prediction)
        target = r.target.label
        methods = r.methods.map { MethodScores(name: $0.method, scores: $0.scores.map { decimal($0) ?? 0 }, elapsedMs: $0.elapsedMs) }
        ranking = r.ranking.sorted { $0.rank < $1.rank }.map(\.method)
        summary = r.summary.isEmpty ? nil : r.summary
        tables = [("agreement", r.agreement.map(\.json)), ("faithfulness", r.faithfulness.map(\.json)), ("ranking", r.ranking.map(\.json))]
            .compactMap { title, records in Self.table(title: title, objects: records.compactMap(\.objectValue)) }
        for pair in r.agreement {
            guard let rho = pair.spearman else { continue }
            spearman[pair.a, default: [:]][pair.b] = rho
            spearman[pair.b, default: [:]][pair.a] = rho
        }
        for f in r.faithfulness {
            let figures: [String: Double?] = ["comprehensiveness": f.comprehensiveness, "sufficiency": f.sufficiency,
                                              "taucorr_loo": f.taucorrLoo, "deletionArea": f.deletionArea]
            faithfulness[f.method] = figures.compactMapValues { $0 }
            deletionCurves[f.method] = f.deletionCurve ?? []
        }
        output = r.output
    }

    /// ferret's faithfulness figures with the direction that is better.
    public static let faithfulnessFigures: [(key: String, higherIsBetter: Bool)] = [
        ("comprehensiveness", true), ("sufficiency", false), ("taucorr_loo", true), ("deletionArea", false),
    ]

    /// The methods with faithfulness figures, and the figures any of them has, in display order.
    public var faithfulnessShown: (methods: [String], figures: [(key: String, higherIsBetter: Bool)]) {
        let names = methods.map(\.name).filter { faithfulness[$0] != nil }
        return (names, Self.faithfulnessFigures.filter { f in names.contains { faithfulness[$0]?[f.key] != nil } })
    }

    /// Whether `method` has the best value of a figure (in its better direction) among several methods.
    public func isBest(_ method: String, _ figure: (key: String, higherIsBetter: Bool)) -> Bool {
        let values = faithfulnessShown.methods.compactMap { faithfulness[$0]?[figure.key] }
        guard values.count > 1, let v = faithfulness[method]?[figure.key] else { return false }
        return v == (figure.higherIsBetter ? values.max() : values.min())
    }

    /// ρ of two methods (1 on the diagonal); nil when the reply has no agreement for them.
    public func rho(_ a: String, _ b: String) -> Double? { a == b ? 1 : spearman[a]?[b] }

    /// One method's explanation on the shared tokens, for the heat-map views.
    public func explanation(_ m: MethodScores) -> [ScoredUnit] {
        tokens.enumerated().map { i, t in
            ScoredUnit(label: t.text, start: t.start, end: t.end, score: i < m.scores.count ? m.scores[i] : 0, special: t.special)
        }
    }

    // MARK: records → tables

    static func cell(_ v: JSONValue) -> String? {
        switch v {
        case .integer(let i): return String(i)
        case .number(let d): return ScoreFormat.long(d)
        case .string(let s): return s
        case .bool(let b): return b ? "yes" : "no"
        case .null: return "—"
        default: return nil
        }
    }

    /// Scalars of an object, nested objects flattened one level ("spearman.signed").
    static func scalars(_ o: JSONObject) -> [(String, String)] {
        var out: [(String, String)] = []
        for key in o.keys.sorted() {
            if let c = cell(o[key]!) { out.append((key, c)); continue }
            if case .object(let inner) = o[key]! {
                for k in inner.keys.sorted() { if let c = cell(inner[k]!) { out.append((key + "." + k, c)) } }
            }
        }
        return out
    }

    /// One row per record, a column per scalar field (identifying columns first).
    static func table(title: String, objects: [JSONObject]) -> Table? {
        var columns: [String] = []
        let flat = objects.map(scalars)
        for row in flat { for (k, _) in row where !columns.contains(k) { columns.append(k) } }
        guard !columns.isEmpty else { return nil }
        // identifying columns first
        let leading = ["method", "name", "a", "b", "methodA", "methodB", "first", "second", "pair"]
        columns.sort { (leading.firstIndex(of: $0) ?? 99, $0) < (leading.firstIndex(of: $1) ?? 99, $1) }
        var rows = flat.map { row -> [String] in
            let values = Dictionary(row, uniquingKeysWith: { a, _ in a })
            return columns.map { values[$0] ?? "" }
        }
        // JSON writes 1.0 as 1: in a column of fractions, show whole numbers with the same four decimals
        for c in columns.indices where rows.contains(where: { Double($0[c]) != nil && $0[c].contains(".") }) {
            for r in rows.indices where Int(rows[r][c]) != nil { rows[r][c] = ScoreFormat.long(Double(rows[r][c])!) }
        }
        return Table(title: title, header: columns, rows: rows)
    }
}

extension TerminalView {
    /// One shaded row per method (the text in place), then the metric tables, the ranking and the summary.
    public func comparison(_ c: Comparison, server: ServerDescription, labels: [String]) -> String {
        var out: [String] = []
        if let p = c.prediction { out.append(prediction(p, labels: labels)) }
        var about: [String] = []
        if let t = c.target { about.append("target " + t) }
        if let o = c.output { about.append("output " + o) }
        if !about.isEmpty { out.append(about.joined(separator: " · ")) }
        if style.mode != .plain, let t = c.target {
            out.append(style.shaded("  ", ColorScale.blue) + " blue: towards \(t)  " + style.shaded("  ", ColorScale.red)
                       + " red: against  (each method on its own scale)")
        }
        let width = c.methods.map(\.name.count).max() ?? 0
        for m in c.methods {
            let line = heatmap(c.text, c.explanation(m), signed: server.method(named: m.name)?.signed ?? false)
            let ms = m.elapsedMs.map { "  " + style.faint(ScoreFormat.milliseconds($0)) } ?? ""
            out.append(style.emphasised(m.name) + String(repeating: " ", count: width - m.name.count) + "  " + line + ms)
        }
        if c.spearman.isEmpty && c.faithfulness.isEmpty {
            for t in c.tables { out.append(table(t)) }
        } else {
            if !c.spearman.isEmpty { out.append(agreementMatrix(c)) }
            if !c.faithfulness.isEmpty { out.append(faithfulnessTable(c)) }
        }
        if !c.ranking.isEmpty { out.append("ranking: " + c.ranking.joined(separator: " > ")) }
        if let s = c.summary { out.append(style.emphasised(s)) }
        return out.joined(separator: "\n")
    }

    /// Spearman's ρ of every pair of methods as a matrix, each cell shaded on the red–white–blue scale.
    public func agreementMatrix(_ c: Comparison) -> String {
        let names = c.methods.map(\.name)
        let width = max(names.map(\.count).max() ?? 0, 6)
        let cell = 7
        func padLeft(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var rows = [style.emphasised("agreement") + style.faint(" (Spearman's ρ of the scores; 1: same order, −1: reversed)")]
        // column heads: the methods' first letters would collide, so numbers, named on the rows
        rows.append(String(repeating: " ", count: width + 6) + names.indices.map { padLeft("(\($0 + 1))", cell - 1) + " " }.joined())
        for (i, a) in names.enumerated() {
            var line = "  " + a + String(repeating: " ", count: width - a.count) + padLeft("(\(i + 1))", 4)
            for b in names {
                guard let rho = c.rho(a, b) else { line += padLeft("—", cell); continue }
                let text = padLeft(ScoreFormat.fixed(rho, digits: 2), cell - 1) + " "
                line += style.mode == .plain ? text : style.shaded(text, ColorScale.diverging.color(rho))
            }
            rows.append(line)
        }
        return rows.joined(separator: "\n")
    }

    /// ferret's faithfulness figures per method, each column saying which way is better, the best marked.
    public func faithfulnessTable(_ c: Comparison) -> String {
        let (names, figures) = c.faithfulnessShown
        let heads = figures.map { $0.key + ($0.higherIsBetter ? " ↑" : " ↓") }
        let width = names.map(\.count).max() ?? 0
        var rows = [style.emphasised("faithfulness") + style.faint(" (↑ higher is better, ↓ lower is better; * the best)")]
        rows.append(style.faint("  " + String(repeating: " ", count: width) + heads.map { "  " + $0 }.joined()))
        for name in names {
            var line = "  " + name + String(repeating: " ", count: width - name.count)
            for (f, head) in zip(figures, heads) {
                guard let v = c.faithfulness[name]?[f.key] else { line += "  " + pad("—", head.count); continue }
                let isBest = c.isBest(name, f)
                let text = ScoreFormat.short(v)
                let padded = String(repeating: " ", count: max(0, head.count - 1 - text.count)) + text
                line += "  " + (isBest ? style.emphasised(padded) + "*" : padded + " ")
            }
            rows.append(line)
        }
        return rows.joined(separator: "\n")
    }

    public func table(_ t: Table) -> String {
        let columns = max(t.header.count, t.rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columns)
        for row in [t.header] + t.rows { for (i, c) in row.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ row: [String]) -> String {
            let padded = "  " + row.enumerated().map { i, c in c + String(repeating: " ", count: widths[i] - c.count) }.joined(separator: "  ")
            return String(padded.reversed().drop { $0 == " " }.reversed())
        }
        return ([style.emphasised(t.title), style.faint(line(t.header))] + t.rows.map(line)).joined(separator: "\n")
    }
}

/// A token of a comparison reply, read leniently like the rest of it.
private func decodeToken(_ t: JSONValue) -> ShownToken {
    ShownToken(text: t["text"]?.stringValue ?? "", start: t["start"]?.intValue, end: t["end"]?.intValue,
               special: t["special"]?.boolValue ?? false, word: t["word"]?.intValue, score: t["score"]?.doubleValue)
}
