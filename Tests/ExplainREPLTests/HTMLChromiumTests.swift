import Foundation
import XCTest
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
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("explain-html-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let text = "The senate voted on Schwarzenegger's budget."
        let page = work.appendingPathComponent("explanation.html"), comparisonPage = work.appendingPathComponent("comparison.html")
        let input = ":method gradientXInput\n\(text)\n:html \(page.path)\n:compare vanillaGradient occlusion \(text)\n:html \(comparisonPage.path)\n"
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model]), input: input)
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try Built.daemonResults(model: model, [("explain", ["text": .string(text), "method": "gradientXInput"]),
                                                              ("compareMethods", ["text": .string(text), "methods": ["vanillaGradient", "occlusion"]])])

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
            var span = String.UnicodeScalarView(); span.append(contentsOf: scalars[t["start"]!.intValue!..<t["end"]!.intValue!])
            let shown = HTMLPage.escape(String(span)).replacingOccurrences(of: "&#39;", with: "'")
            XCTAssertNotNil(dom.range(of: "<span class=\"tok\" data-token=\"\(label)\" data-score=\"\(score)\" title=\"\(label): \(score)\"[^>]*>\(NSRegularExpression.escapedPattern(for: shown))</span>",
                                      options: .regularExpression), "\(label) \(score)")
            XCTAssertTrue(dom.contains("<td class=\"label\">\(label)</td>"), "bar row for \(label)")
        }
        let prediction = try XCTUnwrap(expected[0]["prediction"])
        XCTAssertTrue(dom.contains("prediction: <span class=\"label\">\(prediction["label"]!.stringValue!)</span>"))
        for p in try XCTUnwrap(prediction["probabilities"]?.arrayValue) {
            XCTAssertTrue(dom.contains(ScoreFormat.long(p.doubleValue!)), "probability \(p)")
        }

        // the comparison page: one row per method, the metric tables
        let comparisonDOM = try chromium(["--dump-dom", comparisonPage.absoluteString], profile: work.appendingPathComponent("profile")).stdout
        XCTAssertEqual(comparisonDOM.components(separatedBy: "<tr class=\"method\"").count - 1, 2)
        for method in ["vanillaGradient", "occlusion"] { XCTAssertTrue(comparisonDOM.contains("data-method=\"\(method)\"")) }
        XCTAssertTrue(comparisonDOM.contains("comprehensiveness") && comparisonDOM.contains("sufficiency"))
        if let summary = expected[1]["summary"]?.stringValue { XCTAssertTrue(comparisonDOM.contains(HTMLPage.escape(summary))) }

        // screenshots for a human look
        for (source, name) in [(page, "explanation"), (comparisonPage, "comparison")] {
            let png = FileManager.default.temporaryDirectory.appendingPathComponent("explain-html-\(name).png")
            try? FileManager.default.removeItem(at: png)
            _ = try chromium(["--screenshot=\(png.path)", "--window-size=1100,1300", source.absoluteString],
                             profile: work.appendingPathComponent("profile"))
            let bytes = try Data(contentsOf: png)
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
            XCTAssertGreaterThan(bytes.count, 10_000, "\(name): a page with content, not a blank")
            print("screenshot of the \(name) page: \(png.path)")
        }
    }
}
