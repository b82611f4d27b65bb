import ExplainREPL
#if canImport(Glibc)
import Glibc
#endif

/// The interactive request watcher: a spinner with the daemon's `$/progress` percentage on stderr (only
/// when stderr is a terminal, and only after a short delay so quick requests do not flicker), and Ctrl-C
/// turned into `$/cancelRequest` (a second Ctrl-C stops waiting).
final class Spinner: RequestWatcher {
    private let frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
    private let draw = isatty(2) == 1
    private var title = ""
    private var ticks = 0
    private var shown = false
    private var interruptsAtStart = 0
    private var cancelling = false

    func begin(title: String) {
        self.title = title
        ticks = 0
        shown = false
        cancelling = false
        interruptsAtStart = Interrupts.current
    }

    func tick(progress: ServerConnection.Progress?) -> ServerConnection.WaitDecision {
        ticks += 1
        let interrupts = Interrupts.current - interruptsAtStart
        var decision = ServerConnection.WaitDecision.keepWaiting
        if interrupts >= 2 { decision = .abandon }
        else if interrupts == 1 {
            if !cancelling { cancelling = true }
            decision = .cancel
        }
        if draw, ticks >= 2 {
            var line = "\r\(frames[ticks % frames.count]) \(title)"
            if let p = progress?.percentage { line += " \(p)%" }
            if let m = progress?.message, !m.isEmpty { line += " · \(m)" }
            line += cancelling ? "  cancelling… (Ctrl-C again to stop waiting)" : "  (Ctrl-C cancels)"
            fputs(line + "\u{1B}[K", stderr)
            shown = true
        }
        return decision
    }

    func end() {
        if shown { fputs("\r\u{1B}[K", stderr) }
        shown = false
    }
}
