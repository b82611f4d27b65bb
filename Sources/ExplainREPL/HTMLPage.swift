/// A self-contained HTML page of an explanation or a comparison: inline CSS and JS, no network. Tokens are
/// shaded in place with their score on hover (like Captum's `visualize_text` and the reference workflow's
/// interactive view), the prediction with its probabilities on top, and a bar per token below.
public enum HTMLPage {
    public static func explanation(_ e: Explanation, signed: Bool, labels: [String]) -> String {
        let units = ScoredText.units(e)
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        var meta = ["method <b>\(escape(e.method))</b>", "target \(escape(e.target))"]
        if let foil = e.foil { meta.append("foil \(escape(foil))") }
        meta.append("output \(escape(e.output))")
        if !e.normalize.isEmpty { meta.append("normalize \(escape(e.normalize))") }
        meta.append("\(escape(e.granularity)) granularity")
        if let model = e.model { meta.append("model \(escape(model))") }
        if let ms = e.elapsedMs { meta.append(ScoreFormat.milliseconds(ms)) }
        if e.truncated { meta.append("<span class=\"warn\">truncated</span>") }
        let details = ExplanationContext.methodDetails(e).map { "<p class=\"meta\" id=\"details\">\(escape($0))</p>" } ?? ""
        let body = """
        \(predictionBlock(e.prediction, labels: labels))
        <p class="meta" id="context">\(meta.joined(separator: " · "))</p>
        \(details)
        <h2>Text</h2>
        <div class="text" id="text">\(shadedText(e.text, units, scale: scale))</div>
        \(legend(scale, towards: ExplanationContext.towards(e), full: ScoredText.scaleMaximum(units)))
        <h2>Scores</h2>
        \(barChart(units, scale: scale))
        """
        return page(title: "\(e.method): \(e.text)", body: body)
    }

    /// An explanation's text shaded as `explanation` shows it (other pages that show explanations among other
    /// things: `explaind corpus --report`).
    public static func shadedText(_ e: Explanation, signed: Bool) -> String {
        let units = ScoredText.units(e)
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        return "<div class=\"text\">\(shadedText(e.text, units, scale: scale))</div>"
    }

    /// Any body in this page's style: its stylesheet and the score tooltip.
    public static func document(title: String, body: String) -> String { page(title: title, body: body) }

    public static func comparison(_ c: Comparison, server: ServerDescription, labels: [String]) -> String {
        guard !c.spearman.isEmpty || !c.faithfulness.isEmpty else { return genericComparison(c, server: server, labels: labels) }
        var body = ""
        if let p = c.prediction { body += predictionBlock(p, labels: labels) + "\n" }
        var meta: [String] = []
        if let t = c.target { meta.append("target \(escape(t))") }
        if let o = c.output { meta.append("output \(escape(o))") }
        meta.append(c.methods.map { m in escape(m.name) + (m.elapsedMs.map { " " + ScoreFormat.milliseconds($0) } ?? "") }.joined(separator: ", "))
        body += "<p class=\"meta\" id=\"context\">\(meta.joined(separator: " · "))</p>\n"
        if let s = c.summary { body += "<p class=\"summary\">\(escape(s))</p>\n" }
        body += "<h2>Scores: tokens × methods</h2>\n" + heatMap(c, server: server) + "\n"
        body += legend(.diverging, towards: c.target ?? "the target", full: nil) + "\n"
        if !c.spearman.isEmpty { body += "<h2>Agreement (Spearman's ρ)</h2>\n" + agreementMatrix(c) + "\n" }
        if !c.faithfulness.isEmpty {
            body += "<h2>Faithfulness</h2>\n" + faithfulnessTable(c) + "\n"
            body += "<h2>Deletion curves</h2>\n" + deletionCurves(c) + "\n"
        }
        if !c.ranking.isEmpty { body += "<p class=\"ranking\">ranking: \(c.ranking.map(escape).joined(separator: " &gt; "))</p>\n" }
        return page(title: "compare: \(c.text)", body: body)
    }

    /// One row per token, one column per method, each cell shaded on its method's own scale (methods differ
    /// by orders of magnitude) with the score in it.
    static func heatMap(_ c: Comparison, server: ServerDescription) -> String {
        let head = "<tr><th>token</th>" + c.methods.map { "<th class=\"method\" data-method=\"\(escape($0.name))\">\(escape($0.name))</th>" }.joined() + "</tr>"
        let columns = c.methods.map { m -> (units: [ScoredUnit], scale: ColorScale, maximum: Double) in
            let units = c.explanation(m)
            let scale = ColorScale.for(signed: server.method(named: m.name)?.signed ?? false, scores: units.filter { !$0.special }.map(\.score))
            return (units, scale, ScoredText.scaleMaximum(units))
        }
        var rows: [String] = []
        for (i, token) in c.tokens.enumerated() where !token.special {
            var row = "<tr class=\"token\"><th>\(escape(token.text))</th>"
            for (m, column) in zip(c.methods, columns) {
                let score = column.units[i].score
                let color = column.scale.color(score / column.maximum)
                row += "<td class=\"cell\" data-method=\"\(escape(m.name))\" data-score=\"\(ScoreFormat.long(score))\" style=\"background:\(color.hex);color:\(color.textColor.hex)\">\(ScoreFormat.short(score))</td>"
            }
            rows.append(row + "</tr>")
        }
        return "<div class=\"scroll\"><table class=\"heatmap\">\(head)\n\(rows.joined(separator: "\n"))</table></div>"
    }

    static func agreementMatrix(_ c: Comparison) -> String {
        let names = c.methods.map(\.name)
        let head = "<tr><th></th>" + names.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        let rows = names.map { a in
            "<tr><th>\(escape(a))</th>" + names.map { b in
                guard let rho = c.rho(a, b) else { return "<td>—</td>" }
                let color = ColorScale.diverging.color(rho)
                return "<td class=\"rho\" style=\"background:\(color.hex);color:\(color.textColor.hex)\">\(ScoreFormat.fixed(rho, digits: 2))</td>"
            }.joined() + "</tr>"
        }
        return "<div class=\"scroll\"><table class=\"matrix\" id=\"agreement\">\(head)\n\(rows.joined(separator: "\n"))</table></div>"
            + "<p class=\"note\">1: the same order of importance; 0: unrelated; −1: reversed.</p>"
    }

    static func faithfulnessTable(_ c: Comparison) -> String {
        let (names, figures) = c.faithfulnessShown
        let head = "<tr><th></th>" + figures.map { "<th>\(escape($0.key)) \($0.higherIsBetter ? "↑" : "↓")</th>" }.joined() + "</tr>"
        let rows = names.map { name in
            "<tr><th>\(escape(name))</th>" + figures.map { f in
                guard let v = c.faithfulness[name]?[f.key] else { return "<td>—</td>" }
                return "<td\(c.isBest(name, f) ? " class=\"best\"" : "")>\(ScoreFormat.short(v))</td>"
            }.joined() + "</tr>"
        }
        return "<div class=\"scroll\"><table class=\"metrics\" id=\"faithfulness\">\(head)\n\(rows.joined(separator: "\n"))</table></div>"
            + "<p class=\"note\">↑ higher is better, ↓ lower is better; the best is in bold. Comprehensiveness: the drop when the top tokens are removed; sufficiency: the drop when only they are kept; deletion area: the area under the curve below.</p>"
    }

    /// The probability of the target as the most important tokens are deleted one by one, one line per
    /// method, as inline SVG (a faithful method's curve falls fast).
    static func deletionCurves(_ c: Comparison) -> String {
        let curves = c.methods.compactMap { m in c.deletionCurves[m.name].flatMap { $0.isEmpty ? nil : (m.name, $0) } }
        guard !curves.isEmpty else { return "" }
        let (width, height, left, bottom, top, right) = (560.0, 240.0, 44.0, 30.0, 10.0, 12.0)
        let steps = max(curves.map { $0.1.count }.max()! - 1, 1)
        let palette = ["#21669c", "#b2182b", "#1b7837", "#762a83", "#e08214", "#35978f", "#8c510a", "#4d4d4d"]
        func x(_ i: Int) -> Double { left + (width - left - right) * Double(i) / Double(steps) }
        func y(_ p: Double) -> Double { top + (height - top - bottom) * (1 - min(max(p, 0), 1)) }
        var svg = "<svg class=\"curves\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"deletion curves\">"
        for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
            svg += "<line x1=\"\(left)\" x2=\"\(width - right)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#e5e5e5\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\" font-size=\"11\" fill=\"#555\">\(ScoreFormat.fixed(tick, digits: 2))</text>"
        }
        svg += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(height - bottom)\" stroke=\"#888\"/>"
        svg += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 6)\" text-anchor=\"middle\" font-size=\"11\" fill=\"#555\">tokens deleted, most important first (0 … \(steps))</text>"
        for (k, (name, curve)) in curves.enumerated() {
            let points = curve.enumerated().map { "\(ScoreFormat.fixed(x($0.offset), digits: 1)),\(ScoreFormat.fixed(y($0.element), digits: 1))" }.joined(separator: " ")
            svg += "<polyline class=\"curve\" data-method=\"\(escape(name))\" fill=\"none\" stroke-width=\"2\" stroke=\"\(palette[k % palette.count])\" points=\"\(points)\"/>"
        }
        svg += "</svg>"
        let key = curves.enumerated().map { k, c in
            "<span><i style=\"background:\(palette[k % palette.count])\"></i>\(escape(c.0))</span>"
        }.joined()
        return "<div class=\"plot\">\(svg)<div class=\"key\">\(key)</div></div><p class=\"note\">The target's probability as tokens are deleted; lower and faster falling is more faithful.</p>"
    }

    /// A comparison asked for no agreement or faithfulness figures: a row per method, and the records it has
    /// as tables.
    static func genericComparison(_ c: Comparison, server: ServerDescription, labels: [String]) -> String {
        var rows: [String] = []
        for m in c.methods {
            let units = c.explanation(m)
            let scale = ColorScale.for(signed: server.method(named: m.name)?.signed ?? false,
                                       scores: units.filter { !$0.special }.map(\.score))
            let ms = m.elapsedMs.map { "<div class=\"ms\">\(ScoreFormat.milliseconds($0))</div>" } ?? ""
            rows.append("<tr class=\"method\" data-method=\"\(escape(m.name))\"><th>\(escape(m.name))\(ms)</th><td><div class=\"text\">\(shadedText(c.text, units, scale: scale))</div></td></tr>")
        }
        var body = ""
        if let p = c.prediction { body += predictionBlock(p, labels: labels) + "\n" }
        if let t = c.target { body += "<p class=\"meta\">target \(escape(t))</p>\n" }
        if let s = c.summary { body += "<p class=\"summary\">\(escape(s))</p>\n" }
        body += "<h2>Methods</h2>\n<table class=\"methods\">\n\(rows.joined(separator: "\n"))\n</table>\n"
        if !c.ranking.isEmpty { body += "<p class=\"ranking\">ranking: \(c.ranking.map(escape).joined(separator: " &gt; "))</p>\n" }
        for t in c.tables { body += table(t) + "\n" }
        return page(title: "compare: \(c.text)", body: body)
    }

    // MARK: pieces

    static func predictionBlock(_ p: Prediction, labels: [String]) -> String {
        let rows = p.probabilities.enumerated().map { i, prob -> String in
            let name = i < labels.count ? labels[i] : "class \(i)"
            let chosen = i == p.index ? " class=\"chosen\"" : ""
            return "<tr\(chosen)><td>\(escape(name))</td><td class=\"barcell\"><div class=\"bar pos\" style=\"width:\(percent(prob))\"></div></td><td class=\"num\">\(ScoreFormat.long(prob))</td></tr>"
        }
        let best = p.index < p.probabilities.count ? " <span class=\"num\">\(ScoreFormat.long(p.probabilities[p.index]))</span>" : ""
        return """
        <header><h1>prediction: <span class="label">\(escape(p.label))</span>\(best)</h1>
        <table class="probabilities">\(rows.joined())</table></header>
        """
    }

    static func shadedText(_ text: String, _ units: [ScoredUnit], scale: ColorScale) -> String {
        let maximum = ScoredText.scaleMaximum(units)
        var out = ""
        for piece in ScoredText.pieces(text, units) {
            switch piece {
            case .gap(let s): out += escape(s)
            case let .unit(s, i):
                let u = units[i]
                let c = scale.color(u.score / maximum)
                let score = ScoreFormat.long(u.score)
                out += "<span class=\"tok\" data-token=\"\(escape(u.label))\" data-score=\"\(score)\" title=\"\(escape(u.label)): \(ScoreFormat.short(u.score))\" style=\"background:\(c.hex);color:\(c.textColor.hex)\">\(escape(s))</span>"
            }
        }
        return out
    }

    static func barChart(_ units: [ScoredUnit], scale: ColorScale) -> String {
        let maximum = ScoredText.scaleMaximum(units)
        let rows = units.map { u -> String in
            let v = min(abs(u.score) / maximum, 1)
            let c = scale.color(u.score / maximum)
            let bar: String
            if scale == .diverging {
                let negative = u.score < 0 ? "<div class=\"bar neg\" style=\"width:\(percent(v));background:\(c.hex)\"></div>" : ""
                let positive = u.score >= 0 ? "<div class=\"bar pos\" style=\"width:\(percent(v));background:\(c.hex)\"></div>" : ""
                bar = "<td class=\"barcell left\">\(negative)</td><td class=\"barcell right\">\(positive)</td>"
            } else {
                bar = "<td class=\"barcell\" colspan=\"2\"><div class=\"bar pos\" style=\"width:\(percent(v));background:\(c.hex)\"></div></td>"
            }
            let special = u.special ? " class=\"special\"" : ""
            return "<tr\(special)><td class=\"label\">\(escape(u.label))</td>\(bar)<td class=\"num\">\(ScoreFormat.short(u.score))</td></tr>"
        }
        return "<table class=\"bars \(scale == .diverging ? "signed" : "unsigned")\">\(rows.joined(separator: "\n"))</table>"
    }

    /// The colour ramp with words: what blue and red stand for, and (when one scale applies) the score at
    /// full colour.
    static func legend(_ scale: ColorScale, towards: String, full: Double?) -> String {
        let stops = scale == .diverging ? [-1.0, -0.5, 0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1]
        let gradient = stops.map { "\(scale.color($0).hex) \(Int(($0 - stops[0]) / (stops.last! - stops[0]) * 100))%" }.joined(separator: ",")
        let fullText = full.map { " (full colour at \(scale == .diverging ? "±" : "")\(ScoreFormat.short($0)))" } ?? " (each method on its own scale)"
        let words = scale == .diverging
            ? "red: against <i>\(escape(towards))</i> · blue: towards <i>\(escape(towards))</i>\(fullText)"
            : "white: no effect · blue: important for <i>\(escape(towards))</i>\(fullText)"
        return "<div class=\"legend\" id=\"legend\"><div class=\"ramp\" style=\"background:linear-gradient(to right,\(gradient))\"></div><span>\(words)</span></div>"
    }

    static func table(_ t: Table) -> String {
        let header = "<tr>" + t.header.map { "<th>\(escape($0))</th>" }.joined() + "</tr>"
        let rows = t.rows.map { "<tr>" + $0.map { "<td>\(escape($0))</td>" }.joined() + "</tr>" }.joined(separator: "\n")
        return "<h2>\(escape(t.title))</h2>\n<div class=\"scroll\"><table class=\"metrics\">\(header)\n\(rows)</table></div>"
    }

    static func percent(_ v: Double) -> String { ScoreFormat.fixed(min(max(v, 0), 1) * 100, digits: 1) + "%" }

    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title>
        <style>
        body { font: 15px/1.5 system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; overflow-wrap: anywhere; }
        h1 { font-size: 1.4em; margin: 0 0 .3em; } h2 { font-size: 1.1em; margin: 1.4em 0 .4em; }
        .label { color: #21669c; }
        .num { font-variant-numeric: tabular-nums; font-family: "DejaVu Sans Mono", monospace; text-align: right; padding-left: .6em; }
        .meta { color: #555; } .warn { color: #b35c00; } .summary { font-weight: 600; }
        .text { font-size: 1.25em; line-height: 2.1; }
        .tok { padding: .15em .08em; border-radius: 3px; cursor: default; }
        .tok:hover, .tok.active { outline: 2px solid #333; }
        table { border-collapse: collapse; }
        .probabilities td, .bars td { padding: 1px 4px; }
        .probabilities tr.chosen td:first-child { font-weight: 700; }
        .barcell { width: 16em; }
        .bars.signed .barcell { width: 10em; }
        .barcell.left { border-right: 1px solid #888; } .barcell.left .bar { margin-left: auto; }
        .bar { height: .9em; min-width: 1px; }
        .bar.pos { background: #21669c; }
        .bars td.label { font-family: "DejaVu Sans Mono", monospace; color: #222; }
        .bars tr.special td.label { color: #999; }
        .legend { display: flex; align-items: center; gap: .5em; color: #555; font-size: .85em; margin-top: .6em; }
        .ramp { width: 12em; height: .8em; border: 1px solid #ccc; }
        table.methods th { text-align: left; vertical-align: top; padding: .4em 1em .4em 0; white-space: nowrap; }
        table.methods td { padding: .4em 0; border-bottom: 1px solid #eee; }
        .ms { font-weight: normal; color: #777; font-size: .8em; }
        .scroll { overflow-x: auto; max-width: 100%; }
        table.heatmap, table.matrix { font-size: .85em; border-collapse: separate; border-spacing: 2px; }
        table.heatmap th, table.matrix th { text-align: left; font-weight: normal; font-family: "DejaVu Sans Mono", monospace; padding: 1px 6px; }
        table.heatmap td, table.matrix td { text-align: right; font-variant-numeric: tabular-nums; padding: 2px 8px; min-width: 4em; }
        table.metrics td.best { font-weight: 700; }
        .note { color: #666; font-size: .8em; margin: .3em 0; }
        .plot { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 1em; }
        .plot svg { max-width: 100%; height: auto; }
        .key span { display: block; font-size: .85em; } .key i { display: inline-block; width: 1.2em; height: .3em; margin-right: .4em; vertical-align: middle; }
        table.metrics { font-size: .85em; }
        table.metrics th, table.metrics td { border: 1px solid #ddd; padding: 2px 6px; }
        table.metrics td { font-variant-numeric: tabular-nums; }
        #tip { position: fixed; display: none; background: #222; color: #fff; padding: 3px 8px; border-radius: 4px; font: 13px monospace; pointer-events: none; }
        </style>
        </head>
        <body>
        \(body)
        <div id="tip"></div>
        <script>
        // the score on hover: a tooltip that follows the pointer
        (function () {
          var tip = document.getElementById("tip");
          document.querySelectorAll(".tok").forEach(function (t) {
            t.addEventListener("mousemove", function (e) {
              tip.textContent = t.dataset.token + "  " + t.dataset.score;
              tip.style.display = "block";
              tip.style.left = (e.clientX + 12) + "px";
              tip.style.top = (e.clientY + 14) + "px";
            });
            t.addEventListener("mouseleave", function () { tip.style.display = "none"; });
          });
          document.body.dataset.tokens = String(document.querySelectorAll(".tok").length);
          // for the tests: does anything stick out sideways at this window width?
          document.body.dataset.scrollWidth = String(document.documentElement.scrollWidth);
          document.body.dataset.viewportWidth = String(document.documentElement.clientWidth);
        })();
        </script>
        </body>
        </html>

        """
    }
}
