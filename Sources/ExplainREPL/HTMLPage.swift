/// A self-contained HTML page of an explanation or a comparison: inline CSS and JS, no network. Tokens are
/// shaded in place with their score on hover (like Captum's `visualize_text` and the reference workflow's
/// interactive view), the prediction with its probabilities on top, and a bar per token below.
public enum HTMLPage {
    public static func explanation(_ e: Explanation, signed: Bool, labels: [String]) -> String {
        let units = ScoredText.units(e)
        let scale = ColorScale.for(signed: signed, scores: units.filter { !$0.special }.map(\.score))
        var meta = ["method <b>\(escape(e.method))</b>", "target \(escape(e.target))"]
        if let foil = e.foil { meta.append("foil \(escape(foil))") }
        if !e.normalize.isEmpty { meta.append("normalize \(escape(e.normalize))") }
        meta.append("\(escape(e.granularity)) granularity")
        if let ms = e.elapsedMs { meta.append(ScoreFormat.milliseconds(ms)) }
        if e.truncated { meta.append("<span class=\"warn\">truncated</span>") }
        let body = """
        \(predictionBlock(e.prediction, labels: labels))
        <p class="meta">\(meta.joined(separator: " · "))</p>
        <h2>Text</h2>
        <div class="text" id="text">\(shadedText(e.text, units, scale: scale))</div>
        \(legend(scale))
        <h2>Scores</h2>
        \(barChart(units, scale: scale))
        """
        return page(title: "\(e.method): \(e.text)", body: body)
    }

    public static func comparison(_ c: Comparison, server: ServerDescription, labels: [String]) -> String {
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
                out += "<span class=\"tok\" data-token=\"\(escape(u.label))\" data-score=\"\(score)\" title=\"\(escape(u.label)): \(score)\" style=\"background:\(c.hex);color:\(c.textColor.hex)\">\(escape(s))</span>"
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
            return "<tr\(special)><td class=\"label\">\(escape(u.label))</td>\(bar)<td class=\"num\">\(ScoreFormat.long(u.score))</td></tr>"
        }
        return "<table class=\"bars \(scale == .diverging ? "signed" : "unsigned")\">\(rows.joined(separator: "\n"))</table>"
    }

    static func legend(_ scale: ColorScale) -> String {
        let stops = scale == .diverging ? [-1.0, -0.5, 0, 0.5, 1] : [0, 0.25, 0.5, 0.75, 1]
        let gradient = stops.map { "\(scale.color($0).hex) \(Int(($0 - stops[0]) / (stops.last! - stops[0]) * 100))%" }.joined(separator: ",")
        let ends = scale == .diverging ? ("against", "for") : ("0", "max")
        return "<div class=\"legend\"><span>\(ends.0)</span><div class=\"ramp\" style=\"background:linear-gradient(to right,\(gradient))\"></div><span>\(ends.1)</span></div>"
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
        body { font: 15px/1.5 system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em; color: #222; }
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
        .scroll { overflow-x: auto; }
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
        })();
        </script>
        </body>
        </html>

        """
    }
}
