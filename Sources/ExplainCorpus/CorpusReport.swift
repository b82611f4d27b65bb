import Foundation
import ExplainJSON
import ExplainProtocol
import ExplainServer
import ExplainAttribution
import ExplainREPL

/// `--report`: one self-contained HTML file (inline CSS and SVG, no network; its one script only adds
/// tooltips) of an aggregate: the summary and confusion matrix, a bar chart per class of its top words, the
/// fragmentation table, and the most confident and misclassified texts shaded as the REPL's `:html` page
/// shades an explanation (its own renderer, HTMLPage).
enum CorpusReport {
    static let barsShown = 20
    static let fragmentsShown = 30

    static func write(_ aggregate: CorpusAggregate, to path: String) throws {
        let html = page(aggregate)
        guard FileManager.default.createFile(atPath: path, contents: Data(html.utf8)) else {
            throw CommandLineError(description: "cannot write --report \(path)")
        }
    }

    static func page(_ a: CorpusAggregate) -> String {
        let signed = AttributionRegistry.methods.first { $0.name == a.method }?.signed ?? false
        var body = "<h1>explaind corpus: \(a.texts) texts</h1>\n"
        body += "<p class=\"meta\" id=\"summary\">method <b>\(esc(a.method))</b> · classes \(a.labels.map(esc).joined(separator: ", "))"
        let labelled = a.confusion.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        if labelled > 0 {
            let correct = a.confusion.reduce(0) { $0 + ($1.value[$1.key] ?? 0) }
            body += " · accuracy <b id=\"accuracy\">\(ScoreFormat.fixed(Double(correct) / Double(labelled) * 100, digits: 1))%</b> (\(correct) of \(labelled) labelled)"
        }
        body += "</p>\n"
        body += "<table class=\"metrics\" id=\"classes\"><tr><th>predicted class</th><th>texts</th></tr>"
            + a.labels.map { "<tr><td>\(esc($0))</td><td class=\"num\">\(a.byPredicted[$0]?.texts ?? 0)</td></tr>" }.joined() + "</table>\n"
        if labelled > 0 { body += confusionMatrix(a) }
        for label in a.labels {
            guard let tally = a.byPredicted[label] else { continue }
            body += "<h2>What drives <span class=\"label\">\(esc(label))</span></h2>\n" + wordChart(a, label: label, tally: tally)
        }
        body += fragmentationTable(a)
        body += "<h2>Most confident texts</h2>\n"
        for label in a.labels {
            for example in a.confident[label] ?? [] { body += exampleBlock(example, signed: signed, kind: "confident") }
        }
        if !a.misclassified.isEmpty {
            body += "<h2>Misclassified texts</h2>\n"
            for example in a.misclassified { body += exampleBlock(example, signed: signed, kind: "misclassified") }
        }
        return HTMLPage.document(title: "explaind corpus: \(a.texts) texts", body: body)
    }

    static func esc(_ s: String) -> String { HTMLPage.escape(s) }

    /// Gold classes down, predicted across.
    static func confusionMatrix(_ a: CorpusAggregate) -> String {
        let predicted = a.labels + Set(a.confusion.values.flatMap(\.keys)).subtracting(a.labels).sorted()
        let gold = a.labels.filter { a.confusion[$0] != nil } + a.confusion.keys.filter { !a.labels.contains($0) }.sorted()
        let head = "<tr><th>gold ↓ predicted →</th>" + predicted.map { "<th>\(esc($0))</th>" }.joined() + "</tr>"
        let rows = gold.map { g in
            "<tr><th>\(esc(g))</th>" + predicted.map { p in
                "<td class=\"num\(g == p ? " best" : "")\" data-gold=\"\(esc(g))\" data-predicted=\"\(esc(p))\">\(a.confusion[g]?[p] ?? 0)</td>"
            }.joined() + "</tr>"
        }
        return "<h2>Confusion matrix</h2>\n<table class=\"metrics\" id=\"confusion\">\(head)\(rows.joined())</table>\n"
    }

    /// The class's top words by mean attribution, as horizontal bars in inline SVG (red below zero).
    static func wordChart(_ a: CorpusAggregate, label: String, tally: CorpusAggregate.ClassTally) -> String {
        let top = Array(a.topWords(tally).prefix(barsShown))
        guard !top.isEmpty else {
            return "<p class=\"note\">No word was seen \(a.minCount) times or more in texts predicted \(esc(label)).</p>\n"
        }
        let means = top.map { $0.tally.total.value / Double($0.tally.count) }
        let largest = max(means.map(abs).max() ?? 1, 1e-12)
        let (rowHeight, labelWidth, barWidth, valueWidth) = (18.0, 150.0, 300.0, 170.0)
        let height = rowHeight * Double(top.count) + 4
        let width = labelWidth + barWidth + valueWidth
        var svg = "<svg class=\"words\" data-class=\"\(esc(label))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"top words of \(esc(label))\">"
        for (i, (entry, mean)) in zip(top, means).enumerated() {
            let y = 2 + rowHeight * Double(i)
            let length = max(1, barWidth * abs(mean) / largest)
            let color = (mean < 0 ? ColorScale.diverging.color(-1) : ColorScale.diverging.color(1)).hex
            svg += "<g class=\"word\" data-word=\"\(esc(entry.word))\" data-mean=\"\(ScoreFormat.long(mean))\" data-count=\"\(entry.tally.count)\">"
            svg += "<title>\(esc(entry.word)): mean \(ScoreFormat.short(mean)), \(entry.tally.count) times in \(entry.tally.documents) texts</title>"
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" text-anchor=\"end\" font-size=\"12\" font-family=\"DejaVu Sans Mono, monospace\">\(esc(entry.word))</text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 2)\" width=\"\(ScoreFormat.fixed(length, digits: 1))\" height=\"\(rowHeight - 5)\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(labelWidth + barWidth + 6)\" y=\"\(y + 13)\" font-size=\"11\" fill=\"#555\">\(ScoreFormat.short(mean)) · \(entry.tally.count)× in \(entry.tally.documents)</text></g>"
        }
        svg += "</svg>"
        return "<div class=\"scroll\">\(svg)</div>\n<p class=\"note\">Mean attribution towards the explained class, among words seen at least \(a.minCount) times (\(tally.texts) texts).</p>\n"
    }

    static func fragmentationTable(_ a: CorpusAggregate) -> String {
        let ranked = a.rankedFragments.prefix(fragmentsShown)
        var html = "<h2>Fragmented words</h2>\n"
        guard !ranked.isEmpty else { return html + "<p class=\"note\">No word was split into 3 or more pieces.</p>\n" }
        html += "<table class=\"metrics\" id=\"fragmentation\"><tr><th>word</th><th>pieces</th><th>count</th><th>mean attribution</th><th>count × mean |attribution|</th></tr>"
        for (word, f) in ranked {
            html += "<tr data-word=\"\(esc(word))\"><td>\(esc(word))</td><td>\(f.pieces.map(esc).joined(separator: " · "))</td><td class=\"num\">\(f.count)</td>"
                + "<td class=\"num\">\(ScoreFormat.short(f.total.value / Double(f.count)))</td><td class=\"num\">\(ScoreFormat.short(f.totalAbsolute.value))</td></tr>"
        }
        return html + "</table>\n<p class=\"note\">Words the vocabulary splits into 3 or more pieces, ranked by how often they occur times how much they matter: candidates for added tokens.</p>\n"
    }

    static func exampleBlock(_ example: CorpusAggregate.Example, signed: Bool, kind: String) -> String {
        guard let info = try? CorpusAggregate.explanation(example.record) else { return "" }
        let shown = ExplainREPL.Explanation(info)
        let id = example.record["id"].map { $0.stringValue ?? JSONSerializer.string($0) } ?? ""
        var meta = "\(esc(id)) · predicted <b>\(esc(info.prediction.label))</b> \(ScoreFormat.long(Double(example.probability)))"
        if let gold = example.record["gold"]?.stringValue { meta += " · gold \(esc(gold))" }
        return "<div class=\"example \(kind)\" data-id=\"\(esc(id))\"><p class=\"meta\">\(meta)</p>\(HTMLPage.shadedText(shown, signed: signed))</div>\n"
    }
}
