/// The client side of LSP's base protocol: splits the daemon's stdout into `Content-Length` framed messages.
/// Headers other than Content-Length are ignored, as LSP allows.
public struct FrameSplitter {
    private var buffer: [UInt8] = []
    private var contentLength: Int? = nil

    public init() {}

    public struct BrokenFrame: Error, CustomStringConvertible {
        public var description: String
    }

    /// Appends bytes and returns every message they complete.
    public mutating func feed(_ bytes: [UInt8]) throws -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var messages: [[UInt8]] = []
        var cursor = 0
        while true {
            if let length = contentLength {
                guard buffer.count - cursor >= length else { break }
                messages.append(Array(buffer[cursor..<cursor + length]))
                cursor += length
                contentLength = nil
            } else {
                guard let end = headerEnd(from: cursor) else { break }
                let header = String(decoding: buffer[cursor..<end], as: UTF8.self)
                cursor = end + 4
                contentLength = try Self.contentLength(in: header)
            }
        }
        buffer.removeFirst(cursor)
        return messages
    }

    /// Frames one outgoing message.
    public static func frame(_ body: [UInt8]) -> [UInt8] {
        Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    private func headerEnd(from start: Int) -> Int? {
        var i = start
        while i + 3 < buffer.count {
            if buffer[i] == 13, buffer[i + 1] == 10, buffer[i + 2] == 13, buffer[i + 3] == 10 { return i }
            i += 1
        }
        return nil
    }

    static func contentLength(in header: String) throws -> Int {
        for line in header.split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { continue }
            let value = parts[1].trimmingSpaces
            guard let n = Int(value), n >= 0 else { throw BrokenFrame(description: "bad Content-Length \"\(value)\"") }
            return n
        }
        throw BrokenFrame(description: "a header without Content-Length: \"\(header)\"")
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
