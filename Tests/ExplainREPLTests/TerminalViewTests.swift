import XCTest
import ExplainProtocol
@testable import ExplainREPL

final class TerminalViewTests: XCTestCase {
    func testPlainHeatmapPutsEachScoreAfterItsSpan() throws {
        let e = try Samples.explanation()
        XCTAssertEqual(TerminalView(mode: .plain).heatmap(e, signed: true),
                       "Vote[1.00] un[-0.500]believ[0]ably[0.250]![-1.00]")
    }

    func testWordGranularityJoinsPieces() throws {
        let e = try Samples.explanation(Samples.wordJSON)
        XCTAssertEqual(TerminalView(mode: .plain).heatmap(e, signed: false), "Vote[0.500] unbelievably[1.00]![0.100]")
    }

    func testTrueColorShadesBySignedScale() throws {
        let e = try Samples.explanation()
        let out = TerminalView(mode: .trueColor).heatmap(e, signed: true)
        XCTAssertTrue(out.contains("\u{1B}[48;2;33;102;172m\u{1B}[38;2;255;255;255mVote\u{1B}[0m"), out)  // +1 → blue
        XCTAssertTrue(out.contains("\u{1B}[48;2;178;24;43m\u{1B}[38;2;255;255;255m!\u{1B}[0m"), out)      // −1 → red
        XCTAssertTrue(out.contains("\u{1B}[48;2;255;255;255m\u{1B}[38;2;0;0;0mbeliev\u{1B}[0m"), out)     // 0 → white
        XCTAssertFalse(out.contains("[CLS]"))
    }

    func testShadingIsRelativeToTheLargestScore() throws {
        var json = try JSONParser.parse(Samples.wordJSON)
        // halve every word score: the picture must not change
        if case .object(var o) = json, case .array(let words)? = o["words"] {
            o["words"] = .array(words.map { w in
                guard case .object(var f) = w else { return w }
                f["score"] = .number((f["score"]?.doubleValue ?? 0) / 2)
                return .object(f)
            })
            json = .object(o)
        }
        let half = Explanation(try ExplanationInfo(json: json, at: ""))
        let full = try Samples.explanation(Samples.wordJSON)
        XCTAssertEqual(TerminalView(mode: .trueColor).heatmap(half, signed: false),
                       TerminalView(mode: .trueColor).heatmap(full, signed: false))
    }

    func testSummaryNamesPredictionProbabilitiesAndMethod() throws {
        let e = try Samples.explanation()
        let s = TerminalView(mode: .plain).summary(e, labels: Samples.labels)
        XCTAssertEqual(s, """
        prediction political (0.7500) · political 0.7500, general 0.2000, other 0.0500
        method integratedGradients · target political · output probability · normalize max · token granularity · 12.5 ms
        """)
        let w = TerminalView(mode: .plain).summary(try Samples.explanation(Samples.wordJSON), labels: Samples.labels)
        XCTAssertTrue(w.contains("target general"))
        XCTAssertTrue(w.contains("truncated"))
    }

    func testBarChart() throws {
        var view = TerminalView(mode: .plain)
        view.barWidth = 10
        let bars = view.barChart(try Samples.explanation(), signed: true).split(separator: "\n").map(String.init)
        XCTAssertEqual(bars.count, 7)  // every token, specials included
        XCTAssertEqual(bars[1], "  vote          │█████    1.00")
        XCTAssertEqual(bars[2], "  un         ███│       -0.500")
        XCTAssertEqual(bars[5], "  !        █████│        -1.00")
        let unsigned = view.barChart(try Samples.explanation(Samples.wordJSON), signed: false).split(separator: "\n").map(String.init)
        XCTAssertEqual(unsigned[1], "  unbelievably ██████████    1.00")
        XCTAssertEqual(unsigned[2], "  !            █            0.100")
        XCTAssertEqual(TerminalView.eighthsBar(0.55, width: 2), "█▏")
    }

    func testTokenizationHighlightsFragmentedWords() throws {
        let json = try JSONParser.parse("""
        {"tokens":[{"id":101,"text":"[CLS]","start":null,"end":null,"special":true,"word":null},
                   {"id":8,"text":"un","start":0,"end":2,"special":false,"word":0},
                   {"id":9,"text":"##believ","start":2,"end":8,"special":false,"word":0},
                   {"id":10,"text":"##ably","start":8,"end":12,"special":false,"word":0},
                   {"id":102,"text":"[SEP]","start":null,"end":null,"special":true,"word":null}],
         "words":[{"text":"unbelievably","start":0,"end":12,"tokens":[1,2,3]}],
         "truncated":false,"fragmented":[{"word":0,"text":"unbelievably","pieces":["un","##believ","##ably"]}]}
        """)
        let t = Tokenization(try TokenizeResult(json: json, at: ""))
        let plain = TerminalView(mode: .plain).tokenization(t)
        XCTAssertTrue(plain.hasPrefix("[CLS] un ##believ ##ably [SEP]\n"), plain)
        XCTAssertTrue(plain.contains("  2   ##believ        [2, 8)     word 0"), plain)
        XCTAssertTrue(plain.contains("unbelievably → un ##believ ##ably"), plain)
        let colored = TerminalView(mode: .trueColor).tokenization(t)
        XCTAssertTrue(colored.contains("\u{1B}[48;2;255;215;95m\u{1B}[38;2;0;0;0m##believ\u{1B}[0m"), colored)
    }

    func testScoreFormat() {
        // three significant figures, so that normalize none does not print 0.00 everywhere
        XCTAssertEqual(ScoreFormat.short(-0.001), "-0.00100")
        XCTAssertEqual(ScoreFormat.short(0.4264), "0.426")
        XCTAssertEqual(ScoreFormat.short(0.0021349), "0.00213")
        XCTAssertEqual(ScoreFormat.short(83.3257), "83.3")
        XCTAssertEqual(ScoreFormat.short(1), "1.00")
        XCTAssertEqual(ScoreFormat.short(0.099996), "0.100")
        XCTAssertEqual(ScoreFormat.short(-0.0), "0")
        XCTAssertEqual(ScoreFormat.short(3.2e-7), "3.20e-07")
        XCTAssertEqual(ScoreFormat.short(1234567), "1.23e+06")
        XCTAssertEqual(ScoreFormat.long(-0.12345), "-0.1235")  // %.4f rounding of the nearest double
        XCTAssertEqual(ScoreFormat.milliseconds(1234), "1.23 s")
    }

    func testContextAndLegend() throws {
        var json = try JSONParser.parse(Samples.explainJSON)
        if case .object(var o) = json {
            o["extras"] = ["steps": 16, "gap": 0.000123, "expectedDelta": 0.5]
            o["options"] = ["steps": 16, "adaptive": true, "baseline": "pad"]
            o["foil"] = ["index": 1, "label": "general"]
            json = .object(o)
        }
        var e = Explanation(try ExplanationInfo(json: json, at: ""))
        e.model = "distil"
        let plain = TerminalView(mode: .plain).summary(e, labels: Samples.labels, signed: true)
        XCTAssertTrue(plain.contains("method integratedGradients · target political · foil general · output probability · normalize max · token granularity · model distil"), plain)
        XCTAssertTrue(plain.contains("16 steps (adaptive), completeness gap 0.000123 (0.0246% of f(x) − f(baseline)), baseline pad"), plain)
        XCTAssertFalse(plain.contains("blue"), "no colour legend without colours")
        let colored = TerminalView(mode: .trueColor).summary(e, labels: Samples.labels, signed: true)
        XCTAssertTrue(colored.contains(" blue: towards political rather than general  "), colored)
        XCTAssertTrue(colored.contains(" red: against  (full colour at ±1.00)"), colored)
        let noise = ExplanationContext.methodDetails(options: ["noise": 0.1, "samples": 20], extras: [:])
        XCTAssertEqual(noise, "noise 0.100, 20 samples")
    }

    func testComparisonShowsARhoMatrixAndWhichWayIsBetter() throws {
        let c = try Samples.comparison()
        XCTAssertEqual(c.rho("vanillaGradient", "occlusion"), -0.5)
        XCTAssertEqual(c.rho("occlusion", "vanillaGradient"), -0.5)
        XCTAssertEqual(c.rho("occlusion", "occlusion"), 1)
        let plain = TerminalView(mode: .plain).comparison(c, server: try Samples.server(), labels: Samples.labels)
        let lines = plain.split(separator: "\n").map(String.init)
        XCTAssertTrue(plain.contains("vanillaGradient      Vote[0.900] now[-0.200]"), plain)
        XCTAssertTrue(lines.contains("target political · output logit"), plain)
        // the matrix: a row per method, ρ in each cell, 1 on the diagonal; no 15-row pair table
        XCTAssertTrue(lines.contains("                            (1)    (2)    (3) "), plain)
        XCTAssertTrue(lines.contains("  vanillaGradient     (1)  1.00  -0.50   0.80 "), plain)
        XCTAssertTrue(lines.contains("  occlusion           (2) -0.50   1.00   0.20 "), plain)
        XCTAssertFalse(plain.contains("kendall"), plain)
        XCTAssertTrue(plain.contains("comprehensiveness ↑  sufficiency ↓  taucorr_loo ↑  deletionArea ↓"), plain)
        XCTAssertTrue(lines.contains("  occlusion                         0.350*        0.0100*          1.00*          0.300*"), plain)
        XCTAssertTrue(lines.contains("  integratedGradients              -0.100          0.200         -0.500           0.550 "), plain)
        let colored = TerminalView(mode: .trueColor).comparison(c, server: try Samples.server(), labels: Samples.labels)
        XCTAssertTrue(colored.contains("\u{1B}[48;2;33;102;172m"), "ρ = 1 in full blue")
        XCTAssertTrue(colored.contains(" blue: towards political  "), colored)
        XCTAssertTrue(colored.contains("\u{1B}[48;2;\(ColorScale.diverging.color(-0.5).r);\(ColorScale.diverging.color(-0.5).g);\(ColorScale.diverging.color(-0.5).b)m"), colored)
        XCTAssertTrue(colored.contains(" -0.50 \u{1B}[0m"), colored)
    }
}
