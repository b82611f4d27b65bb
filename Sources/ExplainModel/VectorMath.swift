import Foundation

/// exp and erf on eight Float lanes at once, for the GELU loops. Both are accurate to a few float ulps
/// in the range that matters; results are checked against libm in the tests.
enum VectorMath {
    typealias V = SIMD8<Float>

    /// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 Taylor/minimax polynomial, 2^n by building
    /// the exponent bits (Cephes' expf scheme). Clamped to the float range.
    ///
    /// Rounding and the float→int step use the 1.5·2²³ trick rather than `rounded()` and
    /// `SIMD8<Int32>(_:rounding:)`, which Swift lowers to a scalar loop per lane (a third of a pass's time).
    @inline(__always)
    static func exp(_ x: V) -> V {
        var clamped = x.replacing(with: -87.3, where: x .< -87.3)
        clamped.replace(with: 88.3, where: clamped .> 88.3)
        let shifted = clamped * 1.44269504088896341 + roundingShift
        let n = shifted - roundingShift
        let r = clamped - n * 0.693359375 + n * 2.12194440e-4
        var p = V(repeating: 1.9875691500e-4)
        p = p * r + 1.3981999507e-3
        p = p * r + 8.3334519073e-3
        p = p * r + 4.1665795894e-2
        p = p * r + 1.6666665459e-1
        p = p * r + 5.0000001201e-1
        let e = p * r * r + r + 1
        // shifted's low mantissa bits hold n as an integer offset from roundingShift's bit pattern.
        let bits = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- roundingShiftBits &+ 127) &<< 23
        return e * unsafeBitCast(bits, to: V.self)
    }

    /// Adding 1.5·2²³ to |v| < 2²² rounds v to the nearest integer, which then sits in the low mantissa bits.
    private static var roundingShift: Float { 12_582_912 }
    private static var roundingShiftBits: SIMD8<Int32> { SIMD8(repeating: 0x4B40_0000) }

    /// erf(x) = sign(x)·(1 − (a₁t + … + a₅t⁵)·e^{−x²}), t = 1/(1 + p|x|): Abramowitz & Stegun 7.1.26,
    /// absolute error below 1.5e-7 in exact arithmetic, 5e-7 in Float (a few ulps near 1).
    @inline(__always)
    static func erf(_ x: V) -> V {
        let erfAbs = erfAndGaussian(x.replacing(with: -x, where: x .< 0)).erf
        return erfAbs.replacing(with: -erfAbs, where: x .< 0)
    }

    /// Φ(x) and φ(x) of the standard normal, sharing erf's e^{−x²/2}.
    @inline(__always)
    static func normalCDFAndDensity(_ x: V) -> (cdf: V, density: V) {
        let (erfAbs, e) = erfAndGaussian(x.replacing(with: -x, where: x .< 0) * 0.70710678118654752)
        let erf = erfAbs.replacing(with: -erfAbs, where: x .< 0)
        return (0.5 * (1 + erf), 0.39894228040143268 * e)
    }

    /// erf(a) for a ≥ 0 by A&S 7.1.26, with the e^{−a²} it uses.
    @inline(__always)
    private static func erfAndGaussian(_ a: V) -> (erf: V, e: V) {
        let t = 1 / (1 + 0.3275911 * a)
        var y = V(repeating: 1.061405429)
        y = y * t - 1.453152027
        y = y * t + 1.421413741
        y = y * t - 0.284496736
        y = y * t + 0.254829592
        let e = exp(-a * a)
        return (1 - y * t * e, e)
    }

    /// Eight floats from p, which need not be aligned.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }

    /// Eight floats to p, which need not be aligned.
    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }

    /// y[i] = f(x[i]) over a range, eight at a time, the tail through a padded vector.
    @inline(__always)
    static func map8(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: (V) -> V) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            store(f(load(x + i)), y + i)
            i += 8
        }
        if i < range.upperBound {
            var v = V(repeating: 0)
            for j in 0..<(range.upperBound - i) { v[j] = x[i + j] }
            let out = f(v)
            for j in 0..<(range.upperBound - i) { y[i + j] = out[j] }
        }
    }

    /// z[i] = f(x[i], y[i]) over a range, eight at a time.
    @inline(__always)
    static func map8(_ range: Range<Int>, _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>,
                     _ f: (V, V) -> V) {
        var i = range.lowerBound
        while i + 8 <= range.upperBound {
            store(f(load(x + i), load(y + i)), z + i)
            i += 8
        }
        if i < range.upperBound {
            var a = V(repeating: 0), b = V(repeating: 0)
            for j in 0..<(range.upperBound - i) { a[j] = x[i + j]; b[j] = y[i + j] }
            let out = f(a, b)
            for j in 0..<(range.upperBound - i) { z[i + j] = out[j] }
        }
    }
}
