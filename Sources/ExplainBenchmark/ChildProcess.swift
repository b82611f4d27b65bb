import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A command run to completion in a fresh process, measured from outside: wall time from spawn to exit and
/// the child's own peak resident set size as the kernel reports it (wait4's rusage.ru_maxrss).
public struct ChildRun: Sendable {
    public var wallSeconds: Double
    public var exitStatus: Int32
    public var peakRSSBytes: Int
    public var standardOutput: String
    public var standardError: String
}

public enum ChildProcess {
    /// Runs `executable` (a path, or a name looked up in PATH) with `arguments`; stdout is captured, and stderr
    /// too unless `passStandardError` lets the child's progress through to ours.
    public static func run(_ executable: String, _ arguments: [String], passStandardError: Bool = false) throws -> ChildRun {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw BenchmarkError.spawnFailed(executable, reason: "pipe: errno \(errno)") }
        let start = Stopwatch.now()
        let spawned = Result {
            try spawn(executable, arguments, standardStreams: passStandardError ? [1: outPipe[1]] : [1: outPipe[1], 2: errPipe[1]],
                      closing: outPipe + errPipe)
        }
        close(outPipe[1]); close(errPipe[1])
        let pid: pid_t
        do { pid = try spawned.get() } catch {
            close(outPipe[0]); close(errPipe[0])
            throw error
        }
        // Read both pipes to the end (stderr after stdout: the children write little to stderr).
        let output = readAll(outPipe[0]), errors = readAll(errPipe[0])
        var usage = rusage(), exitStatus: Int32 = 0
        while wait4(pid, &exitStatus, 0, &usage) < 0 && errno == EINTR {}
        let wall = Stopwatch.now() - start
        // WIFEXITED / WEXITSTATUS: the low 7 bits are the terminating signal, 0 when it exited.
        let code: Int32 = (exitStatus & 0x7f) == 0 ? (exitStatus >> 8) & 0xff : 128 + (exitStatus & 0x7f)
        return ChildRun(wallSeconds: wall, exitStatus: code, peakRSSBytes: Int(usage.ru_maxrss) * 1024,
                        standardOutput: output, standardError: errors)
    }

    /// Spawns `executable` (a path, or a name looked up in PATH) with `standardStreams` (child descriptor →
    /// ours, e.g. 1: a pipe's write end) in place and `closing` closed in the child.
    static func spawn(_ executable: String, _ arguments: [String], standardStreams: [Int32: Int32],
                      closing: [Int32]) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (child, ours) in standardStreams { posix_spawn_file_actions_adddup2(&actions, ours, child) }
        for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid: pid_t = 0
        let status = argv.withUnsafeBufferPointer { posix_spawnp(&pid, executable, &actions, nil, $0.baseAddress!, environ) }
        guard status == 0 else { throw BenchmarkError.spawnFailed(executable, reason: String(cString: strerror(status))) }
        return pid
    }

    private static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) } else if n < 0 && errno == EINTR { continue } else { break }
        }
        close(fd)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// This process's executable (/proc/self/exe), to spawn fresh copies of it.
    public static func ownExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(cString: buffer) : CommandLine.arguments[0]
    }

    /// The peak resident set size of this process's own memory since it started its executable: the kernel's
    /// VmHWM. (`ru_maxrss` also counts the memory of the process it was spawned from: posix_spawn's child
    /// shares the parent's address space until exec, and the kernel carries that high-water mark over, so a
    /// child of a benchmark holding a large model reported the parent's size.)
    public static func ownHighWaterRSSBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) else { return nil }
        return kilobytes * 1024
    }

    /// The peak resident set size of this process so far (getrusage's ru_maxrss, the kernel's VmHWM), in bytes.
    public static func ownPeakRSSBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}
