import Foundation
import XCTest
import ExplainProtocol

/// Item 9 of the hostile-input issue, measured directly: integrated gradients and SmoothGrad make their path
/// points batch by batch, so the daemon's peak resident set (VmHWM, which only grows) barely moves when a
/// request asks for 64 times the points of the one before it. Memory is bounded by `batchSize`, whatever
/// texts × steps; the assertion is on bytes, never on time.
final class MemoryBoundTests: XCTestCase {
    /// The daemon's peak resident set so far, in bytes (the kernel's high-water mark, /proc/PID/status).
    func peakResidentBytes(_ daemon: DaemonProcess) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        let kilobytes = try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? ""))
        return kilobytes * 1024
    }

    func testPathPointsAreMadeBatchByBatch() throws {
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model("distilbert-3labels-bf16")])
        _ = daemon.initialize()
        let text = "The senate voted on the budget after a long debate about taxes and the roads in the north."
        func explain(_ method: String, _ option: String, _ count: Int, texts: Int) {
            let params = ExplainParams(input: .many(Array(repeating: text, count: texts)), method: method,
                                       options: [option: .integer(count), "batchSize": .integer(16)])
            XCTAssertNotNil(daemon.call(ExplainParams.method, params.json), "\(method) \(option) \(count) × \(texts) texts")
        }
        // Warm up with every code path at a small size: the high-water mark then holds one batch's memory.
        explain("integratedGradients", "steps", 16, texts: 1)
        explain("smoothGrad", "samples", 16, texts: 1)
        let before = try peakResidentBytes(daemon)
        // 8 texts × 128 points each, eight times over the batch: made all at once, the points' embeddings and
        // the activations their backward keeps (about 2 KB per token per point here, 24 tokens) would take
        // 8 × 128 × 24 × 2 KB ≈ 50 MB per method.
        explain("integratedGradients", "steps", 128, texts: 8)
        explain("smoothGrad", "samples", 128, texts: 8)
        let growth = try peakResidentBytes(daemon) - before
        print("peak resident set: \(before >> 10) KiB after the small requests, +\(growth >> 10) KiB after 64 times the points")
        XCTAssertLessThan(growth, 8 << 20, "the peak grew by \(growth >> 10) KiB: path points are not made batch by batch")
    }
}
