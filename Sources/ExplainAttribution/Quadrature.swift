import Foundation

/// Points α_k in [0, 1] and weights w_k such that ∫₀¹ h(α) dα ≈ Σ w_k h(α_k), as Captum's
/// `approximation_parameters` defines them for integrated gradients.
enum Quadrature: String, CaseIterable {
    case gaussLegendre, riemannLeft, riemannRight, riemannMiddle, riemannTrapezoid

    func rule(steps n: Int) -> (alphas: [Double], weights: [Double]) {
        switch self {
        case .gaussLegendre:
            // Legendre nodes on [−1, 1] mapped to [0, 1]: α = (1 + x)/2, w = w_x/2.
            let (nodes, weights) = Self.legendre(n)
            return (nodes.map { 0.5 * (1 + $0) }, weights.map { 0.5 * $0 })
        case .riemannLeft:
            return ((0..<n).map { Double($0) / Double(n) }, Array(repeating: 1 / Double(n), count: n))
        case .riemannRight:
            return ((1...n).map { Double($0) / Double(n) }, Array(repeating: 1 / Double(n), count: n))
        case .riemannMiddle:
            return ((0..<n).map { (Double($0) + 0.5) / Double(n) }, Array(repeating: 1 / Double(n), count: n))
        case .riemannTrapezoid:
            // Captum's rule as it stands: α = linspace(0, 1, n) with step 1/n, halved at both ends, so the
            // weights sum to 1 − 1/n rather than 1. Kept identical so results match Captum's.
            guard n > 1 else { return ([0], [1]) }
            return ((0..<n).map { Double($0) / Double(n - 1) }, (0..<n).map { $0 == 0 || $0 == n - 1 ? 0.5 / Double(n) : 1 / Double(n) })
        }
    }

    /// Gauss–Legendre nodes (ascending) and weights of order n: the roots of P_n by Newton's method from
    /// the Chebyshev-like guess cos(π(i − ¼)/(n + ½)), weights 2 / ((1 − x²) P_n'(x)²).
    static func legendre(_ n: Int) -> ([Double], [Double]) {
        var nodes = [Double](repeating: 0, count: n), weights = [Double](repeating: 0, count: n)
        for i in 0..<(n + 1) / 2 {
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                // Recurrence k·P_k = (2k − 1)·x·P_{k−1} − (k − 1)·P_{k−2}; ends with p1 = P_n, p0 = P_{n−1}.
                var p0 = 1.0, p1 = x
                for k in stride(from: 2, through: n, by: 1) {
                    let p2 = ((2 * Double(k) - 1) * x * p1 - (Double(k) - 1) * p0) / Double(k)
                    p0 = p1
                    p1 = p2
                }
                derivative = Double(n) * (x * p1 - p0) / (x * x - 1)
                let step = p1 / derivative
                x -= step
                if abs(step) < 1e-15 { break }
            }
            let weight = 2 / ((1 - x * x) * derivative * derivative)
            nodes[i] = -x; nodes[n - 1 - i] = x
            weights[i] = weight; weights[n - 1 - i] = weight
        }
        return (nodes, weights)
    }
}
