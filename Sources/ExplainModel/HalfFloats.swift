/// 16-bit floats widened to Float32 exactly, by moving bits.
///
/// Integer-only on purpose: Swift's `Float(Float16)` reads a half's subnormals (below 6.1e-5, common in
/// F16 checkpoints) as zero when the thread flushes subnormals, so a conversion through floats would load
/// different weights depending on what the loading thread had run before.
enum HalfFloats {
    /// IEEE binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
    static func widenF16(_ half: UInt16) -> Float {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1f, mantissa = UInt32(half & 0x3ff)
        switch exponent {
        case 0 where mantissa == 0:
            return Float(bitPattern: sign)
        case 0:
            // mantissa · 2⁻²⁴: shift the leading one into the implicit bit, lowering the exponent to match
            let shift = UInt32(mantissa.leadingZeroBitCount - 21)
            return Float(bitPattern: sign | (113 - shift) << 23 | ((mantissa << shift) & 0x3ff) << 13)
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// bfloat16: the high half of a Float32.
    static func widenBF16(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }
}
