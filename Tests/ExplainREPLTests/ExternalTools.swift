import Foundation
import XCTest

/// tmux and Chromium drive the REPL and its HTML page as a user would. Outside CI a missing tool skips its
/// test with a message; in CI (CI=true) the tools are installed by Scripts/install-system-packages, so a
/// missing one is a failure.
enum ExternalTool {
    static func find(_ names: [String]) throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        let message = "\(names[0]) is not installed (apt-get install \(names[0]))"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail(message + " — required in CI")
            throw REPLTestError(message)
        }
        throw XCTSkip(message)
    }
}

struct REPLTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A tmux server of its own (a private socket) with one window running a command in a pseudo-terminal.
final class TmuxSession {
    let tmux: String
    let socket = "explain-test-\(getpid())-\(Int.random(in: 0..<1_000_000))"

    init(command: String, width: Int = 160, height: Int = 50) throws {
        tmux = try ExternalTool.find(["tmux"])
        try run(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", command])
    }

    deinit { _ = try? run(["kill-server"]) }

    /// Runs a tmux client to completion. Output goes through files, not pipes (the server that `new-session`
    /// forks would inherit a pipe and hold it open), and the client is spawned and reaped directly: Foundation's
    /// Process can miss the exit of a client whose server it outlives.
    @discardableResult
    func run(_ arguments: [String]) throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString)").path
        defer { unlink(base + ".out"); unlink(base + ".err") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, base + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, base + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // -u: tmux passes UTF-8 through whatever the test process's own locale is
        let argv = [tmux, "-u", "-L", socket, "-f", "/dev/null"] + arguments
        let cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, tmux, &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw REPLTestError("cannot run tmux: \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let out = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw REPLTestError("tmux \(arguments.joined(separator: " ")): \((try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")")
        }
        return out
    }

    /// Keys as tmux names them ("Enter", "Tab", "Up", "C-c", "C-r") or literal text (`literal: true`).
    func send(_ keys: String..., literal: Bool = false) throws {
        try run(["send-keys", "-t", "0"] + (literal ? ["-l"] : []) + keys)
    }

    func type(_ text: String) throws { try send(text, literal: true) }

    /// The screen and scrollback, wrapped lines joined; with `escapes`, the SGR colour codes too.
    func capture(escapes: Bool = false) throws -> String {
        try run(["capture-pane", "-p", "-J", "-S", "-2000", "-t", "0"] + (escapes ? ["-e"] : []))
    }

    /// Waits until `predicate` holds for the screen; fails with the screen when it does not in time.
    @discardableResult
    func wait(for what: String, timeout: Double = 30, escapes: Bool = false,
              _ predicate: (String) -> Bool, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let deadline = Date(timeIntervalSinceNow: timeout)
        var screen = ""
        while Date() < deadline {
            screen = try capture(escapes: escapes)
            if predicate(screen) { return screen }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what); screen:\n\(screen)", file: file, line: line)
        throw REPLTestError("timed out waiting for \(what)")
    }

    func wait(forText text: String, timeout: Double = 30, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try wait(for: "\"\(text)\"", timeout: timeout, { $0.contains(text) }, file: file, line: line)
    }

    func count(_ text: String) throws -> Int { try capture().components(separatedBy: text).count - 1 }

    /// The last non-empty screen line (where the prompt and the line being edited are), without trailing blanks.
    func lastLine() throws -> String {
        let line = try capture().split(separator: "\n").last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        return String(line.reversed().drop { $0 == " " }.reversed())
    }
}
