extension Normalization {
    /// Scales scores: by the largest magnitude (`max`, the reference workflow's 0–1 map), the L1 or L2
    /// norm, or not at all. All-zero scores stay zero. The divisor is taken over the scores not marked in
    /// `excluded` (the special tokens, whose gradients — [CLS] above all — would otherwise set the scale of
    /// the text's own tokens); every score, excluded ones too, is divided by it, so they stay comparable.
    func apply(_ scores: [Float], excluding excluded: [Bool] = []) -> [Float] {
        let counted = excluded.isEmpty ? scores : scores.indices.filter { $0 >= excluded.count || !excluded[$0] }.map { scores[$0] }
        let divisor: Float
        switch self {
        case .none: return scores
        case .max: divisor = counted.map(abs).max() ?? 0
        case .l1: divisor = counted.reduce(0) { $0 + abs($1) }
        case .l2: divisor = counted.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        return divisor > 0 ? scores.map { $0 / divisor } : scores
    }
}
