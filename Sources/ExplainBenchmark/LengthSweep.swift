import ExplainJSON
import Foundation
import ExplainAttribution

/// gradientNorm on one text of each length (16, 64, 128, 256, 512 tokens by default), one call at a time:
/// how the cost grows with the text, beside PyTorch's on the same texts.
public struct LengthSweep: Sendable {
    public struct Point: Sendable {
        public var tokens: Int
        public var seconds: TimingSummary
        /// The process's CPU time per call: on a loaded machine the figure to compare.
        public var cpuSeconds: TimingSummary
        public var gflopsPerSecond: Double
        public var pythonSeconds: TimingSummary?
        public var pythonCPUSeconds: TimingSummary?
        public var ratio: Double?
        public var cpuRatio: Double?
    }
    public var method: String
    public var points: [Point]

    public static let defaultLengths = [16, 64, 128, 256, 512]

    /// A text of exactly `tokens` tokens ([CLS] and [SEP] included) where the model allows it: the reference
    /// sentences repeated and cut at a word, topped up with " ." (one token each).
    static func text(tokens: Int, explainer: Explainer) -> String {
        let long = Array(repeating: ReferenceSentences.all.joined(separator: " "), count: tokens / 40 + 2).joined(separator: " ")
        let encoding = explainer.encode(long)
        var content = 0, end = 0
        for word in encoding.words {
            if content + word.tokens.count > tokens - 2 { break }
            content += word.tokens.count
            end = word.end
        }
        let scalars = long.unicodeScalars
        let prefix = String(String.UnicodeScalarView(scalars.prefix(end)))
        return prefix + String(repeating: " .", count: max(0, tokens - 2 - content))
    }

    static func measure(explainer: Explainer, shape: ModelShape, lengths: [Int], repeats: Int,
                        log: (String) -> Void) throws -> (sweep: LengthSweep, texts: [String]) {
        var request = ExplainRequest(method: "gradientNorm")
        request.options = [:]
        var points: [Point] = [], texts: [String] = []
        for length in lengths where length <= explainer.model.maxTokens {
            let text = Self.text(tokens: length, explainer: explainer)
            let tokens = explainer.encode(text).tokens.count
            _ = try explainer.explain(texts: [text], request: request)
            let samples = try (0..<repeats).map { _ in
                try Stopwatch.measureBoth { _ = try explainer.explain(texts: [text], request: request) }
            }
            let summary = TimingSummary(samples.map(\.wall)), cpu = TimingSummary(samples.map(\.cpu))
            let rate = FlopCount.gradient(shape, length: tokens) / summary.median / 1e9
            log(String(format: "length sweep: %d tokens, gradientNorm %.2f ms, CPU %.2f ms (%.1f GFLOP/s)", tokens, summary.median * 1e3,
                       cpu.median * 1e3, rate))
            points.append(Point(tokens: tokens, seconds: summary, cpuSeconds: cpu, gflopsPerSecond: rate))
            texts.append(text)
        }
        return (LengthSweep(method: "gradientNorm", points: points), texts)
    }
}

extension LengthSweep: JSONRecord {}
extension LengthSweep.Point: JSONRecord {}
