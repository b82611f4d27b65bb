import Foundation

/// Rotary position embeddings (Su et al. 2021, RoFormer) in the half-split layout of GPT-NeoX and
/// transformers' `rotate_half`: pair (j, j + d/2) of a head is rotated by angle position · θ^(−2j/d).
/// The angles are float32 products, as transformers computes them, so long positions round alike.
struct RotaryEmbedding: Sendable {
    let headSize: Int
    let inverseFrequencies: [Float]   // (d/2): 1 / θ^(2j/d)

    init(theta: Float, headSize: Int) {
        self.headSize = headSize
        inverseFrequencies = (0..<headSize / 2).map { j in 1 / powf(theta, Float(2 * j) / Float(headSize)) }
    }

    /// cos and sin of every position's angles, (positions × d/2) each.
    struct Table {
        let cos: [Float], sin: [Float]
    }

    func table(positions: Int) -> Table {
        let half = headSize / 2
        var cos = [Float](repeating: 0, count: positions * half), sin = cos
        for p in 0..<positions {
            for j in 0..<half {
                let angle = Float(p) * inverseFrequencies[j]
                cos[p * half + j] = cosf(angle)
                sin[p * half + j] = sinf(angle)
            }
        }
        return Table(cos: cos, sin: sin)
    }

    /// Rotates `count` head vectors in place, vector r at `x + r · stride` (head size d) being position
    /// `firstPosition + r`. `inverse` rotates back by the same angles, which is the backward: a rotation's
    /// transpose is its inverse.
    func rotate(_ x: UnsafeMutablePointer<Float>, count: Int, stride: Int, firstPosition: Int, table: Table, inverse: Bool) {
        let half = headSize / 2
        let sign: Float = inverse ? -1 : 1
        table.cos.withUnsafeBufferPointer { cos in
            table.sin.withUnsafeBufferPointer { sin in
                for r in 0..<count {
                    let v = x + r * stride, angles = (firstPosition + r) * half
                    for j in 0..<half {
                        let c = cos[angles + j], s = sign * sin[angles + j]
                        let a = v[j], b = v[j + half]
                        v[j] = a * c - b * s
                        v[j + half] = b * c + a * s
                    }
                }
            }
        }
    }
}
