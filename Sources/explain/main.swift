import ExplainREPL
#if canImport(Glibc)
import Glibc
#endif

// explain: the REPL and the one-shot / pipe client of explaind. See CommandLineOptions.usage.

func fail(_ message: String, status: Int32 = 1) -> Never {
    fputs("explain: \(message)\n", stderr)
    exit(status)
}

func environment() -> [String: String] {
    var result: [String: String] = [:]
    var p = environ
    while let entry = p.pointee {
        let s = String(cString: entry)
        if let eq = s.firstIndex(of: "=") { result[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
        p += 1
    }
    return result
}

func executableDirectory() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard n > 0 else { return nil }
    let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    guard let slash = path.lastIndex(of: "/") else { return nil }
    return String(path[..<slash])
}

let options: CommandLineOptions
do { options = try CommandLineOptions.parse(Array(CommandLine.arguments.dropFirst())) }
catch { fail("\(error)", status: 2) }
if options.help { print(CommandLineOptions.usage); exit(0) }
if options.version { print("explain 0.1.0"); exit(0) }

let env = environment()
let interactive = options.texts.isEmpty && isatty(0) == 1
let mode = ColorMode.detect(environment: env, isTerminal: isatty(1) == 1)
let serverArguments = options.serverArguments(executableDirectory: executableDirectory(),
                                              fileExists: { access($0, X_OK) == 0 })
let session: Session
do { session = try Session(serverArguments: serverArguments, mode: mode) }
catch { fail("\(error)") }
session.jsonOutput = options.json
session.write = { text in print(text); fflush(stdout) }

// The flags are the commands they mirror; their confirmations are not shown.
session.write = { _ in }
session.writeDiagnostic = { _ in }
for command in options.commands {
    do { _ = try session.execute(command) }
    catch { session.close(); fail("\(error)", status: 2) }
}
session.write = { text in print(text); fflush(stdout) }
session.writeDiagnostic = { text in fputs(text + "\n", stderr) }

/// Runs one line, printing errors on stderr (one line, with the hint the error carries); with `--json`, a
/// failed line also gets its error record on stdout, so that every line that asked for something has a row.
func runReporting(_ line: String) -> (Session.Outcome, ok: Bool) {
    do { return (try session.run(line: line, textsOnly: options.textsOnly), true) }
    catch let error as REPLError where error.isCancelled {
        fputs(session.view.note("cancelled") + "\n", stderr)
        return (.proceed, true)
    } catch {
        fputs(session.view.error("\(error)") + "\n", stderr)
        if options.json { session.write(session.errorRecord(error)) }
        if case REPLError.serverExited? = error as? REPLError { exit(1) }
        return (.proceed, false)
    }
}

if !options.texts.isEmpty {
    // explain "some text": one explanation per argument
    var ok = true
    for (i, text) in options.texts.enumerated() {
        session.inputLine = i + 1  // the argument's position, for --json records
        do { try session.explain(text) }
        catch {
            fputs("explain: \(error)\n", stderr)
            if options.json { session.write(session.errorRecord(error)) }
            ok = false
        }
    }
    session.close()
    exit(ok ? 0 : 1)
}

if !interactive {
    // explain < file.txt: each line is a text (or a :command, unless --texts-only)
    var ok = true
    var number = 0
    while let line = readLine(strippingNewline: true) {
        number += 1
        session.inputLine = number
        let (outcome, lineOK) = runReporting(line)
        ok = ok && lineOK
        if outcome == .quit { break }
    }
    session.close()
    exit(ok ? 0 : 1)
}

// The interactive REPL.
Interrupts.install()
let spinner = Spinner()
session.watcher = spinner
let historyFile = options.noHistory ? nil : (options.historyFile ?? env["HOME"].map { $0 + "/.explain_history" })
LineEditor.session = session
LineEditor.start(historyFile: historyFile)
let model = session.server.model(id: nil)
print(session.view.note("explain — \(session.server.serverInfo.name) \(session.server.serverInfo.version)"
    + (model.map { ", model \($0.id) (\($0.labels.joined(separator: "/")))" } ?? "")
    + ", method \(session.settings.method). :help for commands, Ctrl-D to quit."))
var interruptedAtEmptyPrompt = false
readLoop: while true {
    switch LineEditor.readLine(prompt: "explain> ") {
    case .interrupted(typed: true):
        // Ctrl-C on a typed line clears it, as in a shell; it does not count towards leaving.
        print("^C")
        interruptedAtEmptyPrompt = false
    case .interrupted(typed: false):
        // twice in a row at an empty prompt leaves
        if interruptedAtEmptyPrompt { print(""); break readLoop }
        interruptedAtEmptyPrompt = true
        print("\n" + session.view.note("(Ctrl-C again or Ctrl-D to quit)"))
    case .endOfInput:
        print("")
        break readLoop
    case .line(let line):
        interruptedAtEmptyPrompt = false
        LineEditor.remember(line)
        if runReporting(line).0 == .quit { break readLoop }
    }
}
session.close()
exit(0)
