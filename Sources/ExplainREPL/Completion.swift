import Foundation

/// What Tab offers at a point of the line, decided from the text before the word being completed.
public struct CompletionResult: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case words([String])
        case nothing
    }
    public var kind: Kind
    /// The character after a unique match: a space, '=' after an option name, none after a directory.
    public var append: Character? = " "
}

public enum Completion {
    /// `before`: the line up to the start of the word being completed; `word`: its typed part.
    public static func complete(before: String, word: String, server: ServerDescription, settings: Settings) -> CompletionResult {
        let previous = before.split(whereSeparator: \.isWhitespace).map(String.init)
        guard let first = previous.first else {
            // the first word: a command, or text to explain (nothing to complete)
            guard word.hasPrefix(":") else { return .init(kind: .nothing) }
            return words(CommandHelp.names.map { ":" + $0 }, word)
        }
        guard first.hasPrefix(":"), let command = try? CommandHelp.resolve(String(first.dropFirst())) else {
            return .init(kind: .nothing)
        }
        let position = previous.count  // 1: the first argument
        let labels = server.model(id: settings.model)?.labels ?? []
        switch command.name {
        case "method" where position == 1: return words(server.attributionMethods.map(\.name), word)
        case "compare":
            // methods while every earlier argument was one; after that it is the text
            let methodNames = server.attributionMethods.map(\.name)
            guard previous.dropFirst().allSatisfy({ $0.split(separator: ",").allSatisfy { methodNames.contains(String($0)) } })
            else { return .init(kind: .nothing) }
            return words(methodNames, word)
        case "target" where position == 1: return words(labels + ["predicted"], word)
        case "foil" where position == 1: return words(labels + ["none"], word)
        case "normalize" where position == 1: return words(server.normalizations, word)
        case "granularity" where position == 1: return words(server.granularities, word)
        case "set":
            // '=' breaks words: "steps=" before means the value is being typed
            if let last = previous.last, position >= 2, last.hasSuffix("=") {
                let name = String(last.dropLast())
                let option = server.attributionMethods.lazy.compactMap { $0.options.first { $0.name == name } }.first
                if let choices = option?.choices, !choices.isEmpty { return words(choices, word) }
                if option?.kind == "bool" || option?.kind == "boolean" { return words(["true", "false"], word) }
                return .init(kind: .nothing)
            }
            guard position == 1 else { return .init(kind: .nothing) }
            let current = server.method(named: settings.method)?.options.map(\.name) ?? []
            let names = current + server.optionNames.filter { !current.contains($0) }
            var result = words(names, word)
            result.append = "="
            return result
        case "use" where position == 1, "unload" where position == 1: return words(server.models.map(\.id), word)
        case "output" where position == 1: return words(server.outputs, word)
        case "specials" where position == 1: return words(["on", "off"], word)
        case "help" where position == 1: return words(CommandHelp.names, word)
        case "bars" where position == 1: return words(["on", "off"], word)
        case "load" where position == 1, "html" where position == 1: return files(word)
        default: return .init(kind: .nothing)
        }
    }

    /// Paths starting with `word` (directories with a trailing '/', so completion can go on into them; no
    /// space after a unique directory). libedit's own filename completion cannot add the '/'.
    public static func files(_ word: String, home: String? = ProcessInfo.processInfo.environment["HOME"]) -> CompletionResult {
        let slash = word.lastIndex(of: "/")
        let typedDirectory = slash.map { String(word[...$0]) } ?? ""
        let prefix = slash.map { String(word[word.index(after: $0)...]) } ?? word
        var directory = typedDirectory.isEmpty ? "." : typedDirectory
        if directory == "~/" || directory.hasPrefix("~/"), let home { directory = home + directory.dropFirst() }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return .init(kind: .nothing) }
        var matches: [String] = []
        for entry in entries.sorted() where entry.hasPrefix(prefix) && (prefix.hasPrefix(".") || !entry.hasPrefix(".")) {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: directory + "/" + entry, isDirectory: &isDirectory)
            matches.append(typedDirectory + entry + (isDirectory.boolValue ? "/" : ""))
        }
        var result = CompletionResult(kind: .words(matches))
        if matches.count == 1, matches[0].hasSuffix("/") { result.append = nil }
        return result
    }

    static func words(_ candidates: [String], _ prefix: String) -> CompletionResult {
        var seen = Set<String>()
        let matches = candidates.filter { $0.hasPrefix(prefix) && seen.insert($0).inserted }
        return .init(kind: .words(matches))
    }
}
