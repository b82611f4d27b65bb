import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a small generator whose whole state is the seed, so a training
/// run is repeated exactly by giving the same `--seed`.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in (0, 1], never 0, so its logarithm is finite.
    mutating func unitInterval() -> Double { (Double(next() >> 11) + 1) / 9_007_199_254_740_992 }

    /// N(0, std²) by the Box–Muller transform, as the initialiser of a classifier's weights
    /// (HuggingFace initialises them from N(0, initializer_range²), 0.02 for BERT).
    mutating func normal(std: Double) -> Float {
        let radius = (-2 * log(unitInterval())).squareRoot()
        return Float(std * radius * cos(2 * Double.pi * unitInterval()))
    }
}
