import XCTest
import ExplainBenchmark
import ExplainJSON
import ExplainModel

/// Runs the built explaind-bench (next to this test binary in .build/<configuration>/) as a user would.
/// No timing is asserted: only that every field is there and consistent with the FLOP formula and the tokens.
final class BenchmarkBinaryTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/bert-largest").path

    static var executable: String {
        URL(fileURLWithPath: ChildProcess.ownExecutable()).deletingLastPathComponent().appendingPathComponent("explaind-bench").path
    }

    func run(_ arguments: [String]) throws -> ChildRun {
        let path = Self.executable
        guard FileManager.default.isExecutableFile(atPath: path) else {
            XCTFail("\(path) is not built (swift build builds it with the tests)")
            throw BenchmarkError.spawnFailed(path, reason: "missing")
        }
        return try ChildProcess.run(path, arguments)
    }

    func testJSONReportHasEveryFieldForEveryMethod() throws {
        // Every workload but the three that run hundreds of passes per sentence (lime, kernelShap,
        // sequentialIntegratedGradients: minutes in a debug build), which the benchmark's own runs exercise.
        let names = Workload.all.map(\.name).filter { !Self.manyPasses.contains($0) }
        let run = try run(["--json", "--repeat", "1", "--model", Self.fixture, "--methods", names.joined(separator: ",")])
        XCTAssertEqual(run.exitStatus, 0, run.standardError)
        let tree = try JSONParser.parse(run.standardOutput)
        let report = try BenchmarkReport(json: tree, at: "")
        // Also as untyped JSON: the documented keys are spelled as documented, and every field printed is read.
        XCTAssertEqual(Set(try XCTUnwrap(tree.objectValue).keys), ["tool", "threads", "repeats", "sentences", "sgemmPeak", "models", "machine"])
        XCTAssertEqual(report.json, tree)

        XCTAssertEqual(report.repeats, 1)
        XCTAssertEqual(report.threads, 2)
        XCTAssertEqual(report.sentences, ReferenceSentences.all)
        XCTAssertGreaterThan(report.sgemmPeak.bestGFLOPS, 0)
        XCTAssertEqual(report.sgemmPeak.size, 2048)
        XCTAssertEqual(report.models.count, 1)
        let model = report.models[0]
        let config = try ModelConfig.load(file: URL(fileURLWithPath: Self.fixture).appendingPathComponent("config.json"))
        XCTAssertEqual(model.shape, ModelShape(config))
        XCTAssertEqual(model.shape, ModelShape(hidden: 32, layers: 4, heads: 4, intermediate: 64, labels: 2, vocabulary: 30522))
        // The fixture's tokenizer on the five sentences (the same ids as Tests/Fixtures/expected/bert-largest.json).
        XCTAssertEqual(model.tokensPerSentence, [18, 14, 16, 16, 8])
        XCTAssertNil(model.python)
        XCTAssertEqual(model.workloads.map(\.name), names)

        let totalTokens = Double(model.tokensPerSentence.reduce(0, +))
        for workload in model.workloads {
            for (call, timings) in [("single", workload.single), ("batch", workload.batch)] {
                let what = "\(workload.name).\(call)"
                let t = timings.seconds
                XCTAssertEqual(t.samples, 1, what)
                XCTAssertTrue(t.min > 0 && t.min <= t.q1 && t.q1 <= t.median && t.median <= t.q3 && t.q3 <= t.max, what)
                XCTAssertGreaterThan(timings.usefulGFLOP, 0, what)
                let cpu = timings.cpuSeconds
                XCTAssertTrue(cpu.min > 0 && cpu.min <= cpu.median && cpu.median <= cpu.max && cpu.samples == 1, what)
                let perCall = call == "single" ? t.median * 5 : t.median
                XCTAssertEqual(timings.tokensPerSecond, totalTokens / perCall, accuracy: 1e-6 * timings.tokensPerSecond, what)
                XCTAssertEqual(timings.gflopsPerSecond, timings.usefulGFLOP / perCall, accuracy: 1e-6 * timings.gflopsPerSecond, what)
                XCTAssertEqual(timings.fractionOfSgemmPeak, timings.gflopsPerSecond / report.sgemmPeak.bestGFLOPS,
                               accuracy: 1e-9, what)
            }
            let cold = try XCTUnwrap(workload.coldStart, workload.name)
            XCTAssertGreaterThan(cold.peakRSSBytes, 1_000_000, workload.name)
            XCTAssertGreaterThan(cold.wallSeconds, (cold.loadSeconds ?? 0) + (cold.explainSeconds ?? 0), workload.name)
            XCTAssertNil(workload.ratios)
        }
        // Useful FLOPs follow the formula: gradientNorm is one gradient pass per sentence, the same single or batched.
        let gradientNorm = try XCTUnwrap(model.workloads.first { $0.name == "gradientNorm" })
        let expected = model.tokensPerSentence.reduce(0.0) { $0 + FlopCount.gradient(model.shape, length: $1) } / 1e9
        XCTAssertEqual(gradientNorm.single.usefulGFLOP, expected, accuracy: 1e-12)
        XCTAssertEqual(gradientNorm.batch.usefulGFLOP, expected, accuracy: 1e-12)
        // The floors under one gradient pass per sentence: the products timed alone (5 samples at least), and
        // the same FLOPs at the run's sgemm peak.
        let floor = model.gradientPassFloor
        let products = try XCTUnwrap(floor.productsSeconds), productsGFLOPS = try XCTUnwrap(floor.productsGFLOPS)
        XCTAssertEqual(products.samples, 5)
        XCTAssertTrue(products.min > 0 && products.min <= products.median && products.median <= products.max)
        XCTAssertEqual(productsGFLOPS, expected / 5 / products.median, accuracy: 1e-9 * productsGFLOPS)
        XCTAssertEqual(floor.atSgemmPeakSeconds, expected / 5 / report.sgemmPeak.bestGFLOPS, accuracy: 1e-15)
        let resident = try XCTUnwrap(floor.cacheResidentProductsSeconds), residentGFLOPS = try XCTUnwrap(floor.cacheResidentProductsGFLOPS)
        XCTAssertEqual(resident.samples, 5)
        XCTAssertTrue(resident.min > 0 && resident.min <= resident.median && resident.median <= resident.max)
        XCTAssertEqual(residentGFLOPS, expected / 5 / resident.median, accuracy: 1e-9 * residentGFLOPS)
        let occlusion = try XCTUnwrap(model.workloads.first { $0.name == "occlusion" })
        let occluded = model.tokensPerSentence.reduce(0.0) { $0 + Double($1 - 1) * FlopCount.forward(model.shape, length: $1) } / 1e9
        XCTAssertEqual(occlusion.single.usefulGFLOP, occluded, accuracy: 1e-12)
        // Integrated gradients report their steps and gap; fixed 50 steps, adaptive within 1%.
        let fixed = try XCTUnwrap(model.workloads.first { $0.name == "integratedGradients" })
        XCTAssertEqual(fixed.stepsPerSentence, [50, 50, 50, 50, 50])
        let adaptive = try XCTUnwrap(model.workloads.first { $0.name == "integratedGradientsAdaptive" })
        XCTAssertLessThanOrEqual(try XCTUnwrap(adaptive.largestRelativeGap), 0.01)
        XCTAssertTrue(try XCTUnwrap(adaptive.stepsPerSentence).allSatisfy { (4...50).contains($0) })

        // Which library ran the products; the daemon's overhead from piped requests (explaind is built beside
        // the benchmark); the length sweep at exactly the asked token counts.
        XCTAssertTrue(model.matrixProducts.contains("oneDNN"), model.matrixProducts)
        let overhead = try XCTUnwrap(model.daemonOverhead, "explaind is built beside explaind-bench")
        XCTAssertEqual(overhead.requests, 200)
        XCTAssertEqual(overhead.overheadSeconds.samples, 200)
        XCTAssertEqual(overhead.method, "gradientNorm")
        XCTAssertEqual(overhead.tokens, 14)   // the first reference sentence nearest 15 tokens for this tokenizer
        XCTAssertLessThan(overhead.engineSeconds.median, overhead.roundTripSeconds.median)
        let sweep = try XCTUnwrap(model.lengthSweep)
        XCTAssertEqual(sweep.points.map(\.tokens), [16, 64, 128])   // the fixture takes at most 128 tokens
        XCTAssertTrue(sweep.points.allSatisfy { $0.seconds.median > 0 && $0.cpuSeconds.median > 0 && $0.pythonSeconds == nil })
    }

    static let manyPasses = ["lime", "kernelShap", "sequentialIntegratedGradients"]

    func testBadArgumentsAreClearErrors() throws {
        let unknown = try run(["--methods", "gradientNorm,saliency", "--model", Self.fixture])
        XCTAssertEqual(unknown.exitStatus, 2)
        XCTAssertTrue(unknown.standardError.contains("unknown method \"saliency\""), unknown.standardError)
        XCTAssertEqual(unknown.standardOutput, "")

        let missing = try run(["--model", "/nonexistent/model", "--repeat", "1", "--no-cold-start", "--methods", "gradientNorm"])
        XCTAssertEqual(missing.exitStatus, 2)
        XCTAssertTrue(missing.standardError.contains("/nonexistent/model"), missing.standardError)

        let repeats = try run(["--repeat", "0"])
        XCTAssertEqual(repeats.exitStatus, 2)
        XCTAssertTrue(repeats.standardError.contains("--repeat must be a positive integer"), repeats.standardError)
    }
}
