import ExplainJSON
import Foundation

/// The machine a report was measured on, and how busy it was: other work on the same cores shows in
/// every timing, so the load average at the start and the end is part of the result.
public struct MachineInfo: Sendable {
    public var cpu: String
    public var logicalCores: Int
    public var loadAverageAtStart: Double
    public var loadAverageAtEnd: Double?

    public static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        return MachineInfo(cpu: model, logicalCores: ProcessInfo.processInfo.activeProcessorCount,
                           loadAverageAtStart: loadAverage(), loadAverageAtEnd: nil)
    }

    /// The one-minute load average (/proc/loadavg).
    public static func loadAverage() -> Double {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").first.flatMap { Double($0) } ?? .nan
    }
}

extension MachineInfo: JSONRecord {}
