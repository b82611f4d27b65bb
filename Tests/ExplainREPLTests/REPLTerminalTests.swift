import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
@testable import ExplainREPL

/// The interactive REPL in a tmux pseudo-terminal, typed at with real key sequences; the screen (with its
/// colour escapes) is compared with the daemon's own replies.
final class REPLTerminalTests: XCTestCase {
    let model = Built.model("distilbert-3labels-bf16")
    var work: URL!

    override func setUpWithError() throws {
        try Built.requireExplainingDaemon()
        work = try scratchDirectory("explain-tmux")
    }

    func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The REPL in tmux, started from the package root, with its own HOME and history file.
    func startREPL(environment: String, extra: [String] = []) throws -> TmuxSession {
        let arguments = Built.explainArguments(["--model", model, "--history", work.appendingPathComponent("history").path] + extra)
        let command = "cd \(shellQuote(Built.packageRoot.path)) && env -u NO_COLOR -u COLORTERM -u LC_ALL -u LC_CTYPE HOME=\(shellQuote(work.path)) \(environment) "
            + ([try Built.explain()] + arguments).map(shellQuote).joined(separator: " ") + "; echo EXITED $?; sleep 600"
        let session = try TmuxSession(command: command)
        try session.wait(forText: "explain> ")
        return session
    }

    /// The background escape tmux reports right before a token's text.
    func background(_ c: RGB) -> String { "\u{1B}[48;2;\(c.r);\(c.g);\(c.b)m" }

    func testHeatmapCompletionHistorySearchBarsCancellationAndExit() throws {
        let repl = try startREPL(environment: "TERM=xterm-256color COLORTERM=truecolor")
        let text = "The senate voted on the new budget bill."
        let replies = try Built.daemonReplies(model: model, [("explain", ["text": .string(text), "method": "vanillaGradient"])])
        let (initialize, expected) = (replies[0], replies[1])

        // 1. a bare line: every token shaded in place with its score's 24-bit colour, then the prediction
        try repl.type(text)
        try repl.send("Enter")
        try repl.wait(forText: "\nmethod vanillaGradient · ")
        let colored = try repl.capture(escapes: true)
        let signed = ServerDescription(try InitializeResult(json: initialize, at: "")).method(named: "vanillaGradient")?.signed ?? false
        let tokens = try XCTUnwrap(expected["tokens"]?.arrayValue).filter { $0["special"] != .bool(true) }
        let scores = try tokens.map { try XCTUnwrap($0["score"]?.doubleValue) }
        let scale = ColorScale.for(signed: signed, scores: scores)
        let maximum = scores.map(abs).max()!
        let scalars = Array(text.unicodeScalars)
        for (token, score) in zip(tokens, scores) {
            var span = String.UnicodeScalarView()
            span.append(contentsOf: scalars[token["start"]!.intValue!..<token["end"]!.intValue!])
            let expectedShade = background(scale.color(score / maximum)) + String(span)
            XCTAssertTrue(colored.contains(expectedShade), "\(String(span)) should be shaded \(scale.color(score / maximum)) for \(score)")
        }
        let prediction = try XCTUnwrap(expected["prediction"])
        let label = try XCTUnwrap(prediction["label"]?.stringValue)
        let probabilities = try XCTUnwrap(prediction["probabilities"]?.arrayValue).compactMap(\.doubleValue)
        let screen = try repl.capture()
        XCTAssertTrue(screen.contains("prediction \(label) (\(String(format: "%.4f", probabilities[prediction["index"]!.intValue!])))"), screen)
        for (name, p) in zip(["political", "general", "other"], probabilities) {
            XCTAssertTrue(screen.contains("\(name) \(String(format: "%.4f", p))"), "\(name) \(p)")
        }

        // 2. Tab completion: a command, a method name, a label, the options list (double Tab), a path
        try repl.type(":met")
        try repl.send("Tab")
        try repl.wait(for: "command completion", { _ in (try? repl.lastLine().hasSuffix("explain> :method")) ?? false })
        try repl.type("integ")
        try repl.send("Tab")
        try repl.wait(for: "method completion", { _ in (try? repl.lastLine().hasSuffix(":method integratedGradients")) ?? false })
        try repl.send("Enter")
        try repl.wait(forText: "\nmethod integratedGradients")
        try repl.type(":target po")
        try repl.send("Tab")
        try repl.wait(for: "label completion", { _ in (try? repl.lastLine().hasSuffix(":target political")) ?? false })
        try repl.send("Enter")
        try repl.wait(forText: "\ntarget political")
        try repl.type(":set ")
        try repl.send("Tab", "Tab")
        try repl.wait(for: "the option list", { $0.contains("steps") && $0.contains("baseline") && $0.contains("adaptive") })
        try repl.send("C-u")
        try repl.type(":load Tests/Fixtures/models/distil")
        try repl.send("Tab")
        try repl.wait(for: "path completion", { _ in
            (try? repl.lastLine().hasSuffix(":load Tests/Fixtures/models/distilbert-3labels-bf16/")) ?? false })
        try repl.send("C-u")

        // 3. history: Up recalls the last lines, Ctrl-R finds the first text again
        try repl.send("Up")
        try repl.wait(for: "Up", { _ in (try? repl.lastLine().hasSuffix("explain> :target political")) ?? false })
        try repl.send("Up")
        try repl.wait(for: "Up Up", { _ in (try? repl.lastLine().hasSuffix("explain> :method integratedGradients")) ?? false })
        try repl.send("C-u")
        try repl.send("C-r")
        try repl.type("senate")
        // libedit shows the match on the edited line and "bck:PATTERN" below it
        try repl.wait(for: "Ctrl-R search", { screen in
            let lines = screen.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return lines.count >= 2 && lines.last!.hasPrefix("bck:senate") && lines[lines.count - 2].hasPrefix("explain> " + text)
        })
        try repl.send("Enter")
        try repl.wait(forText: "method integratedGradients · target political")

        // 4. bars
        try repl.type(":bars")
        try repl.send("Enter")
        try repl.type("Vote today")
        try repl.send("Enter")
        try repl.wait(for: "a bar chart", { $0.contains("│") && $0.contains("█") && $0.contains("  today") })

        // 5. Ctrl-C cancels a long integrated-gradients request ($/cancelRequest), the REPL carries on
        try repl.type(":bars off")
        try repl.send("Enter")
        try repl.type(":set steps=1024")
        try repl.send("Enter")
        let predictionsBefore = try repl.count("\nprediction ")
        try repl.type(String(repeating: "The committee debated the tax bill and the senate voted late at night. ", count: 5))
        try repl.send("Enter")
        try repl.wait(for: "the spinner with progress", timeout: 60, { s in
            s.contains("integratedGradients") && s.contains("(Ctrl-C cancels)") && s.range(of: #"integratedGradients \d+%"#, options: .regularExpression) != nil
        })
        let interrupted = Date()
        try repl.send("C-c")
        // Cancelling 1024 steps must not wait for them; the bound is generous for a loaded machine, and the
        // time is reported rather than asserted.
        try repl.wait(forText: "\ncancelled", timeout: 60)
        print("REPL cancel answered in \(String(format: "%.2f", Date().timeIntervalSince(interrupted))) s")
        XCTAssertEqual(try repl.count("\nprediction "), predictionsBefore, "the cancelled request printed no result")
        try repl.type(":method vanillaGradient")
        try repl.send("Enter")
        try repl.type("still alive")
        try repl.send("Enter")
        try repl.wait(for: "an explanation after the cancel", { $0.components(separatedBy: "\nprediction ").count - 1 == predictionsBefore + 1 })

        // 6. Ctrl-C at an empty prompt warns, a second one leaves (exit status 0)
        try repl.send("C-c")
        try repl.wait(forText: "(Ctrl-C again or Ctrl-D to quit)")
        try repl.send("C-c")
        try repl.wait(forText: "EXITED 0")

        // the history file kept the lines
        let history = try String(contentsOf: work.appendingPathComponent("history"), encoding: .utf8)
        XCTAssertTrue(history.contains(":method\\040integratedGradients") || history.contains(":method integratedGradients"), history)
        XCTAssertTrue(history.contains("senate"), history)
    }

    func testColourFallbacksAndCtrlD() throws {
        // 256 colours when COLORTERM does not announce truecolor
        let palette = try startREPL(environment: "TERM=xterm-256color")
        try palette.type("The senate voted.")
        try palette.send("Enter")
        try palette.wait(forText: "\nmethod vanillaGradient · ")
        let screen = try palette.capture(escapes: true)
        XCTAssertTrue(screen.range(of: "\u{1B}\\[48;5;\\d+m(senate|The)", options: .regularExpression) != nil, screen)
        XCTAssertFalse(screen.contains("48;2;"))
        try palette.send("C-d")
        try palette.wait(forText: "EXITED 0")

        // NO_COLOR: plain token[score] even on a terminal
        let plain = try startREPL(environment: "TERM=xterm-256color COLORTERM=truecolor NO_COLOR=1")
        try plain.type("The senate voted.")
        try plain.send("Enter")
        try plain.wait(for: "plain scores", { $0.range(of: #"senate\[-?[0-9.]+(e[-+]\d+)?\]"#, options: .regularExpression) != nil })
        XCTAssertFalse(try plain.capture(escapes: true).contains("48;"))
        try plain.type(":quit")
        try plain.send("Enter")
        try plain.wait(forText: "EXITED 0")
    }

    /// A UTF-8 locale other than C.UTF-8, compiled into the test's own directory (Debian ships only C.UTF-8
    /// compiled); nil when localedef or its sources are missing.
    func compiledLocale(_ name: String) -> String? {
        let dir = work.appendingPathComponent("locales")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        guard let localedef = try? ExternalTool.find(["localedef"]),
              let run = try? Built.run(localedef, ["-i", "en_US", "-f", "UTF-8", dir.appendingPathComponent(name).path]),
              FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).appendingPathComponent("LC_CTYPE").path)
        else { return nil }
        _ = run
        return dir.path
    }

    func testNonASCIITypedAtThePromptReachesTheDaemonInEveryLocale() throws {
        let text = "Café naïve Ọbasanjọ 東京"
        let expected = try Built.daemonResults(model: model, [("tokenize", ["text": .string(text)])])[0]
        let pieces = try XCTUnwrap(expected["tokens"]?.arrayValue).map { try XCTUnwrap($0["text"]?.stringValue) }
        XCTAssertTrue(pieces.contains("cafe") && pieces.contains("東"), "\(pieces)")
        var locales = ["LANG=C.UTF-8", "LANG=C"]  // C: the REPL falls back to C.UTF-8 for its line editor
        if let dir = compiledLocale("en_US.UTF-8") { locales.insert("LOCPATH=\(shellQuote(dir)) LANG=en_US.UTF-8", at: 0) }
        else { print("localedef could not compile en_US.UTF-8: testing C.UTF-8 and C only") }
        for locale in locales {
            let repl = try startREPL(environment: "TERM=xterm-256color " + locale)
            try repl.type(":tokenize " + text)
            try repl.wait(for: "the typed text on the line (\(locale))", { _ in (try? repl.lastLine().hasSuffix(":tokenize " + text)) ?? false })
            try repl.send("Enter")
            let screen = try repl.wait(forText: "\n" + pieces.joined(separator: " ") + "\n")
            XCTAssertTrue(screen.contains("explain> :tokenize " + text), "\(locale): \(screen)")
            try repl.send("C-d")
            try repl.wait(forText: "EXITED 0")
        }
    }

    func testCtrlCClearsATypedLineAndOnlyTwiceAtAnEmptyPromptLeaves() throws {
        let repl = try startREPL(environment: "TERM=xterm-256color")
        func prompts() throws -> Int { try repl.count("explain> ") }
        // Ctrl-C on typed lines: cleared (nothing explained), never a reason to leave
        for typed in ["The senate voted", "another line", "a third"] {
            let before = try prompts()
            try repl.type(typed)
            try repl.send("C-c")
            try repl.wait(for: "a fresh prompt after Ctrl-C on \"\(typed)\"", { _ in ((try? prompts()) ?? 0) == before + 1 })
            XCTAssertTrue(try repl.capture().contains("explain> \(typed)^C\n"))
            XCTAssertEqual(try repl.lastLine(), "explain>")
        }
        XCTAssertEqual(try repl.count("\nprediction "), 0, "a cleared line is not explained")
        XCTAssertFalse(try repl.capture().contains("Ctrl-C again"), "Ctrl-C on a typed line does not count towards leaving")
        // the line after a clear starts empty and works
        try repl.type("Vote today")
        try repl.send("Enter")
        try repl.wait(forText: "\nprediction ")
        // one Ctrl-C at an empty prompt warns; a typed line then resets the count
        try repl.send("C-c")
        try repl.wait(forText: "(Ctrl-C again or Ctrl-D to quit)")
        try repl.type("typed after the warning")
        try repl.send("C-c")
        try repl.wait(forText: "typed after the warning^C")
        try repl.send("C-c")
        try repl.wait(for: "a second warning", { $0.components(separatedBy: "(Ctrl-C again or Ctrl-D to quit)").count == 3 })
        XCTAssertFalse(try repl.capture().contains("EXITED"))
        // and a second Ctrl-C in a row at the empty prompt leaves
        try repl.send("C-c")
        try repl.wait(forText: "EXITED 0")
    }

    func testAliasesFoilContextLegendSpansAndPrettyJSONAtThePrompt() throws {
        let repl = try startREPL(environment: "TERM=xterm-256color COLORTERM=truecolor")
        func enter(_ line: String) throws { try repl.type(line); try repl.send("Enter") }
        try enter(":method IG")
        try repl.wait(forText: "\nmethod integratedGradients")
        try enter(":set steps=8")
        try enter(":target political")
        try enter(":foil political")
        try repl.wait(forText: "error: the foil must differ from the target (both political)")
        try enter(":foil general")
        try repl.wait(forText: "\nfoil general")
        try enter("Vote for the budget")
        let screen = try repl.wait(forText: "blue: towards political rather than general")
        XCTAssertTrue(screen.contains("· output logit · normalize max · token granularity · model distilbert-3labels-bf16 · "), screen)
        XCTAssertTrue(screen.range(of: #"\n8 steps, completeness gap -?[0-9.e+-]+ \([0-9.e+-]+% of f\(x\) − f\(baseline\)\), baseline pad\n"#,
                                   options: .regularExpression) != nil, screen)
        try enter(":json")
        try repl.wait(forText: "\n  \"method\": \"integratedGradients\",\n")
        try enter(":tokenize Vote")
        try repl.wait(forText: "vote            [0, 4)     word 0")
        try repl.send("C-d")
        try repl.wait(forText: "EXITED 0")
    }
}
