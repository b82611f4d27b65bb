import XCTest
@testable import ExplainREPL

final class FrameSplitterTests: XCTestCase {
    func testSplitMergedAndHeaderVariants() throws {
        let a = FrameSplitter.frame(Array("{\"id\":1}".utf8))
        let b = Array("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}".utf8)
        var s = FrameSplitter()
        // byte by byte
        var out: [[UInt8]] = []
        for byte in a + b { out += try s.feed([byte]) }
        XCTAssertEqual(out.map { String(decoding: $0, as: UTF8.self) }, ["{\"id\":1}", "{}"])
        // all at once
        var t = FrameSplitter()
        XCTAssertEqual(try t.feed(a + b + a).count, 3)
    }

    func testBrokenHeaders() {
        var s = FrameSplitter()
        XCTAssertThrowsError(try s.feed(Array("Content-Length: -3\r\n\r\n".utf8)))
        var t = FrameSplitter()
        XCTAssertThrowsError(try t.feed(Array("X: 1\r\n\r\n".utf8)))
    }
}
