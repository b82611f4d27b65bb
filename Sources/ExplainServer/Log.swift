#if canImport(Glibc)
import Glibc
#endif
import Foundation

public enum LogLevel: Int, Sendable, Comparable, CaseIterable {
    case error = 0, warning, info, debug

    public init?(name: String) {
        switch name {
        case "error": self = .error
        case "warning", "warn": self = .warning
        case "info": self = .info
        case "debug": self = .debug
        case "off", "none": return nil
        default: return nil
        }
    }
    public var name: String { ["error", "warning", "info", "debug"][rawValue] }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// Logs to stderr, never stdout: stdout belongs to the protocol. Logging never blocks the protocol: lines go
/// into a bounded queue that one thread writes out, so a client that pipes stderr and never reads it stalls
/// only that thread (lines past the queue's capacity are dropped and counted). Repeated lines of one kind
/// (one call site) are limited to one per second, the next one saying how many were suppressed.
public final class Log: @unchecked Sendable {
    public let level: LogLevel?
    /// Lines waiting for stderr before new ones are dropped.
    static let queueCapacity = 256
    private let condition = NSCondition()
    private var queue: [String] = []
    private var dropped = 0
    private var writerStarted = false
    /// Per call site: the second of its last line, and the lines suppressed since.
    private var recent: [String: (second: Int, suppressed: Int)] = [:]
    private let write: @Sendable (String) -> Void

    public init(level: LogLevel?, write: @escaping @Sendable (String) -> Void = Log.writeToStandardError) {
        self.level = level
        self.write = write
    }

    public static let writeToStandardError: @Sendable (String) -> Void = { line in
        _ = line.withCString { fputs($0, stderr) }
        fflush(stderr)
    }

    public func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String,
                               file: StaticString = #fileID, line: UInt = #line) {
        guard let threshold = self.level, level <= threshold else { return }
        let kind = "\(file):\(line)"
        let second = Int(Self.start.duration(to: .now).components.seconds)
        condition.lock()
        defer { condition.unlock() }
        var note = ""
        if let last = recent[kind], last.second == second {
            recent[kind] = (second, last.suppressed + 1)
            return
        } else if let last = recent[kind], last.suppressed > 0 {
            note = " (\(last.suppressed) more like the previous one suppressed)"
        }
        if recent.count > 4096 { recent.removeAll() }
        recent[kind] = (second, 0)
        enqueue("explaind[\(level.name)] \(message())\(note)\n")
    }

    private static let start = ContinuousClock.now

    /// With the lock held.
    private func enqueue(_ line: String) {
        guard queue.count < Self.queueCapacity else { dropped += 1; return }
        if dropped > 0 {
            queue.append("explaind[warning] \(dropped) log lines dropped: stderr is not being read\n")
            dropped = 0
        }
        queue.append(line)
        if !writerStarted {
            writerStarted = true
            let thread = Thread { [self] in drain() }
            thread.name = "log"
            thread.start()
        }
        condition.signal()
    }

    private func drain() {
        while true {
            condition.lock()
            while queue.isEmpty { condition.wait() }
            let lines = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for line in lines { write(line) }
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Blocks until the queue has been written (or the deadline passes): before the process exits.
    public func flush(timeout: Double = 1) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while !queue.isEmpty, condition.wait(until: deadline) {}
        condition.unlock()
    }
}
