import XCTest
import Foundation
@testable import ExplainModel

/// The vector exp and erf against libm over the range GELU sees (and beyond, for the clamps).
final class VectorMathTests: XCTestCase {
    func testExpAndErfAgreeWithLibm() {
        var worstExp: Float = 0, worstErf: Float = 0
        var x: Float = -30
        while x < 30 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0011 })
            let e = VectorMath.exp(v), r = VectorMath.erf(v)
            for j in 0..<8 {
                worstExp = max(worstExp, abs(e[j] - expf(v[j])) / expf(v[j]))
                worstErf = max(worstErf, abs(r[j] - erff(v[j])))
            }
            x += 0.0093
        }
        XCTAssertLessThan(worstExp, 3e-7, "exp relative error")
        XCTAssertLessThan(worstErf, 5e-7, "erf absolute error")
        XCTAssertEqual(VectorMath.exp(SIMD8(repeating: -200))[0], expf(-87.3), accuracy: 1e-38)
    }

    func testMapCoversTails() {
        let input = (0..<13).map { Float($0) - 6 }
        var output = [Float](repeating: .nan, count: 13)
        input.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in VectorMath.map8(0..<13, x.baseAddress!, y.baseAddress!) { $0 * 2 } }
        }
        XCTAssertEqual(output, input.map { $0 * 2 })
    }
}
