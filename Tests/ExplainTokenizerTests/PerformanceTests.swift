import ExplainTokenizer
import Foundation
import XCTest

/// The daemon tokenizes on every request: a megabyte must take linear time. Timings are printed, not asserted.
final class PerformanceTests: XCTestCase {
    func testOneMegabyteIsLinear() throws {
        let tokenizer = Fixtures.tokenizer
        let sample = Fixtures.corpus.strings.joined(separator: " ")
        func text(bytes: Int) -> String {
            var text = ""
            while text.utf8.count < bytes { text += sample + "\n" }
            return text
        }
        let small = text(bytes: 100_000), large = text(bytes: 1_000_000)
        let kinds: [(String, String)] = [
            ("corpus mix", large),
            ("one 1 MB word", String(repeating: "a", count: 1_000_000)),
            ("punctuation", String(repeating: "!?", count: 500_000)),
            ("CJK", String(repeating: "日本語の文章", count: 1_000_000 / 18)),
        ]
        var report = ["tokenizing (this build): 100 kB corpus mix " + time(tokenizer, small)]
        for (name, text) in kinds {
            report.append("\(name), \(text.utf8.count) bytes: " + time(tokenizer, text))
        }
        print(report.joined(separator: "\n"))
    }

    private func time(_ tokenizer: Tokenizer, _ text: String) -> String {
        let start = Date()
        let encoding = tokenizer.encode(text)
        let seconds = Date().timeIntervalSince(start)
        XCTAssertGreaterThan(encoding.tokens.count, 2)
        XCTAssertEqual(encoding.tokens.last?.special, true)
        return String(format: "%.3f s, %d tokens, %d words", seconds, encoding.tokens.count, encoding.words.count)
    }
}
