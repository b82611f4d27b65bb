import XCTest
import ExplainTestSupport
@testable import ExplainModel

/// Passes flush subnormals to zero for speed; that must change neither the weights a checkpoint loads to
/// nor the caller's own arithmetic afterwards.
final class SubnormalTests: XCTestCase {
    @inline(never) func widenedBySwift(_ half: UInt16) -> Float { Float(Float16(bitPattern: half)) }

    func testHalfWideningIsSwiftsForEveryBitPattern() {
        for half in UInt16.min...UInt16.max {
            let ours = HalfFloats.widenF16(half), swift = widenedBySwift(half)
            if swift.isNaN {
                XCTAssertTrue(ours.isNaN, "half \(half)")
            } else {
                XCTAssertEqual(ours.bitPattern, swift.bitPattern, "half \(half): \(ours) vs \(swift)")
            }
        }
        XCTAssertEqual(HalfFloats.widenF16(0x0001), 0x1p-24)
        XCTAssertEqual(HalfFloats.widenF16(0x83ff), -0x1.ff8p-15)
        XCTAssertEqual(HalfFloats.widenBF16(0x3f80), 1)
        XCTAssertEqual(HalfFloats.widenBF16(0x0001).bitPattern, 0x0001_0000)
    }

    /// A pass on the caller's thread hands the thread's float control back as it found it: the smallest half
    /// still widens to 2⁻²⁴ through Swift's own conversion, which reads it as zero while subnormals are flushed,
    /// and an F16 checkpoint loaded after the pass gives the same logits as before it.
    func testPassLeavesTheCallersFloatControl() throws {
        let directory = fixturesDirectory.appendingPathComponent("models/bert-largest")
        let input = ModelInput(ids: [[2, 1005, 2017, 3]])
        let before = try ClassifierModel.load(directory: directory).logits(input)
        XCTAssertEqual(widenedBySwift(0x0001), 0x1p-24)
        let after = try ClassifierModel.load(directory: directory).logits(input)
        XCTAssertEqual(widenedBySwift(0x0001), 0x1p-24, "the pass left subnormals flushed on the caller's thread")
        XCTAssertEqual(before, after)
    }
}
