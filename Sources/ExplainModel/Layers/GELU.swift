import Foundation

/// The Gaussian error linear unit (Hendrycks & Gimpel 2016) in its two forms: exact, x·Φ(x) (PyTorch's
/// default `gelu`), and the tanh approximation (`gelu_new`, `gelu_pytorch_tanh`).
///
/// The exact form is the hottest non-BLAS loop of a pass (one erf per intermediate activation), so it runs
/// eight lanes at a time with its own erf and exp (VectorMath), within 5e-7 of libm's.
enum GELU {
    static let sqrtHalf: Float = 0.70710678118654752
    static let sqrtTwoOverPi: Float = 0.79788456080286536
    static let invSqrtTwoPi: Float = 0.39894228040143268
    static let cubic: Float = 0.044715

    static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int, tanhForm: Bool) {
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            if tanhForm {
                for i in range {
                    let v = x[i]
                    y[i] = 0.5 * v * (1 + tanhf(sqrtTwoOverPi * (v + cubic * v * v * v)))
                }
            } else {
                VectorMath.map8(range, x, y) { v in 0.5 * v * (1 + VectorMath.erf(v * sqrtHalf)) }
            }
        }
    }

    /// y = gelu(x) (exact form), and x overwritten with gelu'(x) = Φ(x) + x·φ(x) for the backward: erf's
    /// e^{−x²/2} is φ's too, so the derivative costs one multiply-add more than the forward alone, and the
    /// backward becomes a product (it cost an erf and an exp per element).
    static func forwardReplacingInputWithDerivative(_ y: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            var i = range.lowerBound
            while i < range.upperBound {
                let lanes = min(8, range.upperBound - i)
                var v = SIMD8<Float>(repeating: 0)
                if lanes == 8 { v = VectorMath.load(x + i) } else { for j in 0..<lanes { v[j] = x[i + j] } }
                let (cdf, density) = VectorMath.normalCDFAndDensity(v)
                let value = v * cdf, derivative = cdf + v * density
                if lanes == 8 {
                    VectorMath.store(value, y + i)
                    VectorMath.store(derivative, x + i)
                } else {
                    for j in 0..<lanes { y[i + j] = value[j]; x[i + j] = derivative[j] }
                }
                i += 8
            }
        }
    }

    /// dx = dy · gelu'(x), in place on dy when dx == dy.
    static func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>,
                         count: Int, tanhForm: Bool) {
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            if tanhForm {
                for i in range {
                    let v = x[i]
                    let t = tanhf(sqrtTwoOverPi * (v + cubic * v * v * v))
                    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * sqrtTwoOverPi * (1 + 3 * cubic * v * v))
                }
            } else {
                // gelu'(x) = Φ(x) + x·φ(x)
                VectorMath.map8(range, x, dy, dx) { v, d in
                    d * (0.5 * (1 + VectorMath.erf(v * sqrtHalf)) + v * invSqrtTwoPi * VectorMath.exp(-0.5 * v * v))
                }
            }
        }
    }
}
