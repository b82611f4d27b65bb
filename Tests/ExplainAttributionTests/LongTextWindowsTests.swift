import Foundation
import XCTest
import ExplainModel
import ExplainTokenizer
@testable import ExplainAttribution

/// Long texts in windows: every token covered, each score the mean over the windows covering it (checked
/// against each window explained on its own), the prediction the mean of the windows', and a text that fits
/// in one window explained exactly as without windows.
final class LongTextWindowsTests: XCTestCase {
    func explainer() throws -> Explainer {
        // 64 positions: a few dozen words need several windows.
        Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-gelu-2labels")))
    }

    let long = (0..<80).map { ["the", "senate", "passed", "budget", "rain", "tomorrow", "football", "match", "election", "vote"][$0 % 10] + " \($0)" }.joined(separator: " ")

    func testScoresAreTheMeanOverCoveringWindows() throws {
        let explainer = try explainer()
        var request = ExplainRequest(method: "gradientXInput")
        request.long = .windows
        request.stride = 20
        request.scoring.granularity = .word
        let result = try XCTUnwrap(explainer.explain(texts: [long], request: request).first)
        let whole = explainer.model.tokenizer.encode(long)
        XCTAssertGreaterThan(whole.tokens.count, explainer.model.maxTokens)
        XCTAssertEqual(result.encoding, whole)
        let windows = try XCTUnwrap(result.windows)
        XCTAssertGreaterThan(windows.count, 2)
        // Windows of the model's positions less the specials, 20 apart, the last ending at the last token.
        let length = explainer.model.maxTokens - 2
        XCTAssertEqual(windows.first, 1..<1 + length)
        XCTAssertEqual(windows.last?.upperBound, whole.tokens.count - 1)
        for (a, b) in zip(windows, windows.dropFirst()) { XCTAssertLessThanOrEqual(b.lowerBound - a.lowerBound, 20) }
        XCTAssertEqual(Set(windows.flatMap { Array($0) }), Set(1..<whole.tokens.count - 1))
        XCTAssertEqual(result.rawTokenScores.count, whole.tokens.count)
        XCTAssertTrue(result.rawTokenScores.allSatisfy(\.isFinite))

        // Each window on its own, for the text's predicted class.
        let cls = whole.tokens.first!, sep = whole.tokens.last!
        let encodings = windows.map { Encoding(tokens: [cls] + whole.tokens[$0] + [sep], words: [], truncated: false) }
        var single = request
        single.long = .truncate
        single.scoring.target = .index(result.prediction.index)
        let parts = try explainer.explain(encodings: encodings, texts: windows.map { _ in long }, request: single, control: .none)
        for token in whole.tokens.indices {
            var scores: [Float] = []
            for (window, part) in zip(windows, parts) {
                if token == 0 { scores.append(part.rawTokenScores[0]) }
                else if token == whole.tokens.count - 1 { scores.append(part.rawTokenScores.last!) }
                else if window.contains(token) { scores.append(part.rawTokenScores[token - window.lowerBound + 1]) }
            }
            XCTAssertEqual(result.rawTokenScores[token], scores.reduce(0, +) / Float(scores.count), accuracy: 1e-6 * max(1, abs(result.rawTokenScores[token])))
        }
        for c in result.prediction.probabilities.indices {
            let mean = parts.reduce(Float(0)) { $0 + $1.prediction.probabilities[c] } / Float(parts.count)
            XCTAssertEqual(result.prediction.probabilities[c], mean, accuracy: 1e-6)
        }
        XCTAssertEqual(result.prediction.index, result.prediction.probabilities.indices.max { result.prediction.probabilities[$0] < result.prediction.probabilities[$1] })
        // Normalised over the whole text: the largest ordinary token has |score| 1, words are sums of tokens.
        XCTAssertEqual(result.tokenScores[1..<whole.tokens.count - 1].map(abs).max() ?? 0, 1, accuracy: 1e-6)
        XCTAssertEqual(result.wordScores?.count, whole.words.count)
    }

    func testATextThatFitsGivesExactlyTheSingleWindowNumbers() throws {
        let explainer = try explainer()
        var request = ExplainRequest(method: "integratedGradients")
        request.options = ["steps": .number(8)]
        // The texts that fit run as one batch, as they would without the long one (a batch's make-up moves the
        // last bits of its products).
        let texts = ["the senate passed the budget", long]
        var windowed = request
        windowed.long = .windows
        let plain = try explainer.explain(texts: [texts[0]], request: request) + explainer.explain(texts: [texts[1]], request: request)
        let inWindows = try explainer.explain(texts: texts, request: windowed)
        XCTAssertEqual(inWindows[0].tokenScores, plain[0].tokenScores)
        XCTAssertEqual(inWindows[0].rawTokenScores, plain[0].rawTokenScores)
        XCTAssertEqual(inWindows[0].prediction, plain[0].prediction)
        XCTAssertNil(inWindows[0].windows)
        XCTAssertTrue(plain[1].encoding.truncated)
        XCTAssertFalse(inWindows[1].encoding.truncated)
        XCTAssertGreaterThan(inWindows[1].encoding.tokens.count, plain[1].encoding.tokens.count)
        var tooFar = windowed
        tooFar.stride = 1000
        XCTAssertThrowsError(try explainer.explain(texts: [long], request: tooFar))
    }
}
