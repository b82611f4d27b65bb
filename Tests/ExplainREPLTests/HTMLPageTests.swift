import XCTest
import ExplainProtocol
@testable import ExplainREPL

final class HTMLPageTests: XCTestCase {
    func testExplanationPage() throws {
        let e = try Samples.explanation()
        let page = HTMLPage.explanation(e, signed: true, labels: Samples.labels)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>"))
        // every token shaded in place, with its score for the hover
        for (text, label, score, shown, color) in [("Vote", "vote", "1.0000", "1.00", "#2166ac"), ("un", "un", "-0.5000", "-0.500", "#d98c95"),
                                                   ("believ", "##believ", "0.0000", "0", "#ffffff"), ("!", "!", "-1.0000", "-1.00", "#b2182b")] {
            XCTAssertTrue(page.contains("<span class=\"tok\" data-token=\"\(label)\" data-score=\"\(score)\" title=\"\(label): \(shown)\" style=\"background:\(color);"), text)
            XCTAssertTrue(page.contains(">\(text)</span>"), text)
        }
        // prediction and probabilities on top
        XCTAssertTrue(page.contains("prediction: <span class=\"label\">political</span>"))
        XCTAssertTrue(page.contains("<td>general</td>"))
        XCTAssertTrue(page.contains(">0.2000</td>"))
        // a bar per token, specials included; diverging bars
        XCTAssertEqual(page.components(separatedBy: "<td class=\"label\">").count - 1, 7)
        XCTAssertTrue(page.contains("table class=\"bars signed\""))
        // the context and a legend in words
        XCTAssertTrue(page.contains("target political · output probability · normalize max"), page)
        XCTAssertTrue(page.contains("red: against <i>political</i> · blue: towards <i>political</i> (full colour at ±1.00)"), page)
        // self-contained: no external resources
        for external in ["http://", "https://", "src=", "<link", "@import"] { XCTAssertFalse(page.contains(external), external) }
        XCTAssertTrue(page.contains("<style>") && page.contains("<script>"))
    }

    func testEscaping() throws {
        XCTAssertEqual(HTMLPage.escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
        var json = try JSONParser.parse(Samples.wordJSON)
        if case .object(var o) = json {
            o["text"] = "<b>& unbelievably!"
            o["words"] = [["text": "<b>&", "start": 0, "end": 4, "tokens": [0], "score": 1.0]]
            json = .object(o)
        }
        let page = HTMLPage.explanation(Explanation(try ExplanationInfo(json: json, at: "")), signed: false, labels: [])
        XCTAssertTrue(page.contains(">&lt;b&gt;&amp;</span> unbelievably!"), page)
        XCTAssertFalse(page.contains("<b>&"))
    }

    func testComparisonPageHasARowPerMethodAndTheTables() throws {
        // The records become tables, a column per field, identifying columns first; null figures show as —.
        let full = try Samples.comparison()
        XCTAssertEqual(full.ranking, ["occlusion", "vanillaGradient", "integratedGradients"])
        let faithfulness = try XCTUnwrap(full.tables.first { $0.title == "faithfulness" })
        XCTAssertEqual(faithfulness.header, ["method", "comprehensiveness", "deletionArea", "sufficiency", "taucorr_loo"])
        XCTAssertEqual(faithfulness.rows[1], ["occlusion", "0.3500", "0.3000", "0.0100", "1.0000"])
        let pairs = try XCTUnwrap(full.tables.first { $0.title == "agreement" })
        XCTAssertEqual(pairs.header, ["a", "b", "kendall", "kendallAbsolute", "spearman", "spearmanAbsolute", "topKOverlap",
                                      "topKOverlapAbsolute"])
        XCTAssertEqual(pairs.rows[0], ["vanillaGradient", "occlusion", "-0.3000", "—", "-0.5000", "—", "—", "—"])
        // A comparison asked for no agreement or faithfulness figures: a row per method and the summary.
        let reply = try CompareMethodsResult(json: try JSONParser.parse(Samples.compareJSON), at: "")
        var bare = reply
        bare.methods = Array(reply.methods.prefix(2))
        bare.agreement = []
        bare.faithfulness = []
        bare.ranking = []
        let c = Comparison(bare)
        XCTAssertEqual(c.methods.map(\.name), ["vanillaGradient", "occlusion"])
        XCTAssertTrue(c.tables.isEmpty)
        let page = HTMLPage.comparison(c, server: try Samples.server(), labels: Samples.labels)
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"method\"").count - 1, 2)
        XCTAssertTrue(page.contains("data-token=\"now\" data-score=\"-0.2000\""))
        XCTAssertTrue(page.contains("occlusion is the most faithful here"))
        let terminal = TerminalView(mode: .plain).comparison(c, server: try Samples.server(), labels: Samples.labels)
        XCTAssertTrue(terminal.contains("vanillaGradient  Vote[0.900] now[-0.200]  2.0 ms"), terminal.debugDescription)
    }

    func testComparisonPageHeatMapCurvesAndMatrix() throws {
        let c = try Samples.comparison()
        let page = HTMLPage.comparison(c, server: try Samples.server(), labels: Samples.labels)
        // tokens × methods: a row per text token, a cell per method with its score
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"token\">").count - 1, 2)
        XCTAssertTrue(page.contains("<td class=\"cell\" data-method=\"occlusion\" data-score=\"0.1000\""), page)
        XCTAssertTrue(page.contains(">-0.200</td>"))
        // one polyline per method's deletion curve, inside an inline SVG
        XCTAssertEqual(page.components(separatedBy: "<polyline class=\"curve\"").count - 1, 3)
        XCTAssertTrue(page.contains("<svg class=\"curves\""))
        // the ρ matrix and the faithfulness table with its directions and the best bold
        XCTAssertTrue(page.contains("<table class=\"matrix\" id=\"agreement\">"))
        XCTAssertEqual(page.components(separatedBy: "<td class=\"rho\"").count - 1, 9)
        XCTAssertTrue(page.contains("<th>comprehensiveness ↑</th><th>sufficiency ↓</th>"))
        XCTAssertTrue(page.contains("<td class=\"best\">0.350</td>"))
        XCTAssertTrue(page.contains("target political · output logit"))
    }
}
