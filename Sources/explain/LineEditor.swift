import CEditLine
import ExplainREPL
#if canImport(Glibc)
import Glibc
#endif

/// libedit through its readline-compatible API (Swift cannot call the variadic `el_set`): line editing,
/// history in a file, Ctrl-R incremental search, and Tab completion asked of `Completion`.
enum LineEditor {
    /// What completion reads; set by the REPL loop before each prompt.
    nonisolated(unsafe) static var session: Session?
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var candidateIndex = 0
    nonisolated(unsafe) static var historyFile: String?
    nonisolated(unsafe) static var lastHistoryLine: String?

    static func start(historyFile: String?) {
        rl_readline_name = UnsafePointer(strdup("explain"))
        rl_initialize()
        using_history()
        stifle_history(2000)
        self.historyFile = historyFile
        if let historyFile { _ = read_history(historyFile) }
        // libedit's readline emulation binds ^R to em-inc-search-prev already; bind it again in case an
        // ~/.editrc changed it.
        _ = rl_parse_and_bind("bind ^R em-inc-search-prev")
        rl_attempted_completion_function = { text, start, _ in
            rl_attempted_completion_over = 1
            rl_completion_append_character = 32
            guard let session = LineEditor.session, let buffer = rl_line_buffer, let text else { return nil }
            let line = Array(String(cString: buffer).utf8)
            let before = String(decoding: line.prefix(Int(start)), as: UTF8.self)
            let word = String(cString: text)
            let result = Completion.complete(before: before, word: word, server: session.server, settings: session.settings)
            switch result.kind {
            case .nothing: return nil
            case .words(let words):
                guard !words.isEmpty else { return nil }
                LineEditor.candidates = words
                rl_completion_append_character = Int32(result.append?.asciiValue ?? 0)
                return rl_completion_matches(text, { _, state in
                    if state == 0 { LineEditor.candidateIndex = 0 }
                    guard LineEditor.candidateIndex < LineEditor.candidates.count else { return nil }
                    LineEditor.candidateIndex += 1
                    return strdup(LineEditor.candidates[LineEditor.candidateIndex - 1])
                })
            }
        }
    }

    /// One line, or nil at end of input (Ctrl-D) or when interrupted (Ctrl-C: check `Interrupts`).
    static func readLine(prompt: String) -> String? {
        guard let raw = readline(prompt) else { return nil }
        defer { free(raw) }
        return String(cString: raw)
    }

    static func remember(_ line: String) {
        guard !line.trimmingCharacters(in: " \t").isEmpty, line != lastHistoryLine else { return }
        lastHistoryLine = line
        add_history(line)
        if let historyFile { _ = write_history(historyFile) }
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
