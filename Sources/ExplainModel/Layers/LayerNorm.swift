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
                Parallel.forRanges(rows, minimumPerWorker: 64) { range in
                    for r in range { forwardRow(y + r * n, x + r * n, n: n, w: w, b: b, normalized: normalized.map { $0 + r * n }, rstd: rstd.map { $0 + r }) }
                }
            }
        }
    }

    @inline(__always)
    private func forwardRow(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, n: Int, w: UnsafeBufferPointer<Float>,
                            b: UnsafeBufferPointer<Float>, normalized: UnsafeMutablePointer<Float>?, rstd: UnsafeMutablePointer<Float>?) {
        var mean: Float = 0
        for j in 0..<n { mean += x[j] }
        mean /= Float(n)
        var variance: Float = 0
        for j in 0..<n { let d = x[j] - mean; variance += d * d }
        variance /= Float(n)
        let s = 1 / (variance + eps).squareRoot()
        rstd?.pointee = s
        for j in 0..<n {
            let h = (x[j] - mean) * s
            normalized?[j] = h
            y[j] = h * w[j] + b[j]
        }
    }

    /// dx += rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), dx̂ = dy · w.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                  normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>) {
        let n = size
        weight.withUnsafeBufferPointer { w in
            Parallel.forRanges(rows, minimumPerWorker: 64) { range in
                for r in range {
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
                    for j in 0..<n { dxr[j] += s * (dyr[j] * w[j] - meanD - hr[j] * meanDH) }
                }
            }
        }
    }

    /// dw += Σ_rows dy ⊙ x̂, db += Σ_rows dy: the gain's and shift's gradients, from the forward's x̂.
    func accumulateWeightGradient(_ gradient: WeightGradient, dy: UnsafePointer<Float>, rows: Int, normalized: UnsafePointer<Float>) {
        let n = size, dw = gradient.weight.pointer, db = gradient.bias.pointer
        for r in 0..<rows {
            let dyr = dy + r * n, hr = normalized + r * n
            for j in 0..<n {
                dw[j] += dyr[j] * hr[j]
                db[j] += dyr[j]
            }
        }
    }
}
