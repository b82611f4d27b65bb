import XCTest
import ExplainModel

/// Shape first, then closeness: |a − b| ≤ atol + rtol · max|b|, reporting the largest difference and where.
func assertClose(_ actual: [Float], _ expected: [Float], rtol: Double = 0, atol: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    guard actual.count == expected.count else {
        XCTFail("\(what): \(actual.count) values, expected \(expected.count)", file: file, line: line)
        return
    }
    let scale = expected.map { abs(Double($0)) }.max() ?? 0
    var worst = 0.0, worstIndex = 0
    for i in actual.indices {
        let difference = abs(Double(actual[i]) - Double(expected[i]))
        if !(difference <= worst) || difference.isNaN { worst = difference; worstIndex = i }
    }
    let tolerance = atol + rtol * scale
    if !(worst <= tolerance) {
        XCTFail("\(what): largest difference \(worst) at \(worstIndex) (\(actual[worstIndex]) vs \(expected[worstIndex])), tolerance \(tolerance)",
                file: file, line: line)
    }
}

/// The largest |a − b| / max|b|, for reports.
func relativeDifference(_ actual: [Float], _ expected: [Float]) -> Double {
    let scale = max(expected.map { abs(Double($0)) }.max() ?? 0, 1e-30)
    return zip(actual, expected).map { abs(Double($0) - Double($1)) }.max().map { $0 / scale } ?? 0
}

/// A fixed-seed generator so every run draws the same "random" weights.
struct SeededGenerator: RandomNumberGenerator {
    private var bits: SplitMix64
    init(seed: UInt64) { bits = SplitMix64(state: seed &+ 0x9E3779B97F4A7C15) }
    mutating func next() -> UInt64 { bits.next() }
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in Float.random(in: -scale...scale, using: &self) }
    }
}

/// The Tests/Fixtures directory beside this file's test target.
let fixturesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")
