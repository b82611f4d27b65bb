import XCTest
import ExplainModel
@testable import ExplainAttribution

/// A call with many texts runs group after group (Explainer.groupTokens), so memory holds one group's pass:
/// every text gets the scores it gets alone, whatever the grouping, and progress runs once over the call.
final class TextGroupTests: XCTestCase {
    func testGroupsGiveEachTextItsScoresAlone() throws {
        let explainer = Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-gelu-2labels")))
        let texts = ["The senate passed the budget.", "Great match last night!", "Vote on Saturday, they said.",
                     "A quiet day at the beach with friends and a long walk home.", "INEC delays the results again", "ok"]
        let encodings = texts.map(explainer.encode)
        for (method, options) in [("gradientNorm", [String: OptionValue]()), ("gradientXInput", [:]),
                                  ("integratedGradients", ["steps": .number(8)]), ("lime", ["samples": .number(40), "seed": .number(3)]),
                                  ("attentionGradient", [:])] {
            var request = ExplainRequest(method: method)
            request.options = options
            let alone = try texts.map { try explainer.explain(texts: [$0], request: request)[0] }
            // Groups of one text each, of two or three, and one group for all.
            var checks: [Int: Int] = [:]
            for limit in [1, 20, 1000] {
                let recorded = ProgressRecord()
                let control = RunControl(isCancelled: { recorded.countCheck(); return false },
                                         progress: { fraction, _ in recorded.append(fraction) })
                let grouped = try explainer.explain(encodings: encodings, texts: texts, request: request, control: control, groupTokens: limit)
                XCTAssertEqual(grouped.map(\.text), texts)
                for (g, a) in zip(grouped, alone) {
                    XCTAssertEqual(g.encoding.ids, a.encoding.ids)
                    XCTAssertEqual(g.prediction.index, a.prediction.index, "\(method), groups of \(limit) tokens")
                    XCTAssertEqual(g.rawTokenScores.count, a.rawTokenScores.count)
                    for (x, y) in zip(g.rawTokenScores, a.rawTokenScores) {
                        XCTAssertEqual(x, y, accuracy: 1e-5 * max(1, abs(y)), "\(method), groups of \(limit) tokens: \(g.text)")
                    }
                }
                // Progress never goes back, and stays within the call.
                let fractions = recorded.values
                XCTAssertEqual(fractions, fractions.sorted(), "\(method), groups of \(limit) tokens")
                XCTAssertTrue(fractions.allSatisfy { (0...1).contains($0) }, "\(method): \(fractions)")
                checks[limit] = recorded.checks
            }
            // Each group checks for cancellation before its pass: one group per text when a text is over the limit.
            XCTAssertGreaterThanOrEqual(checks[1]!, checks[1000]! + texts.count - 1, method)
        }
    }
}

/// Progress fractions as reported (the methods report from the calling thread).
private final class ProgressRecord: @unchecked Sendable {
    private(set) var values: [Double] = []
    private(set) var checks = 0
    func append(_ value: Double) { values.append(value) }
    func countCheck() { checks += 1 }
}
