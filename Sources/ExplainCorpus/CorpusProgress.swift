#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Progress on stderr: on a terminal a bar redrawn in place (texts done, texts/s, time left); otherwise a plain
/// line every `interval` seconds and at the end, so logs stay readable.
final class CorpusProgress {
    let total: Int
    private var done: Int
    private let startDone: Int
    private let started = Date()
    private var lastLine = Date.distantPast
    private let terminal: Bool
    private let interval: TimeInterval

    init(total: Int, alreadyDone: Int, terminal: Bool = isatty(STDERR_FILENO) == 1, interval: TimeInterval = 10) {
        self.total = total
        done = alreadyDone
        startDone = alreadyDone
        self.terminal = terminal
        self.interval = interval
    }

    func advance(by count: Int) {
        done += count
        let now = Date()
        if terminal { draw(now) } else if now.timeIntervalSince(lastLine) >= interval || done == total {
            lastLine = now
            fputs("explaind corpus: \(status(now))\n", stderr)
        }
    }

    func finish() {
        if terminal { draw(Date()); fputs("\n", stderr) }
    }

    private func draw(_ now: Date) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        fputs("\r\(bar) \(status(now))\u{1B}[K", stderr)
    }

    /// "120/1000 texts, 35.2 texts/s, 25 s left"
    func status(_ now: Date) -> String {
        let seconds = now.timeIntervalSince(started)
        let rate = seconds > 0 ? Double(done - startDone) / seconds : 0
        var text = "\(done)/\(total) texts"
        if rate > 0 {
            text += String(format: ", %.1f texts/s", rate)
            if done < total { text += ", \(Self.duration(Double(total - done) / rate)) left" }
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h \(s % 3600 / 60) min"
    }
}
