import Foundation

/// Layer normalisation over the last axis (Ba et al. 2016; PyTorch nn.LayerNorm with biased variance).
///
/// Rows run eight lanes at a time (VectorMath's loads and stores): the scalar loops' sums were serial (the
/// compiler may not reorder float additions), and they were 2% of a batched pass.
struct LayerNorm: Sendable {
    typealias V = SIMD8<Float>

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
        let whole = n & ~7, w = w.baseAddress!, b = b.baseAddress!
        var sum8 = V(repeating: 0)
        var j = 0
        while j < whole { sum8 += VectorMath.load(x + j); j += 8 }
        var sum = sum8.sum()
        for k in whole..<n { sum += x[k] }
        let mean = sum / Float(n)
        var squares8 = V(repeating: 0)
        j = 0
        while j < whole { let d = VectorMath.load(x + j) - mean; squares8 += d * d; j += 8 }
        var squares = squares8.sum()
        for k in whole..<n { let d = x[k] - mean; squares += d * d }
        let s = 1 / (squares / Float(n) + eps).squareRoot()
        rstd?.pointee = s
        j = 0
        while j < whole {
            let h = (VectorMath.load(x + j) - mean) * s
            if let normalized { VectorMath.store(h, normalized + j) }
            VectorMath.store(h * VectorMath.load(w + j) + VectorMath.load(b + j), y + j)
            j += 8
        }
        for k in whole..<n {
            let h = (x[k] - mean) * s
            normalized?[k] = h
            y[k] = h * w[k] + b[k]
        }
    }

    /// dx += rstd · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)), dx̂ = dy · w.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int,
                  normalized: UnsafePointer<Float>, rstd: UnsafePointer<Float>) {
        let n = size, whole = n & ~7
        weight.withUnsafeBufferPointer { weight in
            let w = weight.baseAddress!
            Parallel.forRanges(rows, minimumPerWorker: 64) { range in
                for r in range {
                    let dyr = dy + r * n, hr = normalized + r * n, dxr = dx + r * n
                    var d8 = V(repeating: 0), dh8 = V(repeating: 0)
                    var j = 0
                    while j < whole {
                        let d = VectorMath.load(dyr + j) * VectorMath.load(w + j)
                        d8 += d
                        dh8 += d * VectorMath.load(hr + j)
                        j += 8
                    }
                    var sumD = d8.sum(), sumDH = dh8.sum()
                    for k in whole..<n {
                        let d = dyr[k] * w[k]
                        sumD += d
                        sumDH += d * hr[k]
                    }
                    let meanD = sumD / Float(n), meanDH = sumDH / Float(n)
                    let s = rstd[r]
                    j = 0
                    while j < whole {
                        VectorMath.store(VectorMath.load(dxr + j) + s * (VectorMath.load(dyr + j) * VectorMath.load(w + j) - meanD - VectorMath.load(hr + j) * meanDH), dxr + j)
                        j += 8
                    }
                    for k in whole..<n { dxr[k] += s * (dyr[k] * w[k] - meanD - hr[k] * meanDH) }
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
