import XCTest
import ExplainProtocol
@testable import ExplainREPL

final class TerminalViewTests: XCTestCase {
    func testPlainHeatmapPutsEachScoreAfterItsSpan() throws {
        let e = try Samples.explanation()
        XCTAssertEqual(TerminalView(mode: .plain).heatmap(e, signed: true),
                       "Vote[1.00] un[-0.50]believ[0.00]ably[0.25]![-1.00]")
    }

    func testWordGranularityJoinsPieces() throws {
        let e = try Samples.explanation(Samples.wordJSON)
        XCTAssertEqual(TerminalView(mode: .plain).heatmap(e, signed: false), "Vote[0.50] unbelievably[1.00]![0.10]")
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
        method integratedGradients · target political · normalize max · token granularity · 12.5 ms
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
        XCTAssertEqual(bars[1], "  vote          │█████  1.00")
        XCTAssertEqual(bars[2], "  un         ███│      -0.50")
        XCTAssertEqual(bars[5], "  !        █████│      -1.00")
        let unsigned = view.barChart(try Samples.explanation(Samples.wordJSON), signed: false).split(separator: "\n").map(String.init)
        XCTAssertEqual(unsigned[1], "  unbelievably ██████████  1.00")
        XCTAssertEqual(unsigned[2], "  !            █           0.10")
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
        XCTAssertTrue(plain.contains("  2   ##believ        2..<8      word 0"), plain)
        XCTAssertTrue(plain.contains("unbelievably → un ##believ ##ably"), plain)
        let colored = TerminalView(mode: .trueColor).tokenization(t)
        XCTAssertTrue(colored.contains("\u{1B}[48;2;255;215;95m\u{1B}[38;2;0;0;0m##believ\u{1B}[0m"), colored)
    }

    func testScoreFormat() {
        XCTAssertEqual(ScoreFormat.short(-0.001), "0.00")
        XCTAssertEqual(ScoreFormat.short(0.426), "0.43")
        XCTAssertEqual(ScoreFormat.long(-0.12345), "-0.1235")  // %.4f rounding of the nearest double
        XCTAssertEqual(ScoreFormat.milliseconds(1234), "1.23 s")
    }
}
