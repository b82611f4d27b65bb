import XCTest
@testable import ExplainTransport

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }
func lspFrame(_ body: String) -> [UInt8] { bytes("Content-Length: \(body.utf8.count)\r\n\r\n\(body)") }

final class LSPFramingTests: XCTestCase {
    let a = #"{"jsonrpc":"2.0","id":1,"method":"a"}"#
    let b = #"{"jsonrpc":"2.0","id":2,"method":"b","params":{"text":"é"}}"#

    func feedAll(_ input: [UInt8], max: Int = 1 << 20, chunk: Int? = nil) -> [FrameEvent] {
        var parser = LSPFrameParser(maxFrameBytes: max)
        guard let chunk else { return parser.feed(input[...]) }
        var events: [FrameEvent] = []
        var i = 0
        while i < input.count {
            events += parser.feed(input[i..<min(i + chunk, input.count)])
            i += chunk
        }
        return events
    }

    func testWholeSplitAndMerged() {
        let stream = lspFrame(a) + lspFrame(b)
        let expected: [FrameEvent] = [.message(bytes(a)), .message(bytes(b))]
        XCTAssertEqual(feedAll(stream), expected)
        for chunk in 1...9 { XCTAssertEqual(feedAll(stream, chunk: chunk), expected, "chunk \(chunk)") }
        // every single cut point
        for cut in 0...stream.count {
            var parser = LSPFrameParser(maxFrameBytes: 1 << 20)
            let events = parser.feed(stream[..<cut]) + parser.feed(stream[cut...])
            XCTAssertEqual(events, expected, "cut at \(cut)")
        }
    }

    func testNeverReadsPastAMessage() {
        // A reader that asks for nextReadLength bytes stops exactly at the end of the first message.
        let stream = lspFrame(a) + lspFrame(b)
        var parser = LSPFrameParser(maxFrameBytes: 1 << 20)
        var offset = 0
        var first: [FrameEvent] = []
        while first.isEmpty {
            let n = parser.nextReadLength
            first = parser.feed(stream[offset..<offset + n])
            offset += n
        }
        XCTAssertEqual(first, [.message(bytes(a))])
        XCTAssertEqual(offset, lspFrame(a).count)
    }

    func testOtherHeadersAndCase() {
        let input = bytes("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\ncontent-length:  \(a.utf8.count) \r\n\r\n\(a)")
        XCTAssertEqual(feedAll(input), [.message(bytes(a))])
        // bare \n line ends are tolerated
        XCTAssertEqual(feedAll(bytes("Content-Length: \(a.utf8.count)\n\n\(a)")), [.message(bytes(a))])
        // a stray blank line between messages is ignored
        XCTAssertEqual(feedAll(bytes("\r\n") + lspFrame(a)), [.message(bytes(a))])
    }

    func testBrokenHeadersResync() {
        func events(_ prefix: String) -> [FrameEvent] { feedAll(bytes(prefix) + lspFrame(a)) }
        XCTAssertEqual(events("Content-Length: -5\r\n\r\n"), [.malformedHeader("invalid Content-Length \"-5\""), .message(bytes(a))])
        XCTAssertEqual(events("Content-Length: abc\r\n\r\n"), [.malformedHeader("invalid Content-Length \"abc\""), .message(bytes(a))])
        XCTAssertEqual(events("Content-Length: 99999999999999999999999\r\n\r\n"),
                       [.malformedHeader("Content-Length 99999999999999999999999 is too large"), .message(bytes(a))])
        XCTAssertEqual(events("X-Other: 1\r\n\r\n"), [.malformedHeader("header without Content-Length"), .message(bytes(a))])
        XCTAssertEqual(events("hello world\r\n"), [.malformedHeader("not a header line"), .message(bytes(a))])
        XCTAssertEqual(events("Content-Length: 3\r\nContent-Length: 4\r\n\r\n"),
                       [.malformedHeader("conflicting Content-Length headers"), .message(bytes(a))])
        // garbage without any newline, then a header on the same line
        XCTAssertEqual(events("%%%%garbage%%%%"), [.malformedHeader("garbage before Content-Length header"), .message(bytes(a))])
        // a body shorter than declared swallows the next header; the one after resynchronises
        let short = bytes("Content-Length: 60\r\n\r\n{\"jsonrpc\":\"2.0\"}")
        let resynced = feedAll(short + lspFrame(a) + lspFrame(b))
        XCTAssertEqual(resynced.count, 3)
        if case .message = resynced[0] {} else { XCTFail("first event is the misframed body") }
        XCTAssertEqual(resynced[1], .malformedHeader("garbage before Content-Length header"))
        XCTAssertEqual(resynced[2], .message(bytes(b)))
        // a header line that never ends is garbage, reported once
        let long = feedAll(bytes(String(repeating: "x", count: 20_000)) + bytes("\r\n") + lspFrame(a), chunk: 1000)
        XCTAssertEqual(long, [.malformedHeader("header line longer than 4096 bytes"), .message(bytes(a))])
    }

    func testBareCarriageReturnEndsABrokenHeaderLine() {
        // A header line ending in a bare CR used to swallow the next, well-formed frame's header.
        for broken in ["Content-Length: 10\r", "X-Junk: a\r", "Content-Length: 10\r\r"] {
            let stream = bytes(broken) + lspFrame(a) + lspFrame(b)
            let events = feedAll(stream)
            XCTAssertEqual(events.filter { if case .message = $0 { return true } else { return false } },
                           [.message(bytes(a)), .message(bytes(b))], broken)
            XCTAssertEqual(events.first, .malformedHeader("bare CR in a header line"), broken)
            for chunk in 1...5 { XCTAssertEqual(feedAll(stream, chunk: chunk), events, "\(broken), chunk \(chunk)") }
        }
    }

    func testOversizedFrameIsSkippedByItsLength() {
        let big = String(repeating: "x", count: 5000)
        let input = bytes("Content-Length: 5000\r\n\r\n\(big)") + lspFrame(a)
        for chunk in [1, 7, 4096, input.count] {
            XCTAssertEqual(feedAll(input, max: 1000, chunk: chunk), [.oversized(declaredBytes: 5000), .message(bytes(a))])
        }
        var parser = LSPFrameParser(maxFrameBytes: 1000)
        _ = parser.feed(bytes("Content-Length: 5000\r\n\r\n")[...])
        XCTAssertEqual(parser.state, .skipping(remaining: 5000))
    }

    func testEmptyBody() {
        XCTAssertEqual(feedAll(bytes("Content-Length: 0\r\n\r\n") + lspFrame(a)), [.message([]), .message(bytes(a))])
    }
}

final class NDJSONFramingTests: XCTestCase {
    func testLines() {
        var parser = NDJSONFrameParser(maxFrameBytes: 100)
        var events = parser.feed(bytes("{\"a\":1}\r\n\n  \n{\"b\"")[...])
        events += parser.feed(bytes(":2}\n{\"c\":3}")[...])
        XCTAssertEqual(events, [.message(bytes("{\"a\":1}")), .message(bytes("{\"b\":2}"))])
        XCTAssertEqual(parser.finish(), [.message(bytes("{\"c\":3}"))])
    }

    func testOversizedLineIsSkippedToItsNewline() {
        var parser = NDJSONFrameParser(maxFrameBytes: 10)
        var events: [FrameEvent] = []
        for piece in ["{\"a\":\"0123", "456789abcdef", "ghij\"}\n{\"b\":1}\n"] { events += parser.feed(bytes(piece)[...]) }
        XCTAssertEqual(events, [.oversized(declaredBytes: 28), .message(bytes("{\"b\":1}"))])
    }

    func testAutoDetection() {
        var ndjson = AutoFrameParser(forced: nil, maxFrameBytes: 100)
        XCTAssertEqual(ndjson.feed(bytes("\n [1]\n")[...]), [.message(bytes("[1]"))])
        XCTAssertEqual(ndjson.kind, .ndjson)
        var lsp = AutoFrameParser(forced: nil, maxFrameBytes: 100)
        XCTAssertEqual(lsp.feed(lspFrame("{}")[...]), [.message(bytes("{}"))])
        XCTAssertEqual(lsp.kind, .lsp)
        var forced = AutoFrameParser(forced: .lsp, maxFrameBytes: 100)
        XCTAssertEqual(forced.feed(bytes("{}\n")[...]), [.malformedHeader("not a header line")])
    }
}
