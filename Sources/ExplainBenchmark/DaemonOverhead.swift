import ExplainJSON
import ExplainTransport
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's own time around one explanation: from the request's last byte written to the reply's last
/// byte read, minus the engine's time the reply reports (`elapsedMs`, taken around the attribution call).
/// What remains is framing, JSON decoding and encoding, position conversion, logging, the queue hand-offs and
/// the pipes. Measured by a client that pipes one LSP-framed request at a time to a fresh `explaind`.
public struct DaemonOverhead: Sendable {
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
        _ = try client.call(.object(["jsonrpc": .string("2.0"), "id": .integer(0), "method": .string("initialize")]))
        var roundTrips: [Double] = [], engine: [Double] = [], overhead: [Double] = []
        for id in 1...(requests + 5) {
            let request = JSONValue.object(["jsonrpc": .string("2.0"), "id": .integer(id), "method": .string("explain"),
                                            "params": .object(["text": .string(text), "method": .string(method)])])
            let (reply, seconds) = try client.timedCall(request)
            guard let elapsed = reply["result"]?["elapsedMs"]?.doubleValue else {
                throw BenchmarkError.malformedChildOutput(daemon, output: String(JSONSerializer.string(reply).prefix(500)))
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

extension DaemonOverhead: JSONRecord {}

/// A daemon child over pipes, spoken to with LSP framing (ExplainTransport's), one request at a time.
final class PipedDaemon {
    private let pid: pid_t
    private let input: Int32, output: Int32
    private var parser = LSPFrameParser(maxFrameBytes: Int.max)
    private var pending: [[UInt8]] = []

    init(executable: String, arguments: [String]) throws {
        var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0]
        guard pipe(&toChild) == 0, pipe(&fromChild) == 0 else { throw BenchmarkError.spawnFailed(executable, reason: "pipe: errno \(errno)") }
        let spawned = Result {
            try ChildProcess.spawn(executable, arguments, standardStreams: [0: toChild[0], 1: fromChild[1]], closing: toChild + fromChild)
        }
        close(toChild[0]); close(fromChild[1])
        do { pid = try spawned.get() } catch {
            close(toChild[1]); close(fromChild[0])
            throw error
        }
        input = toChild[1]
        output = fromChild[0]
    }

    func call(_ request: JSONValue) throws -> JSONValue { try timedCall(request).reply }

    /// Writes one framed request and reads the next frame; the time runs from just before the write of the
    /// request's bytes to the arrival of the reply's last byte (its parsing is not counted).
    func timedCall(_ request: JSONValue) throws -> (reply: JSONValue, seconds: Double) {
        let frame = FrameEncoder.frame(JSONSerializer.serialize(request), as: .lsp)
        let start = Stopwatch.now()
        var written = 0
        while written < frame.count {
            let n = frame[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchmarkError.spawnFailed("explaind", reason: "write: errno \(errno)") }
            written += n
        }
        let body = try readFrame()
        let seconds = Stopwatch.now() - start
        do { return (try JSONParser.parse(body), seconds) } catch {
            throw BenchmarkError.malformedChildOutput("explaind", output: String(decoding: body.prefix(500), as: UTF8.self))
        }
    }

    private func readFrame() throws -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while pending.isEmpty {
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw BenchmarkError.malformedChildOutput("explaind", output: "end of output before a reply") }
            for event in parser.feed(chunk[0..<n]) {
                switch event {
                case .message(let body): pending.append(body)
                case .malformedHeader(let problem): throw BenchmarkError.malformedChildOutput("explaind", output: problem)
                case .oversized: break   // no limit on the daemon's replies
                }
            }
        }
        return pending.removeFirst()
    }

    func finish() {
        close(input)
        close(output)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    }
}
