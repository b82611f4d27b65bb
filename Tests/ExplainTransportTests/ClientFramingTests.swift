import XCTest
import ExplainTransport

/// The client's side of the wire (the REPL reading the daemon, the tests' harness): the same parsers and
/// encoder as the daemon's.
final class ClientFramingTests: XCTestCase {
    func messages(_ events: [FrameEvent]) -> [String] {
        events.compactMap { if case .message(let body) = $0 { return String(decoding: body, as: UTF8.self) } else { return nil } }
    }

    func testSplitMergedAndHeaderVariants() throws {
        let a = FrameEncoder.frame(Array("{\"id\":1}".utf8), as: .lsp)
        let b = Array("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length: 2\r\n\r\n{}".utf8)
        var s = LSPFrameParser(maxFrameBytes: 1 << 20)
        // byte by byte
        var out: [FrameEvent] = []
        for byte in a + b { out += s.feed([byte][...]) }
        XCTAssertEqual(messages(out), ["{\"id\":1}", "{}"])
        // all at once
        var t = LSPFrameParser(maxFrameBytes: 1 << 20)
        XCTAssertEqual(messages(t.feed((a + b + a)[...])).count, 3)
    }

    func testBrokenHeaders() {
        var s = LSPFrameParser(maxFrameBytes: 1 << 20)
        XCTAssertEqual(s.feed(Array("Content-Length: -3\r\n\r\n".utf8)[...]), [.malformedHeader("invalid Content-Length \"-3\"")])
        var t = LSPFrameParser(maxFrameBytes: 1 << 20)
        XCTAssertEqual(t.feed(Array("X: 1\r\n\r\n".utf8)[...]), [.malformedHeader("header without Content-Length")])
    }

    func testNDJSONEncodingRoundTrips() {
        var parser = NDJSONFrameParser(maxFrameBytes: 1 << 20)
        let frames = FrameEncoder.frame(Array("{\"a\":1}".utf8), as: .ndjson) + FrameEncoder.frame(Array("[2]".utf8), as: .ndjson)
        XCTAssertEqual(messages(parser.feed(frames[...])), ["{\"a\":1}", "[2]"])
    }
}
