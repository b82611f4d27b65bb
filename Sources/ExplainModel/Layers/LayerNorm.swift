import Foundation

/// Layer normalisation over the last axis (Ba et al. 2016; PyTorch nn.LayerNorm with biased variance).
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let eps: Float
    var size: Int { weight.count }

    /// y = (x − mean)·rstd·w + b per row; keeps x̂ (rows × size) and rstd (rows) for the backward.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int,
                 normalized: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?) {
        let n = size
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<rows {
                    let xr = x + r * n, yr = y + r * n
                    var mean: Float = 0
                    for j in 0..<n { mean += xr[j] }
                    mean /= Float(n)
                    var variance: Float = 0
                    for j in 0..<n { let d = xr[j] - mean; variance += d * d }
                    variance /= Float(n)
                    let s = 1 / (variance + eps).squareRoot()
                    rstd?[r] = s
                    for j in 0..<n {
                        let h = (xr[j] - mean) * s
                        normalized?[r * n + j] = h
                        yr[j] = h * w[j] + b[j]
                    }
                }
            }
        }
    }

    /// dx += rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), dx̂ = dy · w.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                  normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>) {
        let n = size
        weight.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                let dyr = dy + r * n, hr = normalized + r * n, dxr = dx + r * n
                var meanD: Float = 0, meanDH: Float = 0
                for j in 0..<n {
                    let d = dyr[j] * w[j]
                    meanD += d
                    meanDH += d * hr[j]
                }
                meanD /= Float(n)
                meanDH /= Float(n)
                let s = rstd[r]
                for j in 0..<n {
                    dxr[j] += s * (dyr[j] * w[j] - meanD - hr[j] * meanDH)
                }
            }
        }
    }
}
