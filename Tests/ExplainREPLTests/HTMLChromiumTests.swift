import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
@testable import ExplainREPL

/// `:html` pages opened in headless Chromium: the rendered DOM must hold every token with the daemon's score,
/// the inline script must have run, and a screenshot is written for a human to look at
/// ($TMPDIR/explain-html-explanation.png and explain-html-comparison.png).
final class HTMLChromiumTests: XCTestCase {
    let model = Built.model("distilbert-3labels-bf16")

    override func setUpWithError() throws { try Built.requireExplainingDaemon() }

    func chromium(_ arguments: [String], profile: URL) throws -> Built.Run {
        let binary = try ExternalTool.find(["chromium", "chromium-browser", "google-chrome"])
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
        return try Built.run(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                                      "--user-data-dir=\(profile.path)"] + arguments)
    }

    func testExplanationAndComparisonPagesInChromium() throws {
        let work = try scratchDirectory("explain-html")
        let text = "The senate voted on Schwarzenegger's budget."
        let page = work.appendingPathComponent("explanation.html"), comparisonPage = work.appendingPathComponent("comparison.html")
        let input = ":method gradientXInput\n\(text)\n:html \(page.path)\n:compare \(text)\n:html \(comparisonPage.path)\n"
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model]), input: input)
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try Built.daemonResults(model: model, [("explain", ["text": .string(text), "method": "gradientXInput"]),
                                                              ("compareMethods", ["text": .string(text)])])

        // the explanation page, as Chromium renders it
        let dom = try chromium(["--dump-dom", page.absoluteString], profile: work.appendingPathComponent("profile")).stdout
        XCTAssertTrue(dom.contains("<body data-tokens=\""), "the inline script ran: \(dom.prefix(300))")
        let tokens = try XCTUnwrap(expected[0]["tokens"]?.arrayValue).filter { $0["special"] != .bool(true) }
        XCTAssertTrue(dom.contains("<body data-tokens=\"\(tokens.count)\""))
        let scalars = Array(text.unicodeScalars)
        for t in tokens {
            // Chromium serialises apostrophes unescaped, in text and attributes alike
            let label = HTMLPage.escape(try XCTUnwrap(t["text"]?.stringValue)).replacingOccurrences(of: "&#39;", with: "'")
            let score = ScoreFormat.long(try XCTUnwrap(t["score"]?.doubleValue))
            let shownScore = ScoreFormat.short(try XCTUnwrap(t["score"]?.doubleValue))
            var span = String.UnicodeScalarView(); span.append(contentsOf: scalars[t["start"]!.intValue!..<t["end"]!.intValue!])
            let shown = HTMLPage.escape(String(span)).replacingOccurrences(of: "&#39;", with: "'")
            XCTAssertNotNil(dom.range(of: "<span class=\"tok\" data-token=\"\(label)\" data-score=\"\(score)\" title=\"\(label): \(NSRegularExpression.escapedPattern(for: shownScore))\"[^>]*>\(NSRegularExpression.escapedPattern(for: shown))</span>",
                                      options: .regularExpression), "\(label) \(score)")
            XCTAssertTrue(dom.contains("<td class=\"label\">\(label)</td>"), "bar row for \(label)")
        }
        let prediction = try XCTUnwrap(expected[0]["prediction"])
        XCTAssertTrue(dom.contains("prediction: <span class=\"label\">\(prediction["label"]!.stringValue!)</span>"))
        for p in try XCTUnwrap(prediction["probabilities"]?.arrayValue) {
            XCTAssertTrue(dom.contains(ScoreFormat.long(p.doubleValue!)), "probability \(p)")
        }

        XCTAssertTrue(dom.contains("id=\"legend\""), "a colour legend")
        XCTAssertTrue(dom.contains("output logit"), "the context")

        // the comparison page: a tokens × methods heat map with the daemon's scores, the deletion curves
        // drawn, the ρ matrix and the faithfulness table
        let comparisonDOM = try chromium(["--window-size=1200,900", "--dump-dom", comparisonPage.absoluteString],
                                         profile: work.appendingPathComponent("profile")).stdout
        let compared = expected[1]
        let comparedTokens = try XCTUnwrap(compared["tokens"]?.arrayValue)
        XCTAssertEqual(comparisonDOM.components(separatedBy: "<tr class=\"token\">").count - 1,
                       comparedTokens.filter { $0["special"] != .bool(true) }.count)
        for m in try XCTUnwrap(compared["methods"]?.arrayValue) {
            let name = try XCTUnwrap(m["method"]?.stringValue)
            let scores = try XCTUnwrap(m["scores"]?.arrayValue).compactMap(\.doubleValue)
            for (t, score) in zip(comparedTokens, scores) where t["special"] != .bool(true) {
                XCTAssertTrue(comparisonDOM.contains("data-method=\"\(name)\" data-score=\"\(ScoreFormat.long(score))\""), "\(name) \(score)")
            }
        }
        let methodCount = try XCTUnwrap(compared["methods"]?.arrayValue).count
        XCTAssertGreaterThanOrEqual(methodCount, 6, "every method, so that the page is as wide as it gets")
        XCTAssertEqual(comparisonDOM.components(separatedBy: "<polyline class=\"curve\"").count - 1, methodCount, "a deletion curve per method")
        XCTAssertEqual(comparisonDOM.components(separatedBy: "<td class=\"rho\"").count - 1, methodCount * methodCount, "the ρ matrix")
        XCTAssertTrue(comparisonDOM.contains("comprehensiveness ↑") && comparisonDOM.contains("sufficiency ↓"))
        // nothing sticks out sideways at 1200 px (the page's script measured it as Chromium laid it out)
        for dom in [comparisonDOM, try chromium(["--window-size=1200,900", "--dump-dom", page.absoluteString],
                                                profile: work.appendingPathComponent("profile")).stdout] {
            let scroll = try XCTUnwrap(Self.attribute("data-scroll-width", in: dom)), viewport = try XCTUnwrap(Self.attribute("data-viewport-width", in: dom))
            XCTAssertLessThanOrEqual(scroll, viewport, "horizontal overflow: \(scroll) px of content in \(viewport) px")
            XCTAssertGreaterThan(viewport, 1000)
        }
        if let summary = expected[1]["summary"]?.stringValue { XCTAssertTrue(comparisonDOM.contains(HTMLPage.escape(summary))) }

        // screenshots for a human look
        for (source, name) in [(page, "explanation"), (comparisonPage, "comparison")] {
            let png = FileManager.default.temporaryDirectory.appendingPathComponent("explain-html-\(name).png")
            try? FileManager.default.removeItem(at: png)
            _ = try chromium(["--screenshot=\(png.path)", "--window-size=1200,1600", source.absoluteString],
                             profile: work.appendingPathComponent("profile"))
            let bytes = try Data(contentsOf: png)
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
            XCTAssertGreaterThan(bytes.count, 10_000, "\(name): a page with content, not a blank")
            print("screenshot of the \(name) page: \(png.path)")
        }
    }

    /// An integer attribute of the rendered <body>.
    static func attribute(_ name: String, in dom: String) -> Int? {
        guard let range = dom.range(of: name + "=\"") else { return nil }
        return Int(dom[range.upperBound...].prefix { $0.isNumber })
    }
}
