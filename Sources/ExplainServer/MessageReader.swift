#if canImport(Glibc)
import Glibc
#endif
import ExplainProtocol
import ExplainTransport

/// Reads the protocol input and cuts it into frames, asking the frame parser how many bytes to read so it
/// never consumes bytes past the current message.
public struct MessageReader {
    private let fd: Int32
    private var parser: AutoFrameParser
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    public init(fd: Int32, framing: FramingKind?, maxFrameBytes: Int) {
        self.fd = fd
        parser = AutoFrameParser(forced: framing, maxFrameBytes: maxFrameBytes)
    }

    /// The framing in use, once known.
    public var framing: FramingKind? { parser.kind }

    /// Blocks for the next events; nil at end of input (or on a read error).
    public mutating func next() -> [FrameEvent]? {
        while true {
            let want = max(1, min(parser.nextReadLength, buffer.count))
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, want) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                let last = parser.finish()
                return last.isEmpty ? nil : last
            }
            let events = parser.feed(buffer[0..<n])
            if !events.isEmpty { return events }
        }
    }
}
