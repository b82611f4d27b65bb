#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time from the monotonic clock, and the CPU time of the whole process (every thread, user and
/// system): on a busy machine the wall time includes waiting for a core, the CPU time does not (but it does
/// include threads spinning while they wait for each other).
public enum Stopwatch {
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    public static func cpuNow() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    /// Wall and CPU seconds of `body`.
    public static func measureBoth(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        let start = now(), cpuStart = cpuNow()
        try body()
        return (now() - start, cpuNow() - cpuStart)
    }

    /// Seconds `body` takes, and its result.
    public static func measure<T>(_ body: () throws -> T) rethrows -> (seconds: Double, result: T) {
        let start = now()
        let result = try body()
        return (now() - start, result)
    }
}
