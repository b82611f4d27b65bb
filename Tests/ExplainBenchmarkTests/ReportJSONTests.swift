import XCTest
import ExplainJSON
@testable import ExplainBenchmark

/// The bench's JSON through ExplainJSON: PyTorch's report as Scripts/reference/bench_pytorch.py writes it
/// (a captured run on the bert-largest fixture) read field by field, and our report written and read back
/// with every optional field present and absent.
final class ReportJSONTests: XCTestCase {
    static let pytorchReport = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/expected/bench-pytorch-report.json")

    func pytorch() throws -> (tree: JSONValue, comparison: PythonComparison) {
        let tree = try JSONParser.parse(Array(try Data(contentsOf: Self.pytorchReport)))
        return (tree, try PythonComparison(json: tree, at: ""))
    }

    func testPyTorchReportGivesItsNumbers() throws {
        let (tree, python) = try pytorch()
        XCTAssertEqual(python.torch, "2.15.0+cu132")
        XCTAssertEqual(python.captum, "0.9.0")
        XCTAssertEqual(python.transformers, "5.24.0")
        XCTAssertEqual(python.threads, 1)
        XCTAssertEqual(python.repeats, 2)
        XCTAssertEqual(python.methods.keys.sorted(), ["gradientNorm", "integratedGradients"])

        let gradientNorm = try XCTUnwrap(python.methods["gradientNorm"])
        assertSummary(gradientNorm.single.seconds, samples: 2, median: 0.0338971022520127, min: 0.030835746001685038,
                      max: 0.03695845850234036, q1: 0.03236642412684887, q3: 0.03542778037717653)
        assertSummary(try XCTUnwrap(gradientNorm.single.cpuSeconds), samples: 2, median: 0.011389943500000221,
                      min: 0.010961875500000495, max: 0.011818011499999947, q1: 0.011175909500000358, q3: 0.011603977500000084)
        XCTAssertEqual(gradientNorm.batch.seconds.median, 0.04302586849735235)
        XCTAssertEqual(gradientNorm.batch.cpuSeconds?.q3, 0.015024576500000109)
        let cold = try XCTUnwrap(gradientNorm.coldStart)
        XCTAssertEqual(cold.wallSeconds, 42.83861636999791)
        XCTAssertEqual(cold.peakRSSBytes, 841396224)
        XCTAssertEqual(cold.loadSeconds, 36.92137934399943)
        XCTAssertEqual(cold.explainSeconds, 0.05435383000440197)

        let integrated = try XCTUnwrap(python.methods["integratedGradients"])
        XCTAssertEqual(integrated.single.seconds.median, 0.21136585649765038)
        XCTAssertEqual(integrated.batch.seconds.max, 0.3424300580009003)
        XCTAssertEqual(integrated.coldStart?.peakRSSBytes, 897634304)

        let sweep = try XCTUnwrap(python.lengthSweep)
        XCTAssertEqual(sweep.map(\.tokens), [6, 12])
        XCTAssertEqual(sweep.map(\.seconds.samples), [5, 5])
        XCTAssertEqual(sweep.map(\.seconds.median), [0.028880268000648357, 0.009253178002836648])
        XCTAssertEqual(sweep[1].seconds.max, 0.21085372599918628)
        XCTAssertNil(sweep[0].cpuSeconds, "captured before the script timed the sweep's CPU")

        // Nothing the script wrote is dropped or renamed: written back, it is the same document.
        XCTAssertEqual(python.json, tree)
    }

    func testRatiosAreOursOverPyTorchs() throws {
        let python = try pytorch().comparison
        let ours = workloadReport(coldStart: ColdStart(wallSeconds: 0.5, peakRSSBytes: 100_000_000, loadSeconds: nil, explainSeconds: nil))
        let gradientNorm = try XCTUnwrap(Workload.all.first { $0.name == "gradientNorm" })
        let ratios = try XCTUnwrap(BenchmarkRunner.ratios(ours, workload: gradientNorm, python: python))
        XCTAssertEqual(ratios.pythonWorkload, "gradientNorm")
        XCTAssertEqual(try XCTUnwrap(ratios.singleMedian), 0.002 / 0.0338971022520127, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(ratios.singleCPUMedian), 0.001 / 0.011389943500000221, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(ratios.batchMedian), 0.008 / 0.04302586849735235, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(ratios.coldStart), 0.5 / 42.83861636999791, accuracy: 1e-15)
        XCTAssertEqual(try XCTUnwrap(ratios.peakRSS), 100_000_000 / 841396224, accuracy: 1e-15)
    }

    func testReportRoundTripsWithEveryOptionalFieldPresentAndAbsent() throws {
        let python = try pytorch().comparison
        var full = workloadReport(coldStart: ColdStart(wallSeconds: 1.25, peakRSSBytes: 123_456_789, loadSeconds: 0.5, explainSeconds: 0.25))
        full.stepsPerSentence = [50, 50]
        full.largestRelativeGap = 0.0042
        full.ratios = Ratios(pythonWorkload: "gradientNorm", singleMedian: 0.25, singleCPUMedian: nil, batchMedian: 0.5,
                             coldStart: nil, peakRSS: 0.125)
        let bare = workloadReport(coldStart: nil)
        let floor = GradientPassFloor(productsSeconds: TimingSummary([0.001, 0.002, 0.004]), productsGFLOPS: 12.5, atSgemmPeakSeconds: 0.0004,
                                      cacheResidentProductsSeconds: TimingSummary([0.0005]), cacheResidentProductsGFLOPS: 50,
                                      productsWeightBytes: 42_467_328, cacheResidentWeightBytes: 14_155_776)
        let shape = ModelShape(hidden: 32, layers: 4, heads: 4, intermediate: 64, labels: 2, vocabulary: 30522)
        let sweep = LengthSweep(method: "gradientNorm", points: [
            .init(tokens: 16, seconds: TimingSummary([0.003]), cpuSeconds: TimingSummary([0.002]), gflopsPerSecond: 7.5,
                  pythonSeconds: TimingSummary([0.03]), pythonCPUSeconds: TimingSummary([0.01]), ratio: 0.1, cpuRatio: 0.2),
            .init(tokens: 64, seconds: TimingSummary([0.006]), cpuSeconds: TimingSummary([0.005]), gflopsPerSecond: 8.5),
        ])
        let overhead = DaemonOverhead(text: "a text \"quoted\" é", tokens: 6, method: "gradientNorm", requests: 3,
                                      roundTripSeconds: TimingSummary([3, 2, 1]), engineSeconds: TimingSummary([1, 1, 1]),
                                      overheadSeconds: TimingSummary([2, 1, 0]))
        let withEverything = ModelReport(directory: "/models/a", shape: shape, tokensPerSentence: [18, 14], loadSeconds: 0.75,
                                         benchmarkPeakRSSBytes: 1 << 30, matrixProducts: "oneDNN", gradientPassFloor: floor,
                                         workloads: [full, bare], python: python, daemonOverhead: overhead, lengthSweep: sweep)
        // A newer family's shape (every field the BERT-like ones leave out) and no products-alone timing.
        var newer = shape
        newer.feedForwardProducts = 3
        newer.halfWindows = [nil, 64, 64, nil]
        newer.lastLayerFirstTokenOnly = false
        newer.relativePositions = .init(positionBuckets: 256, maxRelativePositions: 512, contentToPosition: true, positionToContent: false)
        newer.embeddingProjection = 16
        let withNothing = ModelReport(directory: "/models/b", shape: newer, tokensPerSentence: [3], loadSeconds: 1,
                                      benchmarkPeakRSSBytes: 2, matrixProducts: "OpenBLAS",
                                      gradientPassFloor: GradientPassFloor(productsSeconds: nil, productsGFLOPS: nil, atSgemmPeakSeconds: 0.5),
                                      workloads: [bare])
        let report = BenchmarkReport(machine: MachineInfo(cpu: "test cpu", logicalCores: 2, loadAverageAtStart: 1.5, loadAverageAtEnd: 2.25),
                                     threads: 2, repeats: 3, sentences: ["one", "two"],
                                     sgemmPeak: SgemmPeak(size: 2048, threads: 2, bestGFLOPS: 100.5, medianGFLOPS: 99.25),
                                     models: [withEverything, withNothing])

        // What explaind-bench --json prints, read back.
        let printed = PrettyJSON.string(report.json)
        let tree = try JSONParser.parse(printed)
        let read = try BenchmarkReport(json: tree, at: "")
        XCTAssertEqual(JSONSerializer.string(read.json), JSONSerializer.string(report.json))
        XCTAssertEqual(read.json, tree)

        // The keys and shape the report has always printed: every field under its Swift name, an absent optional left out.
        XCTAssertEqual(tree.objectValue?.keys.sorted(), ["machine", "models", "repeats", "sentences", "sgemmPeak", "threads", "tool"])
        XCTAssertEqual(tree["tool"], "explaind-bench")
        XCTAssertEqual(tree["machine"], ["cpu": "test cpu", "logicalCores": 2, "loadAverageAtStart": 1.5, "loadAverageAtEnd": 2.25])
        XCTAssertEqual(tree["sgemmPeak"], ["size": 2048, "threads": 2, "bestGFLOPS": 100.5, "medianGFLOPS": 99.25])
        let models = try XCTUnwrap(tree["models"]?.arrayValue)
        XCTAssertEqual(models[0].objectValue?.keys.sorted(),
                       ["benchmarkPeakRSSBytes", "daemonOverhead", "directory", "gradientPassFloor", "lengthSweep", "loadSeconds",
                        "matrixProducts", "python", "shape", "tokensPerSentence", "workloads"])
        XCTAssertEqual(models[1].objectValue?.keys.sorted(),
                       ["benchmarkPeakRSSBytes", "directory", "gradientPassFloor", "loadSeconds", "matrixProducts", "shape",
                        "tokensPerSentence", "workloads"])
        XCTAssertEqual(models[0]["shape"], ["hidden": 32, "layers": 4, "heads": 4, "intermediate": 64, "labels": 2, "vocabulary": 30522])
        XCTAssertEqual(models[1]["shape"], ["hidden": 32, "layers": 4, "heads": 4, "intermediate": 64, "labels": 2, "vocabulary": 30522,
                                            "feedForwardProducts": 3, "halfWindows": [nil, 64, 64, nil], "lastLayerFirstTokenOnly": false,
                                            "relativePositions": ["positionBuckets": 256, "maxRelativePositions": 512,
                                                                  "contentToPosition": true, "positionToContent": false],
                                            "embeddingProjection": 16])
        XCTAssertEqual(models[1]["gradientPassFloor"], ["atSgemmPeakSeconds": 0.5])
        XCTAssertEqual(read.models[1].shape, newer)
        XCTAssertEqual(models[0]["gradientPassFloor"]?["productsSeconds"],
                       ["samples": 3, "median": 0.002, "min": 0.001, "max": 0.004, "q1": 0.0015, "q3": 0.003])
        XCTAssertEqual(models[0]["gradientPassFloor"]?.objectValue?.keys.sorted(),
                       ["atSgemmPeakSeconds", "cacheResidentProductsGFLOPS", "cacheResidentProductsSeconds", "cacheResidentWeightBytes",
                        "productsGFLOPS", "productsSeconds", "productsWeightBytes"])
        XCTAssertEqual(models[0]["gradientPassFloor"]?["cacheResidentWeightBytes"], 14_155_776)
        XCTAssertEqual(models[0]["gradientPassFloor"]?["cacheResidentProductsGFLOPS"], 50)
        XCTAssertEqual(models[0]["python"], try pytorch().tree)
        let workloads = try XCTUnwrap(models[0]["workloads"]?.arrayValue)
        XCTAssertEqual(workloads[0].objectValue?.keys.sorted(),
                       ["batch", "coldStart", "largestRelativeGap", "method", "name", "options", "ratios", "single", "stepsPerSentence"])
        XCTAssertEqual(workloads[0]["coldStart"], ["wallSeconds": 1.25, "peakRSSBytes": 123_456_789, "loadSeconds": 0.5, "explainSeconds": 0.25])
        XCTAssertEqual(workloads[0]["ratios"], ["pythonWorkload": "gradientNorm", "singleMedian": 0.25, "batchMedian": 0.5, "peakRSS": 0.125])
        XCTAssertEqual(workloads[0]["options"], ["steps": "50"])
        XCTAssertEqual(workloads[0]["single"]?.objectValue?.keys.sorted(),
                       ["cpuSeconds", "fractionOfSgemmPeak", "gflopsPerSecond", "seconds", "tokensPerSecond", "usefulGFLOP"])
        XCTAssertEqual(workloads[1].objectValue?.keys.sorted(), ["batch", "method", "name", "options", "single"])
        XCTAssertEqual(models[0]["lengthSweep"], [
            "method": "gradientNorm",
            "points": [["tokens": 16, "seconds": TimingSummary([0.003]).json, "cpuSeconds": TimingSummary([0.002]).json, "gflopsPerSecond": 7.5,
                        "pythonSeconds": TimingSummary([0.03]).json, "pythonCPUSeconds": TimingSummary([0.01]).json, "ratio": 0.1, "cpuRatio": 0.2],
                       ["tokens": 64, "seconds": TimingSummary([0.006]).json, "cpuSeconds": TimingSummary([0.005]).json, "gflopsPerSecond": 8.5]],
        ])
        XCTAssertEqual(models[0]["daemonOverhead"]?["text"], "a text \"quoted\" é")
        XCTAssertEqual(models[0]["daemonOverhead"]?["overheadSeconds"]?["median"], 1)
        XCTAssertEqual(read.models[0].daemonOverhead?.roundTripSeconds, TimingSummary([3, 2, 1]))
    }

    func testAMissingOrMistypedFieldIsNamed() throws {
        var tree = try XCTUnwrap(try pytorch().tree.objectValue)
        tree["threads"] = "two"
        XCTAssertThrowsError(try PythonComparison(json: .object(tree), at: "")) { error in
            XCTAssertEqual(error as? InvalidField, InvalidField(field: "threads", reason: "expected integer, got string"))
        }
        var methods = try XCTUnwrap(tree["methods"]?.objectValue)
        var gradientNorm = try XCTUnwrap(methods["gradientNorm"]?.objectValue)
        gradientNorm["single"] = ["cpuSeconds": TimingSummary([1]).json]
        methods["gradientNorm"] = .object(gradientNorm)
        tree["threads"] = 1
        tree["methods"] = .object(methods)
        XCTAssertThrowsError(try PythonComparison(json: .object(tree), at: "")) { error in
            XCTAssertEqual(error as? InvalidField, InvalidField(field: "methods.gradientNorm.single.seconds", reason: "required field is missing"))
        }
    }

    func assertSummary(_ summary: TimingSummary, samples: Int, median: Double, min: Double, max: Double, q1: Double, q3: Double,
                       line: UInt = #line) {
        XCTAssertEqual(summary.samples, samples, line: line)
        XCTAssertEqual(summary.median, median, line: line)
        XCTAssertEqual(summary.min, min, line: line)
        XCTAssertEqual(summary.max, max, line: line)
        XCTAssertEqual(summary.q1, q1, line: line)
        XCTAssertEqual(summary.q3, q3, line: line)
    }

    /// gradientNorm: 2 ms wall and 1 ms CPU per sentence, 8 ms for the batch.
    func workloadReport(coldStart: ColdStart?) -> WorkloadReport {
        let timings = { (wall: Double, cpu: Double) in
            CallTimings(seconds: TimingSummary([wall]), cpuSeconds: TimingSummary([cpu]), usefulGFLOP: 0.01,
                        tokensPerSecond: 1000, gflopsPerSecond: 5, fractionOfSgemmPeak: 0.05)
        }
        return WorkloadReport(name: "gradientNorm", method: "gradientNorm", options: ["steps": "50"], single: timings(0.002, 0.001),
                              batch: timings(0.008, 0.004), coldStart: coldStart)
    }
}
