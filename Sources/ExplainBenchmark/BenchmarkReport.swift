import ExplainJSON

/// What `explaind-bench --json` prints: one document per run, every figure from this run.
public struct BenchmarkReport: Sendable {
    public var tool = "explaind-bench"
    public var machine: MachineInfo
    public var threads: Int
    public var repeats: Int
    public var sentences: [String]
    public var sgemmPeak: SgemmPeak
    public var models: [ModelReport]
}

public struct ModelReport: Sendable {
    public var directory: String
    public var shape: ModelShape
    /// Tokens of each reference sentence, [CLS] and [SEP] included.
    public var tokensPerSentence: [Int]
    /// In-process load time (config, weights, tokenizer).
    public var loadSeconds: Double
    /// This benchmark process's peak resident set size after all workloads.
    public var benchmarkPeakRSSBytes: Int
    /// Which library ran which matrix products.
    public var matrixProducts: String
    /// What one gradient pass (gradientNorm's work) could cost at best, per sentence.
    public var gradientPassFloor: GradientPassFloor
    public var workloads: [WorkloadReport]
    public var python: PythonComparison?
    public var daemonOverhead: DaemonOverhead?
    public var lengthSweep: LengthSweep?
}

/// Two floors under one input-gradient pass per sentence, averaged over the sentences: its matrix products
/// alone through the BLAS (same weights, shapes and splitting, nothing else), and its FLOPs at the sgemm peak
/// of this run (a 2048³ product, which no 15-row product reaches). The products alone are replayed for the
/// BERT-like encoders only (GradientPassProducts): nil for ModernBERT and DeBERTa's relative attention.
public struct GradientPassFloor: Sendable {
    public var productsSeconds: TimingSummary?
    public var productsGFLOPS: Double?
    public var atSgemmPeakSeconds: Double
}

extension GradientPassFloor: CustomStringConvertible {
    public var description: String {
        let products = productsSeconds.map { String(format: "its matrix products alone %.2f ms (%.1f GFLOP/s)", $0.median * 1e3, productsGFLOPS ?? .nan) }
            ?? "its matrix products alone not replayed (ModernBERT and DeBERTa's position terms are not modelled)"
        return products + String(format: ", its FLOPs at the sgemm peak %.2f ms", atSgemmPeakSeconds * 1e3)
    }
}

/// Timings of one way of calling: the five sentences one call each, or all five in one call.
public struct CallTimings: Sendable {
    /// Seconds; for `single`, per sentence (the five calls' total divided by five).
    public var seconds: TimingSummary
    /// CPU seconds of the process (all threads), likewise per sentence for `single`.
    public var cpuSeconds: TimingSummary
    /// Useful FLOPs of the five sentences (FlopCount), in GFLOP.
    public var usefulGFLOP: Double
    /// At the median time.
    public var tokensPerSecond: Double
    public var gflopsPerSecond: Double
    /// gflopsPerSecond over the best sgemm rate of this run.
    public var fractionOfSgemmPeak: Double
}

/// A fresh process loading the model and explaining the first sentence: what a user waits for first.
public struct ColdStart: Sendable {
    public var wallSeconds: Double
    public var peakRSSBytes: Int
    /// As the child measured itself (absent for PyTorch, which reports only the total).
    public var loadSeconds: Double?
    public var explainSeconds: Double?
}

public struct WorkloadReport: Sendable {
    public var name: String
    public var method: String
    public var options: [String: String]
    public var single: CallTimings
    public var batch: CallTimings
    public var coldStart: ColdStart?
    /// Integrated gradients: steps used per sentence and the largest |gap| / |f(x) − f(baseline)|.
    public var stepsPerSentence: [Int]?
    public var largestRelativeGap: Double?
    /// Ours over PyTorch's (below 1 is faster / smaller), when --compare-python ran.
    public var ratios: Ratios?
}

public struct Ratios: Sendable {
    public var pythonWorkload: String
    public var singleMedian: Double?
    /// The same for CPU time: steadier than wall time when other work shares the cores.
    public var singleCPUMedian: Double?
    public var batchMedian: Double?
    public var coldStart: Double?
    public var peakRSS: Double?
}

// The JSON form of the report: every field under its Swift name, an absent optional left out.

extension BenchmarkReport: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        ["tool": tool.json, "machine": machine.json, "threads": threads.json, "repeats": repeats.json,
         "sentences": sentences.json, "sgemmPeak": sgemmPeak.json, "models": models.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(tool: try o.required("tool"), machine: try o.required("machine"), threads: try o.required("threads"),
                  repeats: try o.required("repeats"), sentences: try o.required("sentences"),
                  sgemmPeak: try o.required("sgemmPeak"), models: try o.required("models"))
    }
}

extension ModelReport: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("directory", directory)
        o.set("shape", shape)
        o.set("tokensPerSentence", tokensPerSentence)
        o.set("loadSeconds", loadSeconds)
        o.set("benchmarkPeakRSSBytes", benchmarkPeakRSSBytes)
        o.set("matrixProducts", matrixProducts)
        o.set("gradientPassFloor", gradientPassFloor)
        o.set("workloads", workloads)
        o.set("python", python)
        o.set("daemonOverhead", daemonOverhead)
        o.set("lengthSweep", lengthSweep)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(directory: try o.required("directory"), shape: try o.required("shape"),
                  tokensPerSentence: try o.required("tokensPerSentence"), loadSeconds: try o.required("loadSeconds"),
                  benchmarkPeakRSSBytes: try o.required("benchmarkPeakRSSBytes"), matrixProducts: try o.required("matrixProducts"),
                  gradientPassFloor: try o.required("gradientPassFloor"), workloads: try o.required("workloads"),
                  python: try o.optional("python"), daemonOverhead: try o.optional("daemonOverhead"),
                  lengthSweep: try o.optional("lengthSweep"))
    }
}

extension GradientPassFloor: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("productsSeconds", productsSeconds)
        o.set("productsGFLOPS", productsGFLOPS)
        o.set("atSgemmPeakSeconds", atSgemmPeakSeconds)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(productsSeconds: try o.optional("productsSeconds"), productsGFLOPS: try o.optional("productsGFLOPS"),
                  atSgemmPeakSeconds: try o.required("atSgemmPeakSeconds"))
    }
}

extension CallTimings: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        ["seconds": seconds.json, "cpuSeconds": cpuSeconds.json, "usefulGFLOP": usefulGFLOP.json,
         "tokensPerSecond": tokensPerSecond.json, "gflopsPerSecond": gflopsPerSecond.json,
         "fractionOfSgemmPeak": fractionOfSgemmPeak.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(seconds: try o.required("seconds"), cpuSeconds: try o.required("cpuSeconds"),
                  usefulGFLOP: try o.required("usefulGFLOP"), tokensPerSecond: try o.required("tokensPerSecond"),
                  gflopsPerSecond: try o.required("gflopsPerSecond"), fractionOfSgemmPeak: try o.required("fractionOfSgemmPeak"))
    }
}

/// Also PyTorch's cold start, as Scripts/reference/bench_pytorch.py writes it.
extension ColdStart: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("wallSeconds", wallSeconds)
        o.set("peakRSSBytes", peakRSSBytes)
        o.set("loadSeconds", loadSeconds)
        o.set("explainSeconds", explainSeconds)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(wallSeconds: try o.required("wallSeconds"), peakRSSBytes: try o.required("peakRSSBytes"),
                  loadSeconds: try o.optional("loadSeconds"), explainSeconds: try o.optional("explainSeconds"))
    }
}

extension WorkloadReport: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("name", name)
        o.set("method", method)
        o.set("options", options)
        o.set("single", single)
        o.set("batch", batch)
        o.set("coldStart", coldStart)
        o.set("stepsPerSentence", stepsPerSentence)
        o.set("largestRelativeGap", largestRelativeGap)
        o.set("ratios", ratios)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(name: try o.required("name"), method: try o.required("method"), options: try o.required("options"),
                  single: try o.required("single"), batch: try o.required("batch"), coldStart: try o.optional("coldStart"),
                  stepsPerSentence: try o.optional("stepsPerSentence"), largestRelativeGap: try o.optional("largestRelativeGap"),
                  ratios: try o.optional("ratios"))
    }
}

extension Ratios: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("pythonWorkload", pythonWorkload)
        o.set("singleMedian", singleMedian)
        o.set("singleCPUMedian", singleCPUMedian)
        o.set("batchMedian", batchMedian)
        o.set("coldStart", coldStart)
        o.set("peakRSS", peakRSS)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(pythonWorkload: try o.required("pythonWorkload"), singleMedian: try o.optional("singleMedian"),
                  singleCPUMedian: try o.optional("singleCPUMedian"), batchMedian: try o.optional("batchMedian"),
                  coldStart: try o.optional("coldStart"), peakRSS: try o.optional("peakRSS"))
    }
}
