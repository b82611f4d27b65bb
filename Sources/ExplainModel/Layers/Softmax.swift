import Foundation

/// Row-wise softmax, max-subtracted for stability.
///
/// Eight lanes at a time with VectorMath's exp: on long texts the attention rows are the largest
/// element-wise work of a pass (a scalar expf per score was a seventh of a 256-token pass).
enum Softmax {
    typealias V = SIMD8<Float>

    static func forwardRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns n: Int) {
        let whole = n & ~7
        for r in 0..<rows {
            let row = x + r * n
            var largest8 = V(repeating: -.infinity)
            var j = 0
            while j < whole {
                // replacing(where:) has concrete SIMD code; the generic pointwiseMax ran lane by lane.
                let v = VectorMath.load(row + j)
                largest8 = largest8.replacing(with: v, where: v .> largest8)
                j += 8
            }
            var largest = largest8.max()
            for j in whole..<n { largest = max(largest, row[j]) }
            var sum8 = V(repeating: 0)
            j = 0
            while j < whole {
                let e = exponential(VectorMath.load(row + j) - largest)
                VectorMath.store(e, row + j)
                sum8 += e
                j += 8
            }
            var sum = sum8.sum()
            if whole < n {
                var tail = V(repeating: -.infinity)
                for k in whole..<n { tail[k - whole] = row[k] - largest }
                let e = exponential(tail)
                for k in whole..<n { row[k] = e[k - whole]; sum += e[k - whole] }
            }
            let inverse = 1 / sum
            j = 0
            while j < whole { VectorMath.store(VectorMath.load(row + j) * inverse, row + j); j += 8 }
            for k in whole..<n { row[k] *= inverse }
        }
    }

    /// In place: dS = P ⊙ (dP − Σ_j dP_j P_j) per row, overwriting dP.
    static func backwardRows(dScores dp: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
                             rows: Int, columns n: Int) {
        let whole = n & ~7
        for r in 0..<rows {
            let dRow = dp + r * n, pRow = p + r * n
            var dot8 = V(repeating: 0)
            var j = 0
            while j < whole { dot8 += VectorMath.load(dRow + j) * VectorMath.load(pRow + j); j += 8 }
            var dot = dot8.sum()
            for k in whole..<n { dot += dRow[k] * pRow[k] }
            j = 0
            while j < whole { VectorMath.store(VectorMath.load(pRow + j) * (VectorMath.load(dRow + j) - dot), dRow + j); j += 8 }
            for k in whole..<n { dRow[k] = pRow[k] * (dRow[k] - dot) }
        }
    }

    /// Probabilities of one logit vector.
    static func probabilities(_ logits: [Float]) -> [Float] {
        var values = logits
        values.withUnsafeMutableBufferPointer { forwardRows($0.baseAddress!, rows: 1, columns: $0.count) }
        return values
    }

    /// e^x for x ≤ 0, and exactly 0 where libm's expf underflows (VectorMath.exp clamps there instead).
    @inline(__always)
    private static func exponential(_ x: V) -> V {
        VectorMath.exp(x).replacing(with: 0, where: x .< -87.3)
    }
}
