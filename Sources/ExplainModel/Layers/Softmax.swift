import Foundation

/// Row-wise softmax, max-subtracted for stability.
enum Softmax {
    static func forwardRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
        for r in 0..<rows {
            let row = x + r * columns
            var largest = -Float.infinity
            for j in 0..<columns { largest = max(largest, row[j]) }
            var sum: Float = 0
            for j in 0..<columns { let e = expf(row[j] - largest); row[j] = e; sum += e }
            let inverse = 1 / sum
            for j in 0..<columns { row[j] *= inverse }
        }
    }

    /// In place: dS = P ⊙ (dP − Σ_j dP_j P_j) per row, overwriting dP.
    static func backwardRows(dScores dp: UnsafeMutablePointer<Float>, probabilities p: UnsafePointer<Float>,
                             rows: Int, columns: Int) {
        for r in 0..<rows {
            let dRow = dp + r * columns, pRow = p + r * columns
            var dot: Float = 0
            for j in 0..<columns { dot += dRow[j] * pRow[j] }
            for j in 0..<columns { dRow[j] = pRow[j] * (dRow[j] - dot) }
        }
    }

    /// Probabilities of one logit vector.
    static func probabilities(_ logits: [Float]) -> [Float] {
        var values = logits
        values.withUnsafeMutableBufferPointer { forwardRows($0.baseAddress!, rows: 1, columns: $0.count) }
        return values
    }
}
