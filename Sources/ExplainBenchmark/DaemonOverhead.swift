import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's own time around one explanation: from the request's last byte written to the reply's last
/// byte read, minus the engine's time the reply reports (`elapsedMs`, taken around the attribution call).
/// What remains is framing, JSON decoding and encoding, position conversion, logging, the queue hand-offs and
/// the pipes. Measured by a client that pipes one LSP-framed request at a time to a fresh `explaind`.
public struct DaemonOverhead: Codable, Sendable {
    public var text: String
    public var tokens: Int
    public var method: String
    public var requests: Int
    public var roundTripSeconds: TimingSummary
    public var engineSeconds: TimingSummary
    /// Per request: round trip − engine.
    public var overheadSeconds: TimingSummary

    /// `explaind` beside this executable (the same build).
    public static var siblingDaemon: String {
        URL(fileURLWithPath: ChildProcess.ownExecutable()).deletingLastPathComponent().appendingPathComponent("explaind").path
    }

    public static func measure(daemon: String, model: String, text: String, tokens: Int, method: String, threads: Int,
                               requests: Int) throws -> DaemonOverhead {
        let client = try PipedDaemon(executable: daemon, arguments: ["--model", model, "--threads", String(threads), "--log-level", "off"])
        defer { client.finish() }
        _ = try client.call(#"{"jsonrpc":"2.0","id":0,"method":"initialize"}"#)
        let escaped = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
        var roundTrips: [Double] = [], engine: [Double] = [], overhead: [Double] = []
        for id in 1...(requests + 5) {
            let request = #"{"jsonrpc":"2.0","id":\#(id),"method":"explain","params":{"text":\#(escaped),"method":"\#(method)"}}"#
            let (reply, seconds) = try client.timedCall(request)
            guard let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any],
                  let result = object["result"] as? [String: Any], let elapsed = result["elapsedMs"] as? Double else {
                throw BenchmarkError.malformedChildOutput(daemon, output: String(reply.prefix(500)))
            }
            if id <= 5 { continue }   // warm-up
            roundTrips.append(seconds)
            engine.append(elapsed / 1e3)
            overhead.append(seconds - elapsed / 1e3)
        }
        return DaemonOverhead(text: text, tokens: tokens, method: method, requests: requests,
                              roundTripSeconds: TimingSummary(roundTrips), engineSeconds: TimingSummary(engine),
                              overheadSeconds: TimingSummary(overhead))
    }
}

/// A daemon child over pipes, spoken to with LSP framing, one request at a time.
final class PipedDaemon {
    private let pid: pid_t
    private let input: Int32, output: Int32
    private var buffer: [UInt8] = []

    init(executable: String, arguments: [String]) throws {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw BenchmarkError.spawnFailed(executable, reason: "pipe: errno \(errno)") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        for fd in toChild + fromChild { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = argv.withUnsafeBufferPointer { posix_spawn(&pid, executable, &actions, nil, $0.baseAddress!, environ) }
        close(toChild[0]); close(fromChild[1])
        guard status == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw BenchmarkError.spawnFailed(executable, reason: String(cString: strerror(status)))
        }
        self.pid = pid
        input = toChild[1]
        output = fromChild[0]
    }

    func call(_ json: String) throws -> String { try timedCall(json).reply }

    /// Writes one framed request and reads the next frame; the time runs from just before the write of the
    /// request's bytes to the arrival of the reply's last byte.
    func timedCall(_ json: String) throws -> (reply: String, seconds: Double) {
        let body = Array(json.utf8)
        let frame = Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        let start = Stopwatch.now()
        var written = 0
        while written < frame.count {
            let n = frame[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchmarkError.spawnFailed("explaind", reason: "write: errno \(errno)") }
            written += n
        }
        let reply = try readFrame()
        return (reply, Stopwatch.now() - start)
    }

    private func readFrame() throws -> String {
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = buffer.indices.dropLast(3).first(where: { buffer[$0..<$0 + 4].elementsEqual(separator) }) {
                let header = String(decoding: buffer[..<end], as: UTF8.self)
                guard let line = header.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                      let length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) else {
                    throw BenchmarkError.malformedChildOutput("explaind", output: header)
                }
                let start = end + 4
                if buffer.count >= start + length {
                    let body = String(decoding: buffer[start..<start + length], as: UTF8.self)
                    buffer.removeFirst(start + length)
                    return body
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchmarkError.malformedChildOutput("explaind", output: "end of output before a reply") }
            buffer.append(contentsOf: chunk[0..<n])
        }
    }

    func finish() {
        close(input)
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
