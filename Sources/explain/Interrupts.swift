import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C, counted by a SIGINT handler. Installed without SA_RESTART so that a blocking read (libedit's
/// readline at the prompt) returns and the REPL can decide: clear the line, cancel a request, or leave.
enum Interrupts {
    static let count = Atomic<Int>(0)

    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in Interrupts.count.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }

    static var current: Int { count.load(ordering: .relaxed) }
}
