/// The figures a comparison can compute; all by default.
public enum ComparisonMetric: String, Sendable, CaseIterable {
    case agreement, comprehensiveness, sufficiency
    case taucorrLoo = "taucorr_loo"
    case deletionCurve
}

/// How a comparison measures: which figures, ferret's thresholds, how tokens are removed, the top-k of
/// the agreement, and the batch size of the perturbed passes.
public struct ComparisonSettings: Sendable, Equatable {
    public var metrics: Set<ComparisonMetric> = Set(ComparisonMetric.allCases)
    /// Rationale sizes as fractions of the non-special tokens: ferret's default 0.1, 0.2, … 1.0
    /// (`parse_evaluator_args`, `np.arange(0.1, 1.1, 0.1)`).
    public var thresholds: [Double] = (1...10).map { Double($0) / 10 }
    public var removal: Removal = .delete
    /// Top-k overlap uses k = max(1, int(topKFraction · n)) unless `topK` fixes it.
    public var topKFraction: Double = 0.2
    public var topK: Int? = nil
    public var batchSize: Int = 64

    public init() {}

    func validate() throws {
        guard !metrics.isEmpty else { throw AttributionError.invalidOption(name: "metrics", reason: "name at least one metric") }
        guard !thresholds.isEmpty else { throw AttributionError.invalidOption(name: "thresholds", reason: "give at least one threshold") }
        for q in thresholds where !(q > 0 && q <= 1) {
            throw AttributionError.invalidOption(name: "thresholds", reason: "each threshold must be in (0, 1], got \(q)")
        }
        guard topKFraction > 0 && topKFraction <= 1 else {
            throw AttributionError.invalidOption(name: "topKFraction", reason: "must be in (0, 1], got \(topKFraction)")
        }
        if let topK, topK < 1 { throw AttributionError.invalidOption(name: "topK", reason: "must be at least 1, got \(topK)") }
        guard (1...4096).contains(batchSize) else {
            throw AttributionError.invalidOption(name: "batchSize", reason: "must be in 1...4096, got \(batchSize)")
        }
    }

    /// The k of the top-k overlap for n non-special tokens.
    func topKCount(tokens n: Int) -> Int {
        min(max(n, 1), topK ?? max(1, Rationale.topCount(fraction: topKFraction, of: n)))
    }
}

/// A `compareMethods` request: every listed method on the same text and target, then the figures.
public struct CompareRequest: Sendable {
    public static let defaultMethods = ["vanillaGradient", "gradientNorm", "gradientXInput", "integratedGradients", "smoothGrad", "occlusion"]

    public var methods: [String] = CompareRequest.defaultMethods
    public var scoring = Scoring()
    /// Options per method name, e.g. ["integratedGradients": ["steps": .number(32)]].
    public var options: [String: [String: OptionValue]] = [:]
    public var settings = ComparisonSettings()

    public init() {}

    func validate() throws {
        guard !methods.isEmpty else { throw AttributionError.invalidOption(name: "methods", reason: "name at least one method") }
        var seen = Set<String>()
        for method in methods {
            _ = try AttributionRegistry.method(named: method)
            guard seen.insert(method).inserted else {
                throw AttributionError.invalidOption(name: "methods", reason: "\"\(method)\" is listed twice")
            }
        }
        for name in options.keys where !seen.contains(name) {
            throw AttributionError.invalidOption(name: "options.\(name)", reason: "options for a method that is not compared")
        }
        try settings.validate()
    }
}
