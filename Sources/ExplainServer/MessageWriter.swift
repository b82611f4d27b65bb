#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainProtocol
import ExplainTransport

/// Writes whole messages to the protocol file descriptor, one at a time, in the client's framing.
/// Replies come from several threads; the lock keeps each frame contiguous on the wire.
public final class MessageWriter: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var framing: FramingKind = .lsp
    private var broken = false
    private let log: Log

    public init(fd: Int32, log: Log) {
        self.fd = fd
        self.log = log
    }

    /// Set by the reader once it has seen the client's first bytes.
    public func use(_ framing: FramingKind) {
        lock.lock()
        self.framing = framing
        lock.unlock()
    }

    public func send(_ message: JSONValue) {
        let body = JSONSerializer.serialize(message)
        lock.lock()
        defer { lock.unlock() }
        writeAll(FrameEncoder.frame(body, as: framing))
    }

    private func writeAll(_ bytes: [UInt8]) {
        guard !broken else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    // The client has gone (EPIPE): nothing more can be said; reading will hit EOF.
                    broken = true
                    log(.warning, "protocol output closed: \(String(cString: strerror(errno)))")
                    return
                }
                offset += n
            }
        }
    }
}
