import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
@testable import ExplainREPL

/// `explaind corpus --report` opened in headless Chromium: the page shows the aggregate's figures (accuracy,
/// confusion matrix, each class's top words as SVG bars, the fragmentation table) and the example texts shaded
/// as the `:html` page shades them, with nothing loaded from anywhere.
final class CorpusReportChromiumTests: XCTestCase {
    func testReportInChromium() throws {
        let work = try scratchDirectory("corpus-report")
        let source = try String(contentsOf: Built.packageRoot.appendingPathComponent("Data/political-general/heldout.jsonl"), encoding: .utf8)
        let input = work.appendingPathComponent("in.jsonl"), report = work.appendingPathComponent("report.html")
        try (source.split(separator: "\n").prefix(30).joined(separator: "\n") + "\n").write(to: input, atomically: true, encoding: .utf8)
        let aggregateFile = work.appendingPathComponent("aggregate.json")
        let run = try Built.run(try Built.daemon(), [
            "corpus", "--in", input.path, "--out", work.appendingPathComponent("out.jsonl").path, "--aggregate", aggregateFile.path,
            "--report", report.path, "--min-count", "2", "--method", "gradientXInput", "--model", Built.model("bert-gelu-2labels")])
        XCTAssertEqual(run.status, 0, run.stderr)
        let aggregate = try JSONParser.parse([UInt8](try Data(contentsOf: aggregateFile)))
        let html = try String(contentsOf: report, encoding: .utf8)
        for outside in ["http://", "https://", "<link", " src="] { XCTAssertFalse(html.contains(outside), "loads \(outside)") }

        let binary = try ExternalTool.find(["chromium", "chromium-browser", "google-chrome"])
        let dom = try Built.run(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                                         "--user-data-dir=\(work.appendingPathComponent("profile").path)", "--dump-dom",
                                         report.absoluteString]).stdout
        XCTAssertTrue(dom.contains("<h1>explaind corpus: 30 texts</h1>"), String(dom.prefix(400)))
        let accuracy = try XCTUnwrap(aggregate["accuracy"]?.doubleValue)
        XCTAssertTrue(dom.contains("<b id=\"accuracy\">\(ScoreFormat.fixed(accuracy * 100, digits: 1))%</b>"))
        guard case .object(let confusion)? = aggregate["confusion"] else { return XCTFail("no confusion matrix") }
        for (gold, row) in confusion {
            guard case .object(let cells) = row else { continue }
            for (predicted, n) in cells {
                XCTAssertTrue(dom.contains("data-gold=\"\(gold)\" data-predicted=\"\(predicted)\">\(n.intValue!)</td>"), "\(gold) → \(predicted)")
            }
        }
        guard case .object(let classes)? = aggregate["predicted"] else { return XCTFail("no classes") }
        var shownBars = 0
        for (label, tally) in classes {
            let top = tally["top"]?.arrayValue ?? []
            guard !top.isEmpty else { continue }
            XCTAssertTrue(dom.contains("<svg class=\"words\" data-class=\"\(label)\""), "chart of \(label)")
            for word in top.prefix(20) {
                let text = HTMLPage.escape(word["word"]!.stringValue!).replacingOccurrences(of: "&#39;", with: "'")
                let mean = ScoreFormat.long(word["mean"]!.doubleValue!)
                XCTAssertTrue(dom.contains("data-word=\"\(text)\" data-mean=\"\(mean)\""), "bar of \(text) in \(label)")
                shownBars += 1
            }
        }
        XCTAssertGreaterThan(shownBars, 0)
        XCTAssertEqual(dom.components(separatedBy: "<g class=\"word\"").count - 1, shownBars)
        let fragments = aggregate["fragmentation"]?.arrayValue ?? []
        XCTAssertFalse(fragments.isEmpty)
        XCTAssertEqual(dom.components(separatedBy: "<tr data-word=").count - 1, min(30, fragments.count))
        for fragment in fragments.prefix(30) {
            let pieces = fragment["pieces"]!.arrayValue!.map { HTMLPage.escape($0.stringValue!) }.joined(separator: " · ")
            XCTAssertTrue(dom.contains("<td>\(pieces)</td>"), pieces)
        }
        // The examples, shaded token by token; the page's script ran and counted the shaded units.
        guard case .object(let confident)? = aggregate["confident"] else { return XCTFail("no examples") }
        let confidentCount = confident.values.reduce(0) { $0 + ($1.arrayValue?.count ?? 0) }
        let wrongCount = aggregate["misclassified"]?.arrayValue?.count ?? 0
        XCTAssertEqual(dom.components(separatedBy: "class=\"example confident\"").count - 1, confidentCount)
        XCTAssertEqual(dom.components(separatedBy: "class=\"example misclassified\"").count - 1, wrongCount)
        let shaded = dom.components(separatedBy: "<span class=\"tok\"").count - 1
        XCTAssertGreaterThan(shaded, confidentCount + wrongCount)
        XCTAssertTrue(dom.contains("<body data-tokens=\"\(shaded)\""))
    }
}
