import Foundation
import XCTest
import ExplainModel
import ExplainAttribution
@testable import ExplainServer

/// A text explained in windows costs its windows: each counts as a text of the model's positions, against
/// `--max-work` once tokenized and against `--max-queued-work` (from the text's bytes) while it waits.
final class LongTextWorkTests: XCTestCase {
    let long = (0..<60).map { ["the senate", "passed", "a budget", "after the", "football match"][$0 % 5] }.joined(separator: " ")

    /// Windows of `length` ordinary tokens, `stride` apart, the last one ending at the last of `content` tokens.
    func windowCount(content: Int, length: Int, stride: Int) -> Int {
        var count = 1, end = length
        while end < content { count += 1; end += stride }
        return count
    }

    func testWindowedTextsCostTheirWindowsAgainstMaxWork() throws {
        let fixture = TestPaths.model("bert-gelu-2labels")
        let model = try ClassifierModel.load(directory: URL(fileURLWithPath: fixture))
        let tokens = model.tokenizer.encode(long).tokens.count, length = model.maxTokens - 2
        XCTAssertGreaterThan(tokens, model.maxTokens)
        let windows = windowCount(content: tokens - 2, length: length, stride: 20)
        // Gradient methods: 3 passes per window of the model's positions.
        let work = windows * model.maxTokens * 3
        let daemon = try launchDaemon(arguments: ["--model", fixture, "--max-work", "\(work)"])
        _ = daemon.initialize()
        let result = daemon.call("explain", ["text": .string(long), "method": "gradientNorm", "long": "windows", "stride": 20])
        XCTAssertEqual(result?["windows"]?.arrayValue?.count, windows)
        // One more window is past the limit, refused up front with its cost; cut to the positions it is one pass.
        let denser = windowCount(content: tokens - 2, length: length, stride: 10)
        XCTAssertGreaterThan(denser, windows)
        let refused = daemon.callError("explain", ["text": .string(long), "method": "gradientNorm", "long": "windows", "stride": 10])
        XCTAssertEqual(refused?.errorField, "text")
        let cost = denser * model.maxTokens * 3
        XCTAssertTrue(refused?["data"]?["reason"]?.stringValue?.contains("about \(cost) token-passes") ?? false, "\(String(describing: refused))")
        XCTAssertEqual(daemon.call("explain", ["text": .string(long), "method": "gradientNorm"])?["truncated"], .bool(true))
    }

    /// Before tokenizing, the queue counts a text's bytes + 2 as its tokens: in windows, that many tokens' windows.
    func testQueuedWindowsAreCountedFromTheBytes() {
        let sizes = ExplainHandler.passSizes(all: 1002, content: 1000, maxTokens: 128, long: .windows, stride: nil)
        XCTAssertEqual(sizes.count, windowCount(content: 1000, length: 126, stride: 63))
        XCTAssertTrue(sizes.allSatisfy { $0.all == 128 && $0.content == 126 })
        let cut = ExplainHandler.passSizes(all: 1002, content: 1000, maxTokens: 128, long: .truncate, stride: nil)
        XCTAssertEqual(cut.map(\.all), [128])
        let short = ExplainHandler.passSizes(all: 12, content: 10, maxTokens: 128, long: .windows, stride: 5)
        XCTAssertEqual(short.map(\.all), [12])
    }
}
