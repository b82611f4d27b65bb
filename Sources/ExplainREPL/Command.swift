#if canImport(Glibc)
import Glibc
#endif

/// One line of REPL input.
public enum Command: Equatable, Sendable {
    case explain(String)
    case method(String?)
    case target(String?)
    case foil(String?)
    case normalize(String?)
    case granularity(String?)
    case output(String?)
    /// `:set NAME=VALUE`; `:set NAME=` removes it; `:set` alone lists the options.
    case set(name: String, value: String?)
    case listOptions
    case show
    case tokenize(String)
    case predict(String)
    case compare(methods: [String], text: String)
    case models
    case load(path: String, id: String?)
    case use(String)
    case unload(String)
    /// `:adapt DATA OUT TOKENS|from=AGGREGATE [key=value ...]`: models/adapt's fields by name.
    case adapt(data: String, out: String, tokens: [String]?, options: [String: String])
    case bars(Bool?)
    /// Whether special tokens count in the normalisation's divisor.
    case specials(Bool?)
    case html(String)
    case json
    case help(String?)
    case quit
}

/// Parses a line into a command. Commands start with `:` and may be abbreviated to any unambiguous prefix
/// (`:q`, `:tok`); anything else is text to explain.
public enum CommandParser {
    /// `::` escapes a text that starts with ':' (`::) great day` explains ":) great day"); with `textsOnly`
    /// every line is a text.
    /// `resolveMethod` maps a typed method name (any case, an alias) to the daemon's; by default a
    /// case-insensitive match among `methodNames`.
    public static func parse(_ line: String, methodNames: [String] = [], resolveMethod: ((String) -> String?)? = nil,
                             textsOnly: Bool = false) throws -> Command? {
        let trimmed = line.trimmingWhitespace
        if trimmed.isEmpty { return nil }
        if textsOnly { return .explain(trimmed) }
        if trimmed.hasPrefix("::") { return .explain(String(trimmed.dropFirst())) }
        guard trimmed.hasPrefix(":") else { return .explain(trimmed) }
        let body = trimmed.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let argument = String(body.dropFirst(name.count)).trimmingWhitespace
        let command = try CommandHelp.resolve(name)
        let arg: String? = argument.isEmpty ? nil : argument
        func required(_ what: String) throws -> String {
            guard let arg else { throw REPLError.usage(":\(command.name) needs \(what) — usage: \(command.usage)") }
            return arg
        }
        func noArgument() throws {
            if arg != nil { throw REPLError.usage(":\(command.name) takes no argument — usage: \(command.usage)") }
        }
        func single(_ what: String) throws -> String? {
            guard let arg else { return nil }
            if arg.contains(where: \.isWhitespace) {
                throw REPLError.usage(":\(command.name) takes one \(what) — usage: \(command.usage)")
            }
            return arg
        }
        switch command.name {
        case "method": return .method(try single("method name"))
        case "target": return .target(try single("label, index or \"predicted\""))
        case "foil": return .foil(try single("label, index or \"none\""))
        case "normalize": return .normalize(try single("normalisation"))
        case "granularity": return .granularity(try single("granularity"))
        case "output": return .output(try single("output"))
        case "set":
            guard let arg else { return .listOptions }
            guard let eq = arg.firstIndex(of: "=") else {
                throw REPLError.usage(":set needs OPTION=VALUE, e.g. :set steps=64 (:set alone lists the options)")
            }
            let key = String(arg[..<eq]).trimmingWhitespace
            let value = String(arg[arg.index(after: eq)...]).trimmingWhitespace
            guard !key.isEmpty else { throw REPLError.usage(":set needs an option name before '=', e.g. :set steps=64") }
            return .set(name: key, value: value.isEmpty ? nil : value)
        case "show": try noArgument(); return .show
        case "tokenize": return .tokenize(try required("a text"))
        case "predict": return .predict(try required("a text"))
        case "compare":
            let text = try required("a text")
            var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var methods: [String] = []
            let resolve = resolveMethod ?? { name in methodNames.first { $0.lowercased() == name.lowercased() } }
            // leading words naming methods (alone or comma-separated) are the methods, the rest is the text
            while let first = words.first {
                let names = first.split(separator: ",").map { resolve(String($0)) }
                guard !names.isEmpty, names.allSatisfy({ $0 != nil }) else { break }
                methods += names.compactMap { $0 }
                words.removeFirst()
            }
            guard !words.isEmpty else { throw REPLError.usage(":compare needs a text after the methods — usage: \(command.usage)") }
            return .compare(methods: methods, text: words.joined(separator: " "))
        case "models": try noArgument(); return .models
        case "load":
            let parts = try required("a model directory").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count <= 2 else { throw REPLError.usage(":load takes a path and an optional id — usage: \(command.usage)") }
            return .load(path: expandHome(parts[0]), id: parts.count == 2 ? parts[1] : nil)
        case "use": return .use(try single("model id") ?? required("a model id"))
        case "unload": return .unload(try single("model id") ?? required("a model id"))
        case "adapt":
            let words = try required("a data file, an output directory and the tokens").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var positional: [String] = [], options: [String: String] = [:]
            for word in words {
                if let eq = word.firstIndex(of: "="), eq != word.startIndex {
                    options[String(word[..<eq])] = String(word[word.index(after: eq)...])
                } else {
                    positional.append(word)
                }
            }
            let tokens = positional.count == 3 ? positional[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : nil
            guard positional.count == 3 || (positional.count == 2 && options["from"] != nil) else {
                throw REPLError.usage(":adapt needs DATA OUT and the tokens (A,B,C or from=AGGREGATE top=N) — usage: \(command.usage)")
            }
            for key in ["from", "heldout"] { options[key] = options[key].map(expandHome) }
            return .adapt(data: expandHome(positional[0]), out: expandHome(positional[1]), tokens: tokens, options: options)
        case "bars", "specials":
            let on: Bool?
            switch arg?.lowercased() {
            case nil: on = nil
            case "on"?: on = true
            case "off"?: on = false
            default: throw REPLError.usage(":\(command.name) takes on, off or nothing (toggle)")
            }
            return command.name == "bars" ? .bars(on) : .specials(on)
        case "html": return .html(expandHome(try required("a file name")))
        case "json": try noArgument(); return .json
        case "help": return .help(arg.map { $0.hasPrefix(":") ? String($0.dropFirst()) : $0 })
        case "quit": return .quit
        default: throw REPLError.usage("unknown command :\(name) — :help lists the commands")
        }
    }

    static func expandHome(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/"), let home = getenvString("HOME") else { return path }
        return home + path.dropFirst()
    }
}

func getenvString(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}

extension StringProtocol {
    var trimmingWhitespace: String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
