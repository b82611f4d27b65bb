extension Normalization {
    /// Scales scores: by the largest magnitude (`max`, the reference workflow's 0–1 map), the L1 or L2
    /// norm, or not at all. All-zero scores stay zero.
    func apply(_ scores: [Float]) -> [Float] {
        let divisor: Float
        switch self {
        case .none: return scores
        case .max: divisor = scores.map(abs).max() ?? 0
        case .l1: divisor = scores.reduce(0) { $0 + abs($1) }
        case .l2: divisor = scores.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        return divisor > 0 ? scores.map { $0 / divisor } : scores
    }
}
