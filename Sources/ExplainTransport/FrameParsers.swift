/// How messages are delimited on the wire.
public enum FramingKind: String, Sendable, CaseIterable {
    /// LSP base protocol: `Content-Length: N\r\n` (other headers ignored) `\r\n`, then N bytes of JSON.
    case lsp
    /// One JSON text per line, for shell scripting.
    case ndjson
}

/// What a frame parser found in the byte stream.
public enum FrameEvent: Equatable, Sendable {
    /// The bytes of one message (not yet parsed as JSON).
    case message([UInt8])
    /// A frame larger than the limit; its bytes were (or are being) skipped, so the stream stays in sync.
    case oversized(declaredBytes: Int)
    /// Bytes that are not a frame header. Reported once per run of garbage; the parser resynchronises on the
    /// next `Content-Length:` header it finds, even in the middle of a line.
    case malformedHeader(String)
}

/// A state machine from bytes to frames. `nextReadLength` says how many bytes it wants next, so a reader that
/// honours it never reads past the end of a message; `feed` still accepts any split or merge of the stream.
public protocol FrameParser {
    var nextReadLength: Int { get }
    mutating func feed(_ chunk: ArraySlice<UInt8>) -> [FrameEvent]
}

/// LSP framing. States: header (reading header lines), content(remaining), skipping(remaining) for an
/// oversized body, which is consumed by its declared length and never buffered.
public struct LSPFrameParser: FrameParser {
    enum State: Equatable {
        case header
        case content(remaining: Int)
        case skipping(remaining: Int)
    }

    public let maxFrameBytes: Int
    /// A header line longer than this is garbage (real headers are a few dozen bytes).
    public static let maxHeaderLineBytes = 4096
    static let contentLengthKey = Array("content-length".utf8)

    private(set) var state: State = .header
    private var line: [UInt8] = []
    private var headerLineCount = 0
    private var contentLength: Int?
    private var headerProblem: String?
    private var body: [UInt8] = []
    /// Set after reporting garbage; cleared when a frame completes, so a run of garbage gives one error.
    private var inGarbage = false

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public var nextReadLength: Int {
        switch state {
        case .header: return 1
        case .content(let remaining): return remaining
        case .skipping(let remaining): return min(remaining, 1 << 16)
        }
    }

    public mutating func feed(_ chunk: ArraySlice<UInt8>) -> [FrameEvent] {
        var events: [FrameEvent] = []
        var rest = chunk
        while !rest.isEmpty {
            switch state {
            case .header:
                let b = rest.removeFirst()
                if b == UInt8(ascii: "\n") {
                    endOfLine(&events)
                } else if line.last == UInt8(ascii: "\r") {
                    // A CR not followed by LF ends a broken header line (RFC 9112 §2.2: a bare CR is invalid);
                    // what follows starts a new line, so the next well-formed header is still found.
                    garbage("bare CR in a header line", &events)
                    resetHeader()
                    line.removeAll(keepingCapacity: true)
                    line.append(b)
                } else {
                    line.append(b)
                    if line.count > Self.maxHeaderLineBytes {
                        garbage("header line longer than \(Self.maxHeaderLineBytes) bytes", &events)
                        resetHeader()
                        // Keep a short tail: a `Content-Length:` may straddle the cut.
                        line = Array(line.suffix(Self.contentLengthKey.count + 1))
                    }
                }
            case .content(let remaining):
                let take = rest.prefix(remaining)
                body.append(contentsOf: take)
                rest = rest.dropFirst(take.count)
                if take.count == remaining {
                    events.append(.message(body))
                    body = []
                    inGarbage = false
                    state = .header
                } else {
                    state = .content(remaining: remaining - take.count)
                }
            case .skipping(let remaining):
                let take = min(rest.count, remaining)
                rest = rest.dropFirst(take)
                state = take == remaining ? .header : .skipping(remaining: remaining - take)
                if take == remaining { inGarbage = false }
            }
        }
        return events
    }

    private mutating func garbage(_ problem: String, _ events: inout [FrameEvent]) {
        if !inGarbage { events.append(.malformedHeader(problem)) }
        inGarbage = true
    }

    private mutating func resetHeader() {
        headerLineCount = 0
        contentLength = nil
        headerProblem = nil
    }

    private mutating func endOfLine(_ events: inout [FrameEvent]) {
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            // A blank line ends the header block; a blank line with no header before it is ignored.
            guard headerLineCount > 0 else { return }
            defer { resetHeader() }
            if let headerProblem { garbage(headerProblem, &events); return }
            guard let length = contentLength else { garbage("header without Content-Length", &events); return }
            if length > maxFrameBytes {
                events.append(.oversized(declaredBytes: length))
                state = .skipping(remaining: length)
            } else if length == 0 {
                events.append(.message([]))
                inGarbage = false
            } else {
                state = .content(remaining: length)
            }
            return
        }
        // A header line is `Name: value`. Garbage before a `Content-Length:` on the same line is dropped so that
        // a short body followed by the next message's header resynchronises at that header.
        var fieldLine = line[...]
        if let keyStart = Self.offsetOfContentLength(in: line), keyStart > 0 {
            garbage("garbage before Content-Length header", &events)
            fieldLine = line[keyStart...]
            resetHeader()
        }
        guard let colon = fieldLine.firstIndex(of: UInt8(ascii: ":")), colon > fieldLine.startIndex,
              fieldLine[..<colon].allSatisfy(Self.isTokenCharacter) else {
            garbage("not a header line", &events)
            resetHeader()
            return
        }
        headerLineCount += 1
        let name = fieldLine[..<colon].map { $0 | 0x20 }  // ASCII lowercase; header names are case-insensitive
        guard name == Self.contentLengthKey else { return }  // other headers (Content-Type) are ignored
        let value = String(decoding: fieldLine[(colon + 1)...], as: UTF8.self).trimmingSpaces
        let isDigits = !value.isEmpty && value.utf8.allSatisfy { (0x30...0x39).contains($0) }
        if isDigits, let length = Int(value) {
            if let previous = contentLength, previous != length {
                headerProblem = "conflicting Content-Length headers"
            }
            contentLength = length
        } else if isDigits {
            headerProblem = "Content-Length \(value.prefix(40)) is too large"
        } else {
            headerProblem = "invalid Content-Length \"\(value.prefix(40))\""
        }
    }

    /// RFC 9110 `tchar`: what a header name is made of. A JSON line (`{"jsonrpc":...`) is not a header.
    static func isTokenCharacter(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(b)
        }
    }

    static func offsetOfContentLength(in line: [UInt8]) -> Int? {
        let key = contentLengthKey
        guard line.count >= key.count else { return nil }
        outer: for start in 0...(line.count - key.count) {
            for j in 0..<key.count where line[start + j] | 0x20 != key[j] { continue outer }
            return start
        }
        return nil
    }
}

/// Newline-delimited JSON: a message per line; `\r\n` accepted; blank lines ignored; a line longer than the
/// limit is skipped up to its newline and reported once.
public struct NDJSONFrameParser: FrameParser {
    public let maxFrameBytes: Int
    private var line: [UInt8] = []
    private var skipping = false
    private var skippedBytes = 0

    public init(maxFrameBytes: Int) { self.maxFrameBytes = maxFrameBytes }

    public var nextReadLength: Int { 1 << 16 }

    public mutating func feed(_ chunk: ArraySlice<UInt8>) -> [FrameEvent] {
        var events: [FrameEvent] = []
        var rest = chunk
        while !rest.isEmpty {
            let newline = rest.firstIndex(of: UInt8(ascii: "\n"))
            let piece = rest[..<(newline ?? rest.endIndex)]
            rest = newline.map { rest[($0 + 1)...] } ?? rest[rest.endIndex...]
            if skipping {
                skippedBytes += piece.count
            } else {
                line.append(contentsOf: piece)
                if line.count > maxFrameBytes {
                    skipping = true
                    skippedBytes = line.count
                    line = []
                }
            }
            guard newline != nil else { break }
            if skipping {
                events.append(.oversized(declaredBytes: skippedBytes))
                skipping = false
                skippedBytes = 0
            } else {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) { events.append(.message(line)) }
                line.removeAll(keepingCapacity: true)
            }
        }
        return events
    }

    /// What is left without a final newline at end of input: a last message, if any.
    public mutating func finish() -> [FrameEvent] {
        defer { line = []; skipping = false }
        if skipping { return [.oversized(declaredBytes: skippedBytes)] }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line.contains(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0D) }) ? [.message(line)] : []
    }
}

/// Picks the framing from the first byte when none is forced: `{` or `[` means ndjson, anything else LSP.
/// Leading whitespace is skipped before deciding.
public struct AutoFrameParser: FrameParser {
    public private(set) var kind: FramingKind?
    private var lsp: LSPFrameParser
    private var ndjson: NDJSONFrameParser

    public init(forced: FramingKind?, maxFrameBytes: Int) {
        kind = forced
        lsp = LSPFrameParser(maxFrameBytes: maxFrameBytes)
        ndjson = NDJSONFrameParser(maxFrameBytes: maxFrameBytes)
    }

    public var nextReadLength: Int {
        switch kind {
        case nil: return 1
        case .lsp?: return lsp.nextReadLength
        case .ndjson?: return ndjson.nextReadLength
        }
    }

    public mutating func feed(_ chunk: ArraySlice<UInt8>) -> [FrameEvent] {
        var rest = chunk
        if kind == nil {
            while let b = rest.first, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { rest.removeFirst() }
            guard let first = rest.first else { return [] }
            kind = first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? .ndjson : .lsp
        }
        switch kind! {
        case .lsp: return lsp.feed(rest)
        case .ndjson: return ndjson.feed(rest)
        }
    }

    /// At end of input: an ndjson line without its newline still counts (`echo -n '{...}' | explaind`).
    public mutating func finish() -> [FrameEvent] {
        kind == .ndjson ? ndjson.finish() : []
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return String(s)
    }
}
