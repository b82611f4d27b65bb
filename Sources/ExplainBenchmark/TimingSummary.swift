import ExplainJSON

/// Median and spread of repeated timings, in seconds.
public struct TimingSummary: Sendable, Equatable {
    public var samples: Int
    public var median: Double
    public var min: Double
    public var max: Double
    /// First and third quartiles (linear interpolation between order statistics, as numpy's default).
    public var q1: Double
    public var q3: Double

    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "no timings")
        let sorted = values.sorted()
        func quantile(_ q: Double) -> Double {
            let position = q * Double(sorted.count - 1)
            let low = Int(position.rounded(.down)), high = Swift.min(low + 1, sorted.count - 1)
            return sorted[low] + (position - Double(low)) * (sorted[high] - sorted[low])
        }
        samples = sorted.count
        median = quantile(0.5)
        min = sorted[0]
        max = sorted[sorted.count - 1]
        q1 = quantile(0.25)
        q3 = quantile(0.75)
    }

    /// Every figure divided by n (per-sentence figures from the time of n sentences).
    public func divided(by n: Double) -> TimingSummary {
        var copy = self
        copy.median /= n; copy.min /= n; copy.max /= n; copy.q1 /= n; copy.q3 /= n
        return copy
    }
}

/// Also PyTorch's timings, as Scripts/reference/bench_pytorch.py's `summary` writes them.
extension TimingSummary: JSONRecord {}
