import Foundation
import ExplainProtocol
import ExplainTransport
#if canImport(Glibc)
import Glibc
#endif

/// A child `explaind` behind two pipes, spoken to in JSON-RPC 2.0 with LSP framing. A reader thread frames
/// the daemon's stdout; replies are matched to requests by id, `$/progress` notifications are kept per token.
/// The child runs in its own process group, so the terminal's Ctrl-C reaches only the REPL, which then asks
/// for cancellation with `$/cancelRequest`.
public final class ServerConnection: @unchecked Sendable {
    public let pid: pid_t
    private let toServer: Int32
    private let condition = NSCondition()
    private var replies: [RequestID: JSONValue] = [:]
    private var progress: [String: Progress] = [:]
    private var closed = false
    private var closeReason: String? = nil
    private var stderrLines: [String] = []
    private var exitStatus: Int32? = nil
    private var nextID = 1

    /// The latest work-done progress of one request.
    public struct Progress: Equatable, Sendable {
        public var title: String
        public var message: String?
        public var percentage: Int?
    }

    /// How a wait continues after each tick.
    public enum WaitDecision { case keepWaiting, cancel, abandon }

    /// Starts `argv` (argv[0] a path, or a name found on PATH).
    public init(argv: [String]) throws {
        signal(SIGPIPE, SIG_IGN)  // a dead daemon must give EPIPE on write, not kill the REPL
        var stdinPipe: [Int32] = [0, 0], stdoutPipe: [Int32] = [0, 0], stderrPipe: [Int32] = [0, 0]
        for i in 0..<3 {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw REPLError.serverStart("pipe: \(String(cString: strerror(errno)))") }
            // close-on-exec: only the dup2'd ends reach the child
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            switch i { case 0: stdinPipe = fds; case 1: stdoutPipe = fds; default: stderrPipe = fds }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Own process group: the terminal's SIGINT is for the REPL only. Default dispositions for the signals
        // the REPL ignores or catches.
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for s in [SIGPIPE, SIGINT, SIGTERM, SIGWINCH] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF))

        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawnp(&child, argv[0], &actions, &attributes, cArguments, environ)
        close(stdinPipe[0]); close(stdoutPipe[1]); close(stderrPipe[1])
        guard status == 0 else {
            close(stdinPipe[1]); close(stdoutPipe[0]); close(stderrPipe[0])
            throw REPLError.serverStart("\(argv[0]): \(String(cString: strerror(status)))")
        }
        pid = child
        toServer = stdinPipe[1]
        let output = stdoutPipe[0], errors = stderrPipe[0]
        Thread { [self] in readMessages(from: output) }.start()
        Thread { [self] in readLog(from: errors) }.start()
    }

    deinit { close(toServer) }

    // MARK: sending

    /// Sends a request and returns its id without waiting.
    public func send(method: String, params: JSONValue?) throws -> RequestID {
        condition.lock()
        let id = RequestID.number(nextID)
        nextID += 1
        condition.unlock()
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "id": id.json, "method": .string(method)]
        if let params { message["params"] = params }
        try write(.object(message))
        return id
    }

    public func notify(method: String, params: JSONValue?) throws {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        try write(.object(message))
    }

    private func write(_ message: JSONValue) throws {
        let bytes = FrameEncoder.frame(JSONSerializer.serialize(message), as: .lsp)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(toServer, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw deadServerError()
            }
            offset += n
        }
    }

    // MARK: waiting

    /// Sends a request and waits for its reply. `tick` runs about ten times a second while waiting (spinner,
    /// Ctrl-C): `.cancel` sends `$/cancelRequest` once and keeps waiting for the -32800 reply, `.abandon`
    /// stops waiting (a late reply is dropped).
    public func request(_ method: String, _ params: JSONValue?, tick: ((RequestID) -> WaitDecision)? = nil) throws -> JSONValue {
        let id = try send(method: method, params: params)
        var cancelSent = false
        while true {
            condition.lock()
            if let reply = replies.removeValue(forKey: id) {
                condition.unlock()
                return try Self.result(of: reply)
            }
            if closed {
                condition.unlock()
                throw deadServerError()
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1))
            condition.unlock()
            switch tick?(id) ?? .keepWaiting {
            case .keepWaiting: break
            case .cancel:
                if !cancelSent {
                    cancelSent = true
                    try notify(method: "$/cancelRequest", params: ["id": id.json])
                }
            case .abandon:
                condition.lock(); abandoned.insert(id); condition.unlock()
                throw REPLError.abandoned
            }
        }
    }
    private var abandoned: Set<RequestID> = []

    static func result(of reply: JSONValue) throws -> JSONValue {
        if let error = reply["error"], error != .null {
            throw REPLError.remote(code: error["code"]?.intValue ?? 0, message: error["message"]?.stringValue ?? "error",
                                   data: error["data"])
        }
        guard let result = reply["result"] else { throw REPLError.unexpectedReply("neither result nor error") }
        return result
    }

    public func progress(token: String) -> Progress? {
        condition.lock(); defer { condition.unlock() }
        return progress[token]
    }

    // MARK: lifecycle

    /// `shutdown`, then `exit`, then waits for the process (SIGTERM after `grace` seconds).
    public func stop(grace: Double = 3) -> Int32? {
        if (try? request("shutdown", nil, tick: { _ in .keepWaiting })) != nil {
            try? notify(method: "exit", params: nil)
        }
        close(toServer)
        let deadline = Date(timeIntervalSinceNow: grace)
        while Date() < deadline {
            if let status = reap(block: false) { return status }
            usleep(20_000)
        }
        kill(pid, SIGTERM)
        return reap(block: true)
    }

    /// The exit status once the child is gone.
    private func reap(block: Bool) -> Int32? {
        condition.lock(); defer { condition.unlock() }
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        let r = waitpid(pid, &status, block ? 0 : WNOHANG)
        guard r == pid else { return nil }
        // WIFEXITED / WEXITSTATUS by hand: the macros do not import into Swift.
        exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return exitStatus
    }

    public var logTail: String {
        condition.lock(); defer { condition.unlock() }
        return stderrLines.suffix(20).joined(separator: "\n")
    }

    private func deadServerError() -> REPLError {
        var status: Int32? = nil
        for _ in 0..<25 {  // give the process a moment to finish writing its last words
            if let s = reap(block: false) { status = s; break }
            usleep(20_000)
        }
        condition.lock(); let reason = closeReason; condition.unlock()
        var log = logTail
        if let reason { log = log.isEmpty ? reason : log + "\n" + reason }
        return .serverExited(status: status, log: log)
    }

    // MARK: reader threads

    private func readMessages(from fd: Int32) {
        var parser = LSPFrameParser(maxFrameBytes: Int.max)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            var broken: String? = nil
            for event in parser.feed(buffer[0..<n]) {
                switch event {
                case .message(let body):
                    guard let message = try? JSONParser.parse(body, maxDepth: 512) else { continue }
                    deliver(message)
                case .malformedHeader(let problem): broken = problem
                case .oversized: break  // no limit on the daemon's replies
                }
            }
            if let broken {
                condition.lock(); closeReason = "broken framing from the daemon: \(broken)"; condition.unlock()
                break
            }
        }
        close(fd)
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func deliver(_ message: JSONValue) {
        condition.lock(); defer { condition.unlock() }
        if let method = message["method"]?.stringValue {
            // The daemon sends only notifications; $/progress is the one the REPL shows.
            guard method == "$/progress", let params = message["params"], let token = params["token"],
                  let value = params["value"] else { return }
            let key = token.stringValue ?? token.intValue.map(String.init) ?? ""
            let kind = value["kind"]?.stringValue
            var state = progress[key] ?? Progress(title: "", message: nil, percentage: nil)
            if kind == "begin" { state.title = value["title"]?.stringValue ?? "" }
            if let m = value["message"]?.stringValue { state.message = m }
            if let p = value["percentage"]?.intValue { state.percentage = p }
            if kind == "end" { progress[key] = nil } else { progress[key] = state }
            return
        }
        guard let rawID = message["id"], let id = RequestID(json: rawID) else { return }
        if abandoned.remove(id) != nil { return }
        replies[id] = message
        condition.broadcast()
    }

    private func readLog(from fd: Int32) {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                condition.lock()
                stderrLines.append(line)
                if stderrLines.count > 200 { stderrLines.removeFirst(100) }
                condition.unlock()
            }
        }
        if !pending.isEmpty {
            condition.lock(); stderrLines.append(String(decoding: pending, as: UTF8.self)); condition.unlock()
        }
        close(fd)
    }
}
