import Foundation

/// A program run to its end behind pipes, as the tests run the built binaries and the reference scripts.
public enum Subprocess {
    public struct Run: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    public struct Timeout: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `executable` with `input` on stdin (then closed) and reads stdout and stderr on their own threads, so
    /// neither pipe fills while the other is read. `environment` entries are set (nil: removed) on top of ours.
    /// A run past `timeout` seconds is killed and throws, so a hung child fails the test instead of hanging it.
    public static func run(_ executable: URL, _ arguments: [String], input: String = "", environment: [String: String?] = [:],
                           timeout: TimeInterval = 600) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
        }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let out = Box(), err = Box()
        let group = DispatchGroup()
        group.enter(); DispatchQueue.global().async { out.data = stdout.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { err.data = stderr.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        if !input.isEmpty { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        guard group.wait(timeout: .now() + timeout) == .success else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw Timeout(description: "\(executable.path) did not finish in \(Int(timeout)) s")
        }
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: out.data, as: UTF8.self),
                   stderr: String(decoding: err.data, as: UTF8.self))
    }
}
