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
/// The same replay with the first layer's weights in every layer (`cacheResident…`) separates what the
/// kernels cost at these row counts from what streaming the weights from memory adds.
public struct GradientPassFloor: Sendable {
    public var productsSeconds: TimingSummary?
    public var productsGFLOPS: Double?
    public var atSgemmPeakSeconds: Double
    public var cacheResidentProductsSeconds: TimingSummary? = nil
    public var cacheResidentProductsGFLOPS: Double? = nil
    /// The dense weights each replay reads: the whole model's, and the one layer's.
    public var productsWeightBytes: Int? = nil
    public var cacheResidentWeightBytes: Int? = nil
}

extension GradientPassFloor: CustomStringConvertible {
    public var description: String {
        let products = productsSeconds.map {
            String(format: "its matrix products alone %.2f ms (%.1f GFLOP/s, %.1f MB of dense weights)", $0.median * 1e3, productsGFLOPS ?? .nan,
                   Double(productsWeightBytes ?? 0) / 1e6)
        }
            ?? "its matrix products alone not replayed (ModernBERT and DeBERTa's position terms are not modelled)"
        let resident = cacheResidentProductsSeconds.map {
            String(format: "; the same through the first layer's %.1f MB in every layer (cache-resident where the cache holds them) %.2f ms (%.1f GFLOP/s)",
                   Double(cacheResidentWeightBytes ?? 0) / 1e6, $0.median * 1e3, cacheResidentProductsGFLOPS ?? .nan)
        } ?? ""
        return products + resident + String(format: "; its FLOPs at the sgemm peak %.2f ms", atSgemmPeakSeconds * 1e3)
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

extension BenchmarkReport: JSONRecord {}
extension ModelReport: JSONRecord {}
extension GradientPassFloor: JSONRecord {}
extension CallTimings: JSONRecord {}
/// Also PyTorch's cold start, as Scripts/reference/bench_pytorch.py writes it.
extension ColdStart: JSONRecord {}
extension WorkloadReport: JSONRecord {}
extension Ratios: JSONRecord {}
