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
        let json = try JSONParser.parse("""
        {"text":"Vote now","tokens":[{"text":"[CLS]","start":null,"end":null,"special":true},
            {"text":"vote","start":0,"end":4,"special":false},{"text":"now","start":5,"end":8,"special":false},
            {"text":"[SEP]","start":null,"end":null,"special":true}],
         "prediction":{"label":"political","index":0,"probabilities":[0.6,0.3,0.1]},
         "methods":[{"method":"vanillaGradient","scores":[0,0.9,-0.2,0],"elapsedMs":2},
                    {"method":"occlusion","scores":[0,0.4,0.1,0],"elapsedMs":5}],
         "agreement":{"pairs":[{"a":"vanillaGradient","b":"occlusion","spearman":1.0,"kendall":1.0,"topKOverlap":1.0}],"k":1},
         "faithfulness":{"vanillaGradient":{"comprehensiveness":0.31,"sufficiency":0.02,"taucorrLoo":0.5},
                         "occlusion":{"comprehensiveness":0.35,"sufficiency":0.01,"taucorrLoo":1.0}},
         "ranking":["occlusion","vanillaGradient"],"summary":"occlusion is the most faithful here"}
        """)
        let c = try Comparison(json: json, text: "Vote now")
        XCTAssertEqual(c.methods.map(\.name), ["vanillaGradient", "occlusion"])
        XCTAssertEqual(c.ranking, ["occlusion", "vanillaGradient"])
        let faithfulness = try XCTUnwrap(c.tables.first { $0.title == "faithfulness" && $0.header.contains("comprehensiveness") })
        XCTAssertEqual(faithfulness.header, ["", "comprehensiveness", "sufficiency", "taucorrLoo"])
        XCTAssertEqual(faithfulness.rows, [["occlusion", "0.3500", "0.0100", "1.0000"], ["vanillaGradient", "0.3100", "0.0200", "0.5000"]])
        let pairs = try XCTUnwrap(c.tables.first { $0.title == "agreement · pairs" })
        XCTAssertEqual(pairs.header, ["a", "b", "kendall", "spearman", "topKOverlap"])
        let page = HTMLPage.comparison(c, server: try Samples.server(), labels: Samples.labels)
        XCTAssertEqual(page.components(separatedBy: "<tr class=\"method\"").count - 1, 2)
        XCTAssertTrue(page.contains("data-token=\"now\" data-score=\"-0.2000\""))
        XCTAssertTrue(page.contains("<td>0.3500</td>"))
        XCTAssertTrue(page.contains("occlusion is the most faithful here"))
        let terminal = TerminalView(mode: .plain).comparison(c, server: try Samples.server(), labels: Samples.labels)
        XCTAssertTrue(terminal.contains("vanillaGradient  Vote[0.900] now[-0.200]  2.0 ms"), terminal.debugDescription)
        XCTAssertTrue(terminal.contains("ranking: occlusion > vanillaGradient"))
    }

    func testComparisonPageHeatMapCurvesAndMatrix() throws {
        let c = try Comparison(json: try JSONParser.parse(Samples.compareJSON), text: "Vote now")
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
