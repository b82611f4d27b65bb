import Foundation
import ExplainModel

/// A training run's randomness: SplitMix64 from `--seed`, so a run is repeated exactly by giving the same seed.
struct SeededRandom: RandomNumberGenerator {
    private var bits: SplitMix64

    init(seed: UInt64) { bits = SplitMix64(state: seed) }

    mutating func next() -> UInt64 { bits.next() }

    /// A uniform value in (0, 1], never 0, so its logarithm is finite.
    mutating func unitInterval() -> Double { (Double(next() >> 11) + 1) / 9_007_199_254_740_992 }

    /// N(0, std²) by the Box–Muller transform, as the initialiser of a classifier's weights
    /// (HuggingFace initialises them from N(0, initializer_range²), 0.02 for BERT).
    mutating func normal(std: Double) -> Float {
        let radius = (-2 * log(unitInterval())).squareRoot()
        return Float(std * radius * cos(2 * Double.pi * unitInterval()))
    }
}
