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
        useUTF8CharacterLocale()
        rl_readline_name = UnsafePointer(strdup("explain"))
        rl_initialize()
        using_history()
        stifle_history(2000)
        self.historyFile = historyFile
        if let historyFile { _ = read_history(historyFile) }
        // libedit's readline emulation binds ^R to em-inc-search-prev already; bind it again in case an
        // ~/.editrc changed it.
        _ = rl_parse_and_bind("bind ^R em-inc-search-prev")
        bindInterruptKey()
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

    /// libedit decodes keystrokes with the C library's multibyte functions, which in the C locale (every
    /// program's locale until it calls setlocale) drop every non-ASCII byte: "Café" would reach the daemon
    /// as "Caf". Only the character classification follows the user's locale (numbers keep printing with a
    /// dot), and a locale that is not UTF-8 falls back to C.UTF-8, since the daemon speaks UTF-8 only.
    static func useUTF8CharacterLocale() {
        setlocale(LC_CTYPE, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET))).uppercased()
        if codeset != "UTF-8" && codeset != "UTF8" { setlocale(LC_CTYPE, "C.UTF-8") }
    }

    /// What the prompt gave back.
    enum Input: Equatable {
        case line(String)
        case endOfInput               // Ctrl-D
        case interrupted(typed: Bool)  // Ctrl-C, on a line with text (cleared) or at an empty prompt
    }

    nonisolated(unsafe) static var interruptedWithText: Bool?

    /// At the prompt Ctrl-C is a key, not a signal: the prompt's terminal mode drops ISIG and ^C runs our
    /// command, which libedit calls with `rl_end` up to date, so the REPL knows whether a line was being
    /// typed (a SIGINT would only say that Ctrl-C was pressed). Between prompts the terminal is back in its
    /// own mode and Ctrl-C is SIGINT again, which cancels a running request.
    static func bindInterruptKey() {
        // readline() resets libedit's terminal modes on every call, so the mode is set again each time,
        // in the hook that runs after that reset
        rl_pre_input_hook = { _ = rl_parse_and_bind("setty -d -isig"); return 0 }
        _ = rl_add_defun("explain-interrupt", { _, _ in
            LineEditor.interruptedWithText = rl_end > 0
            rl_done = 1  // ends el_gets with nothing read: readline returns NULL, the typed text is dropped
            return 0
        }, 3)
    }

    static func readLine(prompt: String) -> Input {
        interruptedWithText = nil
        let interruptsBefore = Interrupts.current
        let raw = readline(prompt)
        defer { free(raw) }
        if let typed = interruptedWithText { return .interrupted(typed: typed) }
        if Interrupts.current != interruptsBefore { return .interrupted(typed: false) }  // a SIGINT from elsewhere
        guard let raw else { return .endOfInput }
        return .line(String(cString: raw))
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
