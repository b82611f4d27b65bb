#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// SIGTERM, SIGINT and SIGHUP all end the daemon the same way: cancel what is in flight, answer it, exit.
/// The handler only writes the signal's number to a pipe (async-signal-safe, whichever thread the kernel
/// picks); a thread of ours reads the pipe and does the work. A dispatch signal source was not enough: on
/// Linux it reads a signalfd, which sees the signal only if every thread blocks it, so a signal sent while
/// some thread did not could be lost (the daemon then never exited).
public enum TerminationSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGHUP]
    /// The pipe's read and write ends, at a fixed address the handler reads.
    nonisolated(unsafe) private static let pipeFDs: UnsafeMutablePointer<Int32> = {
        let fds = UnsafeMutablePointer<Int32>.allocate(capacity: 2)
        fds.initialize(repeating: -1, count: 2)
        return fds
    }()

    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }

    /// Installs the handlers; `onSignal` runs on a dedicated thread, once per signal received.
    public static func install(_ onSignal: @escaping @Sendable (Int32) -> Void) {
        guard pipe(pipeFDs) == 0 else { return }
        for i in 0..<2 { _ = fcntl(pipeFDs[i], F_SETFD, FD_CLOEXEC) }
        let thread = Thread {
            var number: Int32 = 0
            while true {
                let n = read(pipeFDs[0], &number, MemoryLayout<Int32>.size)
                if n < 0 && errno == EINTR { continue }
                guard n == MemoryLayout<Int32>.size else { return }
                onSignal(number)
            }
        }
        thread.name = "signals"
        thread.start()
        for signal in handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in
                var value = number
                let saved = errno
                _ = write(TerminationSignals.pipeFDs[1], &value, MemoryLayout<Int32>.size)
                errno = saved
            }
            action.sa_flags = SA_RESTART
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, nil)
        }
    }
}
