/// `explain`'s command line. The explanation flags mirror the REPL's commands.
public struct CommandLineOptions: Equatable, Sendable {
    public var model: String? = nil
    public var serverCommand: String? = nil
    public var method: String? = nil
    public var target: String? = nil
    public var foil: String? = nil
    public var normalize: String? = nil
    public var granularity: String? = nil
    public var options: [String] = []    // NAME=VALUE, as :set
    public var json = false
    public var textsOnly = false
    public var bars = false
    public var historyFile: String? = nil
    public var noHistory = false
    public var texts: [String] = []
    public var help = false
    public var version = false

    public init() {}

    public static let usage = """
    usage: explain [options] [TEXT ...]
           explain [options] < lines.txt

    Explains a text classifier's predictions (BERT, DistilBERT, RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA,
    ALBERT, ModernBERT, DeBERTa-v2/v3) through a child explaind daemon (JSON-RPC over pipes).
    With TEXT, prints one explanation per argument and exits; with stdin not a terminal, explains each line
    (lines starting with ':' are REPL commands, '::' escapes a text that starts with ':'); otherwise starts
    the interactive REPL (:help there).

      --model DIR            the model directory for the daemon (default: the daemon's default model)
      --server-command CMD   how to start the daemon (default: the explaind next to this binary)
      --method NAME          attribution method (as :method)
      --target LABEL|INDEX   class to explain (as :target); --foil LABEL|INDEX (as :foil)
      --normalize KIND       max, l1, l2 or none; --granularity token|word
      --set OPTION=VALUE     a method option (as :set), repeatable
      --json                 JSON Lines on stdout: each reply's result with "line" (its input line, or the
                             argument's position), {"line": N, "error": {...}} for a line that failed;
                             acknowledgements of :commands go to stderr
      --texts-only           every input line is a text, even one starting with ':'
      --bars                 a bar chart under each explanation
      --history FILE         history file (default ~/.explain_history); --no-history keeps none
      --help, --version
    Colours: 24-bit when COLORTERM=truecolor or 24bit, else 256; none with NO_COLOR or when not a terminal.
    """

    public static func parse(_ arguments: [String]) throws -> CommandLineOptions {
        var o = CommandLineOptions()
        var rest = arguments[...]
        var onlyTexts = false
        while let argument = rest.popFirst() {
            if onlyTexts || !argument.hasPrefix("--") { o.texts.append(argument); continue }
            var flag = argument
            if let eq = argument.firstIndex(of: "=") {
                flag = String(argument[..<eq])
                rest.insert(String(argument[argument.index(after: eq)...]), at: rest.startIndex)
            }
            func value() throws -> String {
                guard let v = rest.popFirst() else { throw REPLError.usage("\(flag) needs a value (see --help)") }
                return v
            }
            switch flag {
            case "--": onlyTexts = true
            case "--help": o.help = true
            case "--version": o.version = true
            case "--model": o.model = try value()
            case "--server-command": o.serverCommand = try value()
            case "--method": o.method = try value()
            case "--target": o.target = try value()
            case "--foil": o.foil = try value()
            case "--normalize": o.normalize = try value()
            case "--granularity": o.granularity = try value()
            case "--set":
                let v = try value()
                guard v.contains("=") else { throw REPLError.usage("--set needs OPTION=VALUE, got \"\(v)\"") }
                o.options.append(v)
            case "--json": o.json = true
            case "--texts-only": o.textsOnly = true
            case "--bars": o.bars = true
            case "--history": o.historyFile = try value()
            case "--no-history": o.noHistory = true
            default: throw REPLError.usage("unknown option \(flag) (see --help)")
            }
        }
        return o
    }

    /// The daemon's argv: `--server-command` through the shell (so it may carry its own arguments), else
    /// `explaind` next to this executable; `--model` is passed through.
    public func serverArguments(executableDirectory: String?, fileExists: (String) -> Bool) -> [String] {
        let modelArguments = model.map { ["--model", $0] } ?? []
        if let serverCommand {
            return ["/bin/sh", "-c", "exec \(serverCommand) \"$@\"", "explaind"] + modelArguments
        }
        if let dir = executableDirectory, fileExists(dir + "/explaind") { return [dir + "/explaind"] + modelArguments }
        return ["explaind"] + modelArguments
    }

    /// The REPL commands the flags stand for, applied before the first text.
    public var commands: [Command] {
        var c: [Command] = []
        if let method { c.append(.method(method)) }
        if let target { c.append(.target(target)) }
        if let foil { c.append(.foil(foil)) }
        if let normalize { c.append(.normalize(normalize)) }
        if let granularity { c.append(.granularity(granularity)) }
        for option in options {
            let eq = option.firstIndex(of: "=")!
            let value = String(option[option.index(after: eq)...])
            c.append(.set(name: String(option[..<eq]), value: value.isEmpty ? nil : value))
        }
        if bars { c.append(.bars(true)) }
        return c
    }
}
