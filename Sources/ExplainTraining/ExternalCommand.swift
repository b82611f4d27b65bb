import Foundation

/// Runs a helper program (python3 -m pip, unzip) found on PATH, with its stdout and stderr merged into
/// one pipe that is read line by line, so a caller can relay progress. The child's output never reaches
/// our stdout, which belongs to the protocol when the daemon assembles its default model.
struct ExternalCommand {
    var arguments: [String]

    var display: String { arguments.joined(separator: " ") }

    struct Result {
        var status: Int32
        var lines: [String]
        /// The last lines, for error messages.
        func tail(_ count: Int = 12) -> String { lines.suffix(count).joined(separator: "\n") }
    }

    /// Status 127 is /usr/bin/env's "command not found".
    static let notFoundStatus: Int32 = 127

    func run(onLine: (String) -> Void = { _ in }) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw TrainingError.fileSystem(path: "/usr/bin/env", reason: "cannot start \(arguments.first ?? "?"): \(error.localizedDescription)")
        }
        // Our copy of the write end must go, or the read below never sees end of file.
        try? pipe.fileHandleForWriting.close()
        var lines: [String] = []
        var partial = Data()
        let reader = pipe.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            partial.append(chunk)
            while let newline = partial.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: partial[partial.startIndex..<newline], as: UTF8.self)
                partial.removeSubrange(partial.startIndex...newline)
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { lines.append(trimmed); onLine(trimmed) }
            }
        }
        let last = String(decoding: partial, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if !last.isEmpty { lines.append(last); onLine(last) }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, lines: lines)
    }
}
