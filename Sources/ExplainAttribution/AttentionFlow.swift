import ExplainModel

/// How the attention methods combine layers: one T × T matrix per layer, built from the head-mean of a
/// function of that layer's maps, and the first token's row of their product M_L ··· M_1, computed as
/// e₀ᵀ·M_L·…·M_1 from the left, a vector through each matrix (O(L·T²), never a T × T product).
enum AttentionFlow {
    /// (1/heads) Σ_h value(A_h, ∂f/∂A_h) for every computed row (queries × keys), in Double.
    static func headMean(_ maps: AttentionMaps, _ value: (Float, Float) -> Float) -> [Double] {
        let size = maps.queries * maps.keys
        var mean = [Double](repeating: 0, count: size)
        let gradients = maps.gradients ?? maps.probabilities
        for head in 0..<maps.heads {
            let offset = head * size
            for i in 0..<size { mean[i] += Double(value(maps.probabilities[offset + i], gradients[offset + i])) }
        }
        let scale = 1 / Double(maps.heads)
        return mean.map { $0 * scale }
    }

    /// e₀ᵀ M_L ··· M_1 where `layers[l]` is M_{l+1}'s computed rows (the first `queries` of T). A row a
    /// layer did not compute is never needed: only the last layer computes fewer rows than T, and the
    /// vector entering it is e₀.
    static func firstRow(_ layers: [(queries: Int, matrix: [Double])], tokens t: Int) -> [Double] {
        var row = [Double](repeating: 0, count: t)
        guard t > 0 else { return row }
        row[0] = 1
        for layer in layers.reversed() {
            var next = [Double](repeating: 0, count: t)
            for i in 0..<t where row[i] != 0 {
                precondition(i < layer.queries, "attention row \(i) was not computed")
                let weight = row[i], base = i * t
                for j in 0..<t { next[j] += weight * layer.matrix[base + j] }
            }
            row = next
        }
        return row
    }
}
