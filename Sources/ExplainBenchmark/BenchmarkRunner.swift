import ExplainJSON
import Foundation
import ExplainAttribution
import ExplainModel

/// What to run: models, workloads, how often, on how many threads, and whether to run PyTorch alongside.
public struct BenchmarkOptions: Sendable {
    public var models: [String] = []
    public var workloads: [Workload] = Workload.all
    public var repeats = 5
    public var threads = 2
    public var json = false
    public var comparePython = false
    public var coldStart = true
    /// Pipe explain requests to a fresh explaind and report its own time around the engine's.
    public var daemonOverhead = true
    public var daemonOverheadRequests = 200
    /// gradientNorm on one text of each of these token counts (empty: skip).
    public var lengths = LengthSweep.defaultLengths
    public var pythonScript = BenchmarkOptions.defaultPythonScript
    public var python = "python3"
    public var sentenceCount = ReferenceSentences.all.count
    /// One text of about this many tokens instead of the sentences (ReferenceSentences.text).
    public var tokens: Int? = nil
    public var sgemmSize = 2048

    public init() {}

    /// Scripts/reference/bench_pytorch.py of the checkout this was built from.
    public static let defaultPythonScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Scripts/reference/bench_pytorch.py").path
}

public enum BenchmarkRunner {
    /// Runs every workload on every model; progress goes to `log` (stderr), the report is returned.
    public static func run(_ options: BenchmarkOptions, log: (String) -> Void) throws -> BenchmarkReport {
        var machine = MachineInfo.current()
        ClassifierModel.threadCount = options.threads
        log("sgemm peak: timing a \(options.sgemmSize)³ cblas_sgemm on \(options.threads) thread(s)…")
        let peak = SgemmPeak.measure(size: options.sgemmSize, threads: options.threads)
        log(String(format: "sgemm peak: %.1f GFLOP/s best, %.1f median", peak.bestGFLOPS, peak.medianGFLOPS))
        let models = try options.models.map { try benchmark(model: $0, options: options, peak: peak, log: log) }
        machine.loadAverageAtEnd = MachineInfo.loadAverage()
        return BenchmarkReport(machine: machine, threads: options.threads, repeats: options.repeats,
                               sentences: Array(ReferenceSentences.all.prefix(options.sentenceCount)),
                               sgemmPeak: peak, models: models)
    }

    static func benchmark(model directory: String, options: BenchmarkOptions, peak: SgemmPeak,
                          log: (String) -> Void) throws -> ModelReport {
        log("model \(directory): loading…")
        let (loadSeconds, model) = try Stopwatch.measure { try ClassifierModel.load(directory: URL(fileURLWithPath: directory)) }
        let explainer = Explainer(model: model)
        let shape = ModelShape(model.config)
        let sentences = options.tokens.map { n in [ReferenceSentences.text(tokens: n) { explainer.encode($0).tokens.count }] }
            ?? Array(ReferenceSentences.all.prefix(options.sentenceCount))
        let encodings = sentences.map(explainer.encode)
        let tokens = encodings.map(\.tokens.count)
        let totalTokens = Double(tokens.reduce(0, +))
        log(String(format: "model loaded in %.3f s: hidden %d, %d layers, tokens per sentence %@", loadSeconds, shape.hidden,
                   shape.layers, tokens.map(String.init).joined(separator: " ")))

        let floor = gradientPassFloor(model, shape: shape, tokens: tokens, repeats: options.repeats, peak: peak)
        log("one gradient pass per sentence: " + floor.description)

        var reports: [WorkloadReport] = []
        for workload in options.workloads {
            let request = workload.request
            // Warm-up: every call once (this also builds per-model caches such as the Gram matrix).
            let singles = try sentences.map { try explainer.explain(texts: [$0], request: request).first! }
            let batched = try explainer.explain(texts: sentences, request: request)
            var singleSamples: [(wall: Double, cpu: Double)] = [], batchSamples: [(wall: Double, cpu: Double)] = []
            for _ in 0..<options.repeats {
                singleSamples.append(try Stopwatch.measureBoth {
                    for sentence in sentences { _ = try explainer.explain(texts: [sentence], request: request) }
                })
                batchSamples.append(try Stopwatch.measureBoth { _ = try explainer.explain(texts: sentences, request: request) })
            }
            let singleFLOPs = zip(encodings, singles).reduce(0.0) { $0 + workload.usefulFLOPs(shape, $1.0, $1.1) }
            let batchFLOPs = zip(encodings, batched).reduce(0.0) { $0 + workload.usefulFLOPs(shape, $1.0, $1.1) }
            func timings(_ samples: [(wall: Double, cpu: Double)], flops: Double, per: Double) -> CallTimings {
                let summary = TimingSummary(samples.map(\.wall))
                let rate = flops / summary.median / 1e9
                return CallTimings(seconds: summary.divided(by: per),
                                   cpuSeconds: TimingSummary(samples.map(\.cpu)).divided(by: per), usefulGFLOP: flops / 1e9,
                                   tokensPerSecond: totalTokens / summary.median, gflopsPerSecond: rate,
                                   fractionOfSgemmPeak: rate / peak.bestGFLOPS)
            }
            var report = WorkloadReport(
                name: workload.name, method: workload.method, options: workload.options.mapValues(\.description),
                single: timings(singleSamples, flops: singleFLOPs, per: Double(sentences.count)),
                batch: timings(batchSamples, flops: batchFLOPs, per: 1))
            if workload.method == "integratedGradients" {
                report.stepsPerSentence = singles.map { explanation in
                    if case .number(let steps)? = explanation.extras["steps"] { return Int(steps) } else { return 0 }
                }
                report.largestRelativeGap = singles.compactMap { explanation -> Double? in
                    guard case .number(let gap)? = explanation.extras["gap"], case .number(let delta)? = explanation.extras["expectedDelta"],
                          delta != 0 else { return nil }
                    return abs(gap / delta)
                }.max()
            }
            if options.coldStart {
                report.coldStart = try coldStart(model: directory, workload: workload, threads: options.threads)
            }
            log(String(format: "%@: %.2f ms per sentence (median of %d), batch of %d %.2f ms, %.1f GFLOP/s%@", workload.name,
                       report.single.seconds.median * 1e3, options.repeats, sentences.count, report.batch.seconds.median * 1e3,
                       report.single.gflopsPerSecond,
                       report.coldStart.map { String(format: ", cold start %.3f s, peak RSS %.0f MB", $0.wallSeconds, Double($0.peakRSSBytes) / 1e6) } ?? ""))
            reports.append(report)
        }
        var modelReport = ModelReport(directory: directory, shape: shape, tokensPerSentence: tokens, loadSeconds: loadSeconds,
                                      benchmarkPeakRSSBytes: ChildProcess.ownPeakRSSBytes(), matrixProducts: model.matrixProducts,
                                      gradientPassFloor: floor, workloads: reports, python: nil)
        if options.daemonOverhead {
            modelReport.daemonOverhead = daemonOverhead(model: directory, explainer: explainer, options: options, log: log)
        }
        var sweepTexts: [String] = []
        if !options.lengths.isEmpty {
            let (sweep, texts) = try LengthSweep.measure(explainer: explainer, shape: shape, lengths: options.lengths,
                                                         repeats: options.repeats, log: log)
            modelReport.lengthSweep = sweep
            sweepTexts = texts
        }
        if options.comparePython {
            let names = Array(Set(options.workloads.compactMap(\.pythonName))).sorted()
            log("PyTorch + Captum: running \(options.pythonScript) (\(names.joined(separator: ", ")))…")
            do {
                let python = try PythonComparison.run(script: options.pythonScript, python: options.python, model: directory,
                                                      repeats: options.repeats, threads: options.threads, methods: names,
                                                      sentences: options.sentenceCount, tokens: options.tokens,
                                                      coldStart: options.coldStart, lengthTexts: sweepTexts)
                modelReport.python = python
                if var sweep = modelReport.lengthSweep, let theirs = python.lengthSweep, theirs.count == sweep.points.count {
                    for i in sweep.points.indices {
                        sweep.points[i].pythonSeconds = theirs[i].seconds
                        sweep.points[i].ratio = sweep.points[i].seconds.median / theirs[i].seconds.median
                        sweep.points[i].pythonCPUSeconds = theirs[i].cpuSeconds
                        sweep.points[i].cpuRatio = theirs[i].cpuSeconds.map { sweep.points[i].cpuSeconds.median / $0.median }
                    }
                    modelReport.lengthSweep = sweep
                }
                for index in modelReport.workloads.indices {
                    modelReport.workloads[index].ratios = ratios(modelReport.workloads[index], workload: options.workloads[index], python: python)
                }
            } catch let error as BenchmarkError {
                log("PyTorch comparison skipped: \(error)")
            }
        }
        return modelReport
    }

    /// The reference sentence nearest 15 tokens through a fresh daemon, one gradientNorm request at a time.
    static func daemonOverhead(model directory: String, explainer: Explainer, options: BenchmarkOptions,
                               log: (String) -> Void) -> DaemonOverhead? {
        let daemon = DaemonOverhead.siblingDaemon
        guard FileManager.default.isExecutableFile(atPath: daemon) else {
            log("daemon overhead skipped: no explaind at \(daemon) (build it: swift build -c release --product explaind)")
            return nil
        }
        let candidates = ReferenceSentences.all.map { ($0, explainer.encode($0).tokens.count) }
        let (text, tokens) = candidates.min { abs($0.1 - 15) < abs($1.1 - 15) }!
        do {
            let overhead = try DaemonOverhead.measure(daemon: daemon, model: directory, text: text, tokens: tokens, method: "gradientNorm",
                                                      threads: options.threads, requests: options.daemonOverheadRequests)
            log(String(format: "daemon overhead (%d-token gradientNorm, %d requests piped one at a time): round trip %.3f ms, engine %.3f ms, "
                       + "overhead %.3f ms median (%.3f–%.3f quartiles)", tokens, overhead.requests, overhead.roundTripSeconds.median * 1e3,
                       overhead.engineSeconds.median * 1e3, overhead.overheadSeconds.median * 1e3, overhead.overheadSeconds.q1 * 1e3,
                       overhead.overheadSeconds.q3 * 1e3))
            return overhead
        } catch {
            log("daemon overhead skipped: \(error)")
            return nil
        }
    }

    /// Times GradientPassProducts for every sentence's length, after one untimed round, where it replays the
    /// pass: with each layer's own weights, and with the first layer's throughout (cache-resident), in turn.
    static func gradientPassFloor(_ model: ClassifierModel, shape: ModelShape, tokens: [Int], repeats: Int,
                                  peak: SgemmPeak) -> GradientPassFloor {
        let flops = tokens.reduce(0.0) { $0 + FlopCount.gradient(shape, length: $1) } / Double(tokens.count)
        var floor = GradientPassFloor(productsSeconds: nil, productsGFLOPS: nil, atSgemmPeakSeconds: flops / (peak.bestGFLOPS * 1e9))
        guard GradientPassProducts.replays(model) else { return floor }
        let rounds = [false, true].map { resident in tokens.map { GradientPassProducts(model: model, length: $0, firstLayerThroughout: resident) } }
        rounds.forEach { $0.forEach { $0.run() } }
        var samples: [[Double]] = [[], []]
        for _ in 0..<max(repeats, 5) {
            for (index, passes) in rounds.enumerated() {
                samples[index].append(Stopwatch.measure { passes.forEach { $0.run() } }.seconds)
            }
        }
        let own = TimingSummary(samples[0]).divided(by: Double(tokens.count))
        let resident = TimingSummary(samples[1]).divided(by: Double(tokens.count))
        floor.productsSeconds = own
        floor.productsGFLOPS = flops / own.median / 1e9
        floor.cacheResidentProductsSeconds = resident
        floor.cacheResidentProductsGFLOPS = flops / resident.median / 1e9
        floor.productsWeightBytes = rounds[0][0].weightBytes
        floor.cacheResidentWeightBytes = rounds[1][0].weightBytes
        return floor
    }

    static func ratios(_ ours: WorkloadReport, workload: Workload, python: PythonComparison) -> Ratios? {
        guard let name = workload.pythonName, let theirs = python.methods[name] else { return nil }
        return Ratios(
            pythonWorkload: name,
            singleMedian: ours.single.seconds.median / theirs.single.seconds.median,
            singleCPUMedian: theirs.single.cpuSeconds.map { ours.single.cpuSeconds.median / $0.median },
            batchMedian: ours.batch.seconds.median / theirs.batch.seconds.median,
            coldStart: both(ours.coldStart, theirs.coldStart).map { $0.wallSeconds / $1.wallSeconds },
            peakRSS: both(ours.coldStart, theirs.coldStart).map { Double($0.peakRSSBytes) / Double($1.peakRSSBytes) })
    }

    /// A fresh copy of this executable loads the model and explains the first sentence once.
    static func coldStart(model: String, workload: Workload, threads: Int) throws -> ColdStart {
        let executable = ChildProcess.ownExecutable()
        let run = try ChildProcess.run(executable, ["--cold-child", "--model", model, "--methods", workload.name,
                                                    "--threads", String(threads)])
        guard run.exitStatus == 0 else { throw BenchmarkError.childFailed(executable, status: run.exitStatus, stderr: run.standardError) }
        guard let child = try? ColdChildReport(json: JSONParser.parse(run.standardOutput), at: "") else {
            throw BenchmarkError.malformedChildOutput(executable, output: run.standardOutput)
        }
        return ColdStart(wallSeconds: run.wallSeconds, peakRSSBytes: child.peakRSSBytes ?? run.peakRSSBytes, loadSeconds: child.loadSeconds,
                         explainSeconds: child.explainSeconds)
    }

    /// The child's side of `coldStart`: load, explain the first sentence, print its own timings as JSON.
    public static func coldChild(model directory: String, workload: Workload, threads: Int) throws -> String {
        ClassifierModel.threadCount = threads
        let (load, model) = try Stopwatch.measure { try ClassifierModel.load(directory: URL(fileURLWithPath: directory)) }
        let (explain, _) = try Stopwatch.measure {
            try Explainer(model: model).explain(texts: [ReferenceSentences.all[0]], request: workload.request)
        }
        let report = ColdChildReport(loadSeconds: load, explainSeconds: explain, peakRSSBytes: ChildProcess.ownHighWaterRSSBytes())
        return JSONSerializer.string(report.json)
    }
}

struct ColdChildReport: JSONRecord {
    var loadSeconds: Double
    var explainSeconds: Double
    /// VmHWM, as the child sees it (see ChildProcess.ownHighWaterRSSBytes).
    var peakRSSBytes: Int?
}

private func both<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
