import Foundation
import ExplainProtocol

/// Shows a long request's progress and turns the user's interrupts into cancellation (the interactive
/// front end draws a spinner on stderr and counts Ctrl-C).
public protocol RequestWatcher: AnyObject {
    func begin(title: String)
    /// Called about ten times a second while waiting.
    func tick(progress: ServerConnection.Progress?) -> ServerConnection.WaitDecision
    func end()
}

/// One REPL session: the daemon connection, what it offers, the current settings and the last result.
/// Every command's output goes through `write`; errors are thrown to the caller, which prints them.
public final class Session {
    public let connection: ServerConnection
    public private(set) var server: ServerDescription
    public var settings = Settings()
    public var view: TerminalView
    /// `--json`: stdout is JSON Lines, one record per reply (its result with the input line it answers);
    /// acknowledgements, listings and help go to `writeDiagnostic` instead.
    public var jsonOutput = false
    public var watcher: RequestWatcher?
    /// stdout: the views, or the JSON records.
    public var write: (String) -> Void = { print($0) }
    /// stderr, for what is not a record in `--json` mode.
    public var writeDiagnostic: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
    /// The number of the input line being run (1-based), carried by every `--json` record as "line".
    public var inputLine: Int? = nil

    public enum LastResult {
        case explanation(Explanation)
        case comparison(Comparison)
        case other
    }
    public private(set) var lastResult: LastResult? = nil
    public private(set) var lastReply: JSONValue? = nil
    private var progressCounter = 0

    public enum Outcome: Equatable { case proceed, quit }

    /// Starts the daemon and runs the LSP-style handshake: `initialize` (asking for utf-32 offsets, i.e.
    /// Unicode scalars, which Swift strings index directly), then `initialized`.
    public init(serverArguments: [String], mode: ColorMode) throws {
        connection = try ServerConnection(argv: serverArguments)
        view = TerminalView(mode: mode)
        let params = InitializeParams(clientInfo: ClientInfo(name: "explain", version: "0.1.0"),
                                      positionEncodings: ["utf-32", "utf-16"])
        let result = try connection.request(InitializeParams.method, params.json)
        do { server = ServerDescription(try InitializeResult(json: result, at: "result")) } catch let field as InvalidField {
            throw REPLError.unexpectedReply(field.description)
        }
        try connection.notify(method: InitializedParams.method, params: InitializedParams().json)
        if let m = server.attributionMethods.first, server.method(named: settings.method) == nil { settings.method = m.name }
    }

    /// `shutdown` + `exit`; returns the daemon's exit status.
    @discardableResult
    public func close() -> Int32? { connection.stop() }

    public var labels: [String] { server.model(id: settings.model)?.labels ?? [] }

    public func isSigned(_ method: String) -> Bool { server.method(named: method)?.signed ?? false }

    // MARK: requests

    /// Sends typed params; the reply's result comes back as JSON (`--json` records it as it is).
    func request<P: RequestParams>(_ params: P, title: String? = nil, progressToken: String? = nil) throws -> JSONValue {
        guard let watcher else { return try connection.request(P.method, params.json) }
        watcher.begin(title: title ?? P.method)
        defer { watcher.end() }
        return try connection.request(P.method, params.json) { _ in
            watcher.tick(progress: progressToken.flatMap { self.connection.progress(token: $0) })
        }
    }

    /// A reply's result as its protocol type; a reply that does not fit is the daemon's fault, said as such.
    func decode<T: JSONDecodable>(_ type: T.Type, _ result: JSONValue) throws -> T {
        do { return try T(json: result, at: "result") } catch let field as InvalidField {
            throw REPLError.unexpectedReply(field.description)
        }
    }

    /// What a command prints that is not a reply: the terminal, or stderr in `--json` mode.
    func say(_ text: String) { jsonOutput ? writeDiagnostic(text) : write(text) }

    /// One `--json` record: a reply's result with the input line number it answers.
    func record(_ result: JSONValue) {
        guard let inputLine, case .object(var fields) = result else { return write(JSONSerializer.string(result)) }
        fields["line"] = .integer(inputLine)
        write(JSONSerializer.string(.object(fields)))
    }

    /// The `--json` record of a line that failed, so that every input line that asked for something has
    /// its row: `{"line": N, "error": {"code": C, "message": M}}` (code only for the daemon's errors).
    public func errorRecord(_ error: Error) -> String {
        var e: [String: JSONValue] = ["message": .string("\(error)")]
        if case let REPLError.remote(code, message, data)? = error as? REPLError {
            e = ["code": .integer(code), "message": .string(message)]
            if let data { e["data"] = data }
        }
        var fields: [String: JSONValue] = ["error": .object(e)]
        if let inputLine { fields["line"] = .integer(inputLine) }
        return JSONSerializer.string(.object(fields))
    }

    func nextProgressToken(_ method: String) -> String {
        progressCounter += 1
        return "explain-repl-\(method)-\(progressCounter)"
    }

    // MARK: commands

    /// Runs one line of input; with `textsOnly` (`--texts-only`) every non-blank line is a text, even one that
    /// starts with ':'.
    public func run(line: String, textsOnly: Bool = false) throws -> Outcome {
        guard let command = try CommandParser.parse(line, resolveMethod: server.resolveMethod, textsOnly: textsOnly) else {
            return .proceed
        }
        return try execute(command)
    }

    public func execute(_ command: Command) throws -> Outcome {
        switch command {
        case .explain(let text): try explain(text)
        case .method(let name): try setMethod(name)
        case .target(let t): try setClass(t, isFoil: false)
        case .foil(let f): try setClass(f, isFoil: true)
        case .normalize(let n):
            settings.normalize = try choose(n, from: server.normalizations, what: "normalize", current: settings.normalize)
        case .granularity(let g):
            settings.granularity = try choose(g, from: server.granularities, what: "granularity", current: settings.granularity)
        case .output(let o):
            settings.output = try choose(o, from: server.outputs, what: "output", current: settings.output)
        case .specials(let on):
            settings.normalizeSpecialTokens = on ?? !settings.normalizeSpecialTokens
            say(view.note("special tokens " + (settings.normalizeSpecialTokens ? "in" : "out of") + " the normalisation"))
        case let .set(name, value): try setOption(name, value)
        case .listOptions: say(optionList())
        case .show: say(settings.describe(server: server))
        case .tokenize(let text): try tokenize(text)
        case .predict(let text): try predict(text)
        case let .compare(methods, text): try compare(methods, text)
        case .models: try listModels()
        case let .load(path, id): try loadModel(path, id)
        case .use(let id): try useModel(id)
        case .unload(let id): try unloadModel(id)
        case let .adapt(data, out, tokens, options): try adapt(data: data, out: out, tokens: tokens, options: options)
        case .bars(let on):
            settings.bars = on ?? !settings.bars
            say(view.note("bars \(settings.bars ? "on" : "off")"))
        case .html(let file): try writeHTML(file)
        case .json:
            guard let lastReply else { throw REPLError.usage("no reply yet — explain a text first") }
            say(PrettyJSON.string(lastReply))
        case .help(let name): say(try CommandHelp.text(for: name))
        case .quit: return .quit
        }
        return .proceed
    }

    public func explain(_ text: String) throws {
        let token = nextProgressToken("explain")
        let params = settings.explainParams(texts: [text], server: server, progressToken: token)
        let result = try request(params, title: settings.method, progressToken: token)
        lastReply = result
        var e = Explanation(try decode(ExplanationInfo.self, result))
        e.model = settings.model ?? server.model(id: nil)?.id
        lastResult = .explanation(e)
        if jsonOutput { record(result); return }
        say(view.explanation(e, signed: isSigned(e.method), labels: labels, bars: settings.bars))
    }

    func tokenize(_ text: String) throws {
        let result = try request(TokenizeParams(text: text, model: settings.model))
        lastReply = result
        lastResult = .other
        if jsonOutput { record(result); return }
        say(view.tokenization(Tokenization(try decode(TokenizeResult.self, result))))
    }

    func predict(_ text: String) throws {
        let result = try request(PredictParams(input: .single(text), model: settings.model))
        lastReply = result
        lastResult = .other
        if jsonOutput { record(result); return }
        say(view.predictionTable(Prediction(try decode(PredictionInfo.self, result)), labels: labels))
    }

    static let compareMissing = "compareMethods is not available in this daemon yet (it answers method-not-found); :compare works once it is"

    func compare(_ methods: [String], _ text: String) throws {
        guard server.supports("compareMethods") else { throw REPLError.usage(Self.compareMissing) }
        let token = nextProgressToken("compare")
        let params = settings.compareParams(text: text, methods: methods, server: server, progressToken: token)
        let result: JSONValue
        do { result = try request(params, title: "compare", progressToken: token) }
        catch let e as REPLError where e.isMethodNotFound { throw REPLError.usage(Self.compareMissing) }
        lastReply = result
        let c = Comparison(try decode(CompareMethodsResult.self, result))
        lastResult = .comparison(c)
        if jsonOutput { record(result); return }
        say(view.comparison(c, server: server, labels: labels))
    }

    // MARK: settings

    func setMethod(_ typed: String?) throws {
        let names = server.attributionMethods.map(\.name)
        guard let typed else {
            var lines = server.attributionMethods.map { m in
                (m.name == settings.method ? "* " : "  ") + m.name + (m.signed ? " (signed)" : "") + (m.summary.isEmpty ? "" : " — " + m.summary)
            }
            let aliases = server.availableAliases
            if !aliases.isEmpty { lines.append("aliases: " + aliases.map { "\($0.alias) → \($0.method)" }.joined(separator: ", ")) }
            say(lines.joined(separator: "\n"))
            return
        }
        guard let name = server.resolveMethod(typed) else {
            throw REPLError.usage("unknown method \"\(typed)\" — one of: \(names.joined(separator: ", ")) (any case; aliases: "
                + server.availableAliases.map(\.alias).joined(separator: ", ") + ")")
        }
        settings.method = name
        say(view.note("method \(name)"))
    }

    func setClass(_ value: String?, isFoil: Bool) throws {
        let what = isFoil ? "foil" : "target"
        let neutral = isFoil ? "none" : "predicted"
        guard let value else {
            say("\(what) \((isFoil ? settings.foil : settings.target) ?? neutral)")
            return
        }
        var chosen: String? = value
        if value == neutral { chosen = nil }
        else if let i = Int(value) {
            guard i >= 0, labels.isEmpty || i < labels.count else {
                throw REPLError.usage("\(what) index \(i) is out of range — the model has \(labels.count) classes (0…\(labels.count - 1))")
            }
        } else if !labels.isEmpty, !labels.contains(value) {
            throw REPLError.usage("unknown label \"\(value)\" — one of: \((labels + [neutral]).joined(separator: ", "))")
        }
        // a foil equal to the target explains nothing (f_target − f_target = 0): refused now, not at the next text
        let other = isFoil ? settings.target : settings.foil
        if let chosen, let other, let a = classIndex(chosen), a == classIndex(other) {
            let name = a < labels.count ? labels[a] : "class \(a)"
            throw REPLError.usage("the foil must differ from the target (both \(name)) — :\(isFoil ? "foil" : "target") another class, or :foil none")
        }
        if isFoil { settings.foil = chosen } else { settings.target = chosen }
        say(view.note("\(what) \(chosen ?? neutral)"))
    }

    /// A class selector's index: digits as they are, a label by its position.
    func classIndex(_ selector: String) -> Int? { Int(selector) ?? labels.firstIndex(of: selector) }

    func choose(_ value: String?, from choices: [String], what: String, current: String?) throws -> String? {
        guard let value else {
            say("\(what) \(current ?? "(server default)") — one of: \(choices.joined(separator: ", "))")
            return current
        }
        guard choices.isEmpty || choices.contains(value) else {
            throw REPLError.usage("\(what) must be one of: \(choices.joined(separator: ", ")) (got \"\(value)\")")
        }
        say(view.note("\(what) \(value)"))
        return value
    }

    func setOption(_ name: String, _ value: String?) throws {
        let known = server.optionNames
        guard known.isEmpty || known.contains(name) else {
            let current = server.method(named: settings.method)?.options.map(\.name) ?? known
            throw REPLError.usage("unknown option \"\(name)\" — \(settings.method) takes: \(current.joined(separator: ", ")) (all: \(known.joined(separator: ", ")))")
        }
        guard let value else {
            settings.options[name] = nil
            say(view.note("\(name) back to its default"))
            return
        }
        let option = server.attributionMethods.lazy.compactMap { $0.options.first { $0.name == name } }.first
        if let choices = option?.choices, !choices.isEmpty, !choices.contains(value) {
            throw REPLError.usage("\(name) must be one of: \(choices.joined(separator: ", ")) (got \"\(value)\")")
        }
        let parsed = Settings.optionValue(value)
        if let option, ["int", "integer", "number", "double", "float"].contains(option.kind), parsed.json.doubleValue == nil {
            throw REPLError.usage("\(name) takes a number (got \"\(value)\")")
        }
        if let option, let x = parsed.json.doubleValue {
            if let lo = option.minimum, x < lo { throw REPLError.usage("\(name) must be at least \(Self.number(lo)) (got \(value))") }
            if let hi = option.maximum, x > hi { throw REPLError.usage("\(name) must be at most \(Self.number(hi)) (got \(value))") }
        }
        settings.options[name] = parsed
        var note = "\(name)=\(JSONSerializer.string(parsed.json))"
        if let m = server.method(named: settings.method), !m.options.contains(where: { $0.name == name }) {
            note += " (not an option of \(settings.method); used by the methods that have it)"
        }
        say(view.note(note))
    }

    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

    func optionList() -> String {
        guard let m = server.method(named: settings.method) else { return settings.describe(server: server) }
        if m.options.isEmpty { return "\(m.name) has no options" }
        return m.options.map { o in
            var line = "  \(o.name)"
            if let v = settings.options[o.name] { line += "=\(JSONSerializer.string(v.json))" }
            else if let d = o.defaultValue { line += "=\(JSONSerializer.string(d)) (default)" }
            if let choices = o.choices, !choices.isEmpty { line += " [\(choices.joined(separator: "|"))]" }
            else if o.minimum != nil || o.maximum != nil {
                line += " [\(o.minimum.map(Self.number) ?? "")…\(o.maximum.map(Self.number) ?? "")]"
            }
            if !o.summary.isEmpty { line += " — \(o.summary)" }
            return line
        }.joined(separator: "\n")
    }

    // MARK: models

    func refreshModels() throws {
        let result = try request(ModelsListParams())
        lastReply = result
        server.models = try decode(ModelsListResult.self, result).models
    }

    func listModels() throws {
        try refreshModels()
        if jsonOutput, let lastReply { return record(lastReply) }
        let current = settings.model ?? server.model(id: nil)?.id
        say(server.models.map { m in
            (m.id == current ? "* " : "  ") + m.id + (m.isDefault ? " (default)" : "") + " — \(m.architecture), labels \(m.labels.joined(separator: "/"))"
                + ", \(m.maxTokens) tokens, " + m.path
        }.joined(separator: "\n"))
    }

    func loadModel(_ path: String, _ id: String?) throws {
        let result = try request(ModelsLoadParams(path: path, id: id), title: "loading \(path)")
        lastReply = result
        let model = try decode(ModelDescription.self, result)
        server.models.removeAll { $0.id == model.id }
        server.models.append(model)
        if jsonOutput { return record(result) }
        say("loaded \(model.id) — \(model.architecture), labels \(model.labels.joined(separator: "/")); :use \(model.id) to explain with it")
    }

    func useModel(_ id: String) throws {
        if server.model(id: id) == nil { try refreshModels() }
        guard server.model(id: id) != nil else {
            throw REPLError.usage("no model \"\(id)\" — resident: \(server.models.map(\.id).joined(separator: ", ")); :load PATH [ID] first")
        }
        settings.model = id
        if let t = settings.target, Int(t) == nil, !labels.contains(t) { settings.target = nil }
        if let f = settings.foil, Int(f) == nil, !labels.contains(f) { settings.foil = nil }
        say(view.note("model \(id) — labels \(labels.joined(separator: "/"))"))
    }

    func adapt(data: String, out: String, tokens: [String]?, options: [String: String]) throws {
        let known = ["from", "top", "heldout", "train", "epochs", "lr", "seed", "id", "format", "text-field", "label-field"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw REPLError.usage("unknown :adapt option \(unknown)= (one of \(known.joined(separator: ", ")))")
        }
        func integer(_ key: String) throws -> Int? {
            guard let text = options[key] else { return nil }
            guard let n = Int(text) else { throw REPLError.usage(":adapt \(key)= needs an integer, got \(text)") }
            return n
        }
        var learningRate: Double?
        if let text = options["lr"] {
            guard let x = Double(text) else { throw REPLError.usage(":adapt lr= needs a number, got \(text)") }
            learningRate = x
        }
        let token = nextProgressToken("adapt")
        var params = ModelsAdaptParams(data: data, out: out, addTokens: tokens, addFrom: options["from"], top: try integer("top"),
                                       model: settings.model, heldout: options["heldout"], train: options["train"], id: options["id"],
                                       epochs: try integer("epochs"), learningRate: learningRate, seed: try integer("seed"),
                                       workDoneToken: .string(token))
        params.format = options["format"]
        params.textField = options["text-field"]
        params.labelField = options["label-field"]
        let result = try request(params, title: "adapting", progressToken: token)
        lastReply = result
        let adapted = try decode(ModelsAdaptResult.self, result)
        server.models.removeAll { $0.id == adapted.model.id }
        server.models.append(adapted.model)
        if jsonOutput { return record(result) }
        let report = adapted.report
        func percent(_ key: String) -> String { String(format: "%.1f%%", (report[key]?.doubleValue ?? 0) * 100) }
        var lines = ["adapted \(adapted.model.id) → \(adapted.out): accuracy \(percent("accuracyBefore")) before, \(percent("accuracyAfter")) after"]
        for entry in report["tokens"]?.arrayValue ?? [] {
            let pieces = entry["pieces"]?.arrayValue?.compactMap(\.stringValue).joined(separator: " ") ?? ""
            lines.append(String(format: "  %@ (was %@): attribution %.3g → %.3g in %d texts", entry["token"]?.stringValue ?? "", pieces,
                                entry["attributionBefore"]?.doubleValue ?? 0, entry["attributionAfter"]?.doubleValue ?? 0, entry["texts"]?.intValue ?? 0))
        }
        lines.append(view.note(":use \(adapted.model.id) to explain with it; the report is \(adapted.out)/adapt-report.html"))
        say(lines.joined(separator: "\n"))
    }

    func unloadModel(_ id: String) throws {
        let result = try request(ModelsUnloadParams(id: id))
        lastReply = result
        server.models.removeAll { $0.id == id }
        if settings.model == id { settings.model = nil }
        if jsonOutput { return record(result) }
        let fallback = result["defaultModel"]?.stringValue
        say(view.note("unloaded \(id)" + (fallback.map { "; explaining with \($0)" } ?? "")))
    }

    // MARK: html

    /// The page for the last explanation or comparison.
    public func htmlPage() throws -> String {
        switch lastResult {
        case .explanation(let e)?: return HTMLPage.explanation(e, signed: isSigned(e.method), labels: labels)
        case .comparison(let c)?: return HTMLPage.comparison(c, server: server, labels: labels)
        default: throw REPLError.usage(":html writes the last explanation or comparison — explain a text first")
        }
    }

    func writeHTML(_ file: String) throws {
        let page = try htmlPage()
        do { try page.write(toFile: file, atomically: true, encoding: .utf8) }
        catch { throw REPLError.io("cannot write \(file): \(error.localizedDescription)") }
        say(view.note("wrote \(file) (\(page.utf8.count) bytes)"))
    }
}
