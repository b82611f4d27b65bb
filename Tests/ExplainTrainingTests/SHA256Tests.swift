import XCTest
import ExplainTestSupport
@testable import ExplainTraining

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4 / NIST example digests.
    func testKnownDigests() {
        XCTAssertEqual(SHA256.hex(of: Data()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(of: Data("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(of: Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hex(of: Data(repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Feeding the data in pieces that straddle block boundaries gives the same digest as one piece.
    func testStreamingInOddPieces() {
        let data = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        var hash = SHA256()
        var offset = 0
        for size in [1, 63, 64, 65, 7, 200, 600] {
            hash.update(data.subdata(in: offset..<offset + size))
            offset += size
        }
        XCTAssertEqual(offset, data.count)
        XCTAssertEqual(hash.finish(), SHA256.hex(of: data))
    }

    /// sha256sum (when installed) and the streamed implementation agree on a file, and a missing file is an error.
    func testFileDigestBothWays() throws {
        let url = try scratchDirectory("explaind-sha").appendingPathComponent("file")
        try Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }).write(to: url)
        let streamed = try SHA256.streamedHex(ofFile: url)
        XCTAssertEqual(streamed, SHA256.hex(of: try Data(contentsOf: url)))
        XCTAssertEqual(try SHA256.hex(ofFile: url), streamed)
        XCTAssertThrowsError(try SHA256.hex(ofFile: URL(fileURLWithPath: "/nonexistent/wheel.whl"))) { error in
            XCTAssertEqual(error as? TrainingError, .missingFile("/nonexistent/wheel.whl"))
        }
    }
}
