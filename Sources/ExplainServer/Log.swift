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

/// Logs to stderr, never stdout: stdout belongs to the protocol.
public final class Log: @unchecked Sendable {
    public let level: LogLevel?
    private let lock = NSLock()

    public init(level: LogLevel?) { self.level = level }

    public func callAsFunction(_ level: LogLevel, _ message: @autoclosure () -> String) {
        guard let threshold = self.level, level <= threshold else { return }
        let line = "explaind[\(level.name)] \(message())\n"
        lock.lock()
        defer { lock.unlock() }
        _ = line.withCString { fputs($0, stderr) }
        fflush(stderr)
    }
}
