import XCTest
@testable import ExplainREPL

final class ColorScaleTests: XCTestCase {
    func testSequentialRunsFromWhiteToBlue() {
        XCTAssertEqual(ColorScale.sequential.color(0), RGB(255, 255, 255))
        XCTAssertEqual(ColorScale.sequential.color(1), RGB(33, 102, 172))
        // halfway: each channel halfway, rounded
        XCTAssertEqual(ColorScale.sequential.color(0.5), RGB(144, 179, 214))
        // negative and out-of-range values clamp
        XCTAssertEqual(ColorScale.sequential.color(-0.7), RGB(255, 255, 255))
        XCTAssertEqual(ColorScale.sequential.color(3), RGB(33, 102, 172))
        XCTAssertEqual(ColorScale.sequential.color(.nan), RGB(255, 255, 255))
    }

    func testDivergingIsRedWhiteBlue() {
        XCTAssertEqual(ColorScale.diverging.color(-1), RGB(178, 24, 43))
        XCTAssertEqual(ColorScale.diverging.color(0), RGB(255, 255, 255))
        XCTAssertEqual(ColorScale.diverging.color(1), RGB(33, 102, 172))
        XCTAssertEqual(ColorScale.diverging.color(-0.5), RGB(217, 140, 149))
        XCTAssertEqual(ColorScale.diverging.color(-5), RGB(178, 24, 43))
    }

    func testScaleChoice() {
        XCTAssertEqual(ColorScale.for(signed: true, scores: [0.1, 0.2]), .diverging)
        XCTAssertEqual(ColorScale.for(signed: false, scores: [0.1, 0.2]), .sequential)
        // an unsigned method that still produced a negative score is drawn diverging, not clipped
        XCTAssertEqual(ColorScale.for(signed: false, scores: [0.1, -0.2]), .diverging)
    }

    func testTextContrast() {
        XCTAssertEqual(RGB(255, 255, 255).textColor, RGB(0, 0, 0))
        XCTAssertEqual(RGB(33, 102, 172).textColor, RGB(255, 255, 255))
        XCTAssertEqual(RGB(33, 102, 172).hex, "#2166ac")
    }

    func testPalette256() {
        XCTAssertEqual(Palette256.index(of: RGB(255, 255, 255)), 231)
        XCTAssertEqual(Palette256.index(of: RGB(0, 0, 0)), 16)
        XCTAssertEqual(Palette256.index(of: RGB(255, 0, 0)), 196)
        XCTAssertEqual(Palette256.index(of: RGB(128, 128, 128)), 244)  // grey ramp: 8 + 10·12 = 128
        // every scale colour maps to the nearest of the 240 cube and grey entries (checked exhaustively)
        for i in stride(from: -1.0, through: 1.0, by: 0.05) {
            let c = ColorScale.diverging.color(i)
            let chosen = Palette256.distance(c, Palette256.color(of: Palette256.index(of: c))!)
            let best = (16...255).map { Palette256.distance(c, Palette256.color(of: $0)!) }.min()!
            XCTAssertEqual(chosen, best, "\(c)")
        }
    }

    func testColorModeDetection() {
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "truecolor"], isTerminal: true), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "24bit"], isTerminal: true), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "xterm-256color"], isTerminal: true), .palette256)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "truecolor", "NO_COLOR": "1"], isTerminal: true), .plain)
        // NO_COLOR only counts when non-empty (no-color.org)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "truecolor", "NO_COLOR": ""], isTerminal: true), .trueColor)
        XCTAssertEqual(ColorMode.detect(environment: ["COLORTERM": "truecolor"], isTerminal: false), .plain)
        XCTAssertEqual(ColorMode.detect(environment: ["TERM": "dumb"], isTerminal: true), .plain)
    }

    func testEscapes() {
        let blue = RGB(33, 102, 172)
        XCTAssertEqual(TerminalStyle(mode: .trueColor).shaded("x", blue), "\u{1B}[48;2;33;102;172m\u{1B}[38;2;255;255;255mx\u{1B}[0m")
        XCTAssertEqual(TerminalStyle(mode: .palette256).shaded("x", blue),
                       "\u{1B}[48;5;\(Palette256.index(of: blue))m\u{1B}[38;5;231mx\u{1B}[0m")
        XCTAssertEqual(TerminalStyle(mode: .plain).shaded("x", blue), "x")
    }
}
