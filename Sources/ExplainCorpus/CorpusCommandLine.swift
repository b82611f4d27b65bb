import ExplainProtocol
import ExplainRecords
import ExplainJSON
import ExplainAttribution
import ExplainServer

/// What `explaind corpus` was asked to do.
public struct CorpusOptions {
    public var input = ""
    public var output = ""
    /// nil: the default model (`explaind setup`).
    public var model: String? = nil
    public var format: InputFormat? = nil
    public var textField = "text"
    public var idField = "id"
    public var labelField = "label"
    public var aggregate: String? = nil
    public var report: String? = nil
    public var resume = false
    public var long = LongTexts.windows
    /// Tokens between window starts (nil: half the model's positions).
    public var stride: Int? = nil
    public var batch = 16
    /// Compute threads (nil: one per core).
    public var threads: Int? = nil
    public var strict = false
    /// Words seen fewer times stay out of an aggregate's top lists.
    public var minCount = 5
    /// The explain request every text gets (method, target, normalisation, granularity, options).
    public var request = ExplainParams(input: .single(""), method: "vanillaGradient", scoring: ScoringParams(granularity: "word"))

    public init() {}
}

public enum CorpusCommand {
    case run(CorpusOptions)
    case merge(inputs: [String], output: String, report: String?)
    /// The aggregate (and report) of an existing output file, --in.
    case aggregate(CorpusOptions)
    case help
}

public enum CorpusCommandLine {
    public static let usage = """
    usage: explaind corpus --in FILE --out FILE [--model DIR] [--method M] [--set key=value ...]
                           [--text-field F] [--id-field F] [--label-field F] [--format jsonl|csv|tsv|text]
                           [--aggregate FILE.json] [--min-count N] [--report FILE.html] [--resume]
                           [--long truncate|windows] [--stride N] [--batch N] [--threads N] [--strict]
           explaind corpus merge A.json B.json ... --aggregate OUT.json [--report FILE.html]
           explaind corpus aggregate --in OUT.jsonl --aggregate A.json [--report FILE.html] [--model DIR]
                                     [--method M] [--min-count N]

    Explains every text of FILE (JSON Lines, CSV or TSV with a header row, or plain text: one text a line)
    and writes one JSON Lines record per text, in input order: id, gold label, prediction, tokens and words
    with their scores, the numbers `explain` gives with the same settings.

      --model DIR        a HuggingFace classifier directory (default: the default model, `explaind setup`)
      --method M         the attribution method (default vanillaGradient)
      --set key=value    a request field (target, foil, output, normalize, normalizeSpecialTokens,
                         granularity) or a method option (steps=32, baseline=pad, ...); repeatable;
                         granularity is word unless set
      --text-field F, --id-field F, --label-field F
                         field or column names (default text, id, label); the id defaults to the line
                         number, the label is optional
      --format KIND      jsonl, csv, tsv or text (default: from the file's extension; .jsonl .ndjson .json,
                         .csv, .tsv .tab, anything else is text)
      --aggregate FILE   what drives each class across the corpus (JSON; merge several with `merge`)
      --report FILE      a self-contained HTML report of the aggregate (also with merge)
      --min-count N      words seen fewer times stay out of the aggregate's top lists (default 5)
      --resume           keep the complete records already in --out and go on after them
      --long MODE        texts longer than the model's positions: windows (default) or truncate
      --stride N         tokens between window starts (default: half the model's positions)
      --batch N          texts per batched pass (default 16)
      --threads N        compute threads (default: one per core)
      --strict           stop at the first bad record instead of reporting and skipping it
    """

    public static func parse(_ words: [String]) throws -> CorpusCommand {
        var arguments = CommandLineArguments(words)
        if words.first == "merge" {
            _ = arguments.next()
            var inputs: [String] = [], output: String? = nil, report: String? = nil
            while let argument = arguments.next() {
                switch argument {
                case "--aggregate": output = try arguments.value(argument)
                case "--report": report = try arguments.value(argument)
                case "--help", "-h": return .help
                case let flag where flag.hasPrefix("--"):
                    throw CommandLineError(description: "unknown argument \"\(flag)\" for merge (see --help)")
                default: inputs.append(argument)
                }
            }
            guard let output else { throw CommandLineError(description: "merge needs --aggregate OUT.json") }
            guard !inputs.isEmpty else { throw CommandLineError(description: "merge needs the aggregate files to merge") }
            return .merge(inputs: inputs, output: output, report: report)
        }
        let aggregateOnly = words.first == "aggregate"
        if aggregateOnly { _ = arguments.next() }
        var options = CorpusOptions()
        var requestFields: [String: JSONValue] = [:]
        var methodOptions: [String: OptionScalar] = [:]
        while let argument = arguments.next() {
            switch argument {
            case "--help", "-h": return .help
            case "--in": options.input = try arguments.value(argument)
            case "--out": options.output = try arguments.value(argument)
            case "--model": options.model = try arguments.value(argument)
            case "--method": requestFields["method"] = .string(try arguments.value(argument))
            case "--set":
                let setting = try arguments.value(argument)
                guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
                    throw CommandLineError(description: "--set needs key=value, got \"\(setting)\"")
                }
                let key = String(setting[..<eq]), text = String(setting[setting.index(after: eq)...])
                if requestKeys.contains(key) { requestFields[key] = scalar(text).json } else { methodOptions[key] = scalar(text) }
            case "--text-field": options.textField = try arguments.value(argument)
            case "--id-field": options.idField = try arguments.value(argument)
            case "--label-field": options.labelField = try arguments.value(argument)
            case "--format": options.format = try arguments.choice(argument, InputFormat.self)
            case "--aggregate": options.aggregate = try arguments.value(argument)
            case "--report": options.report = try arguments.value(argument)
            case "--min-count": options.minCount = try arguments.positive(argument)
            case "--resume": options.resume = true
            case "--long": options.long = try arguments.choice(argument, LongTexts.self)
            case "--stride": options.stride = try arguments.positive(argument)
            case "--batch": options.batch = try arguments.positive(argument)
            case "--threads": options.threads = try arguments.positive(argument)
            case "--strict": options.strict = true
            default: throw CommandLineError(description: "unknown argument \"\(argument)\" (see explaind corpus --help)")
            }
        }
        guard !options.input.isEmpty else { throw CommandLineError(description: "--in FILE is required") }
        guard aggregateOnly || !options.output.isEmpty else { throw CommandLineError(description: "--out FILE is required") }
        // The request decodes through ExplainParams itself, so its fields are checked as the daemon checks them.
        if requestFields["granularity"] == nil { requestFields["granularity"] = "word" }
        requestFields["text"] = ""
        if !methodOptions.isEmpty { requestFields["options"] = .object(methodOptions.mapValues(\.json)) }
        requestFields["long"] = .string(options.long.rawValue)
        if let stride = options.stride { requestFields["stride"] = .integer(stride) }
        do {
            options.request = try ExplainParams(ObjectReader(.object(requestFields), at: ""))
        } catch {
            throw CommandLineError(description: "--set: \(error)")
        }
        return aggregateOnly ? .aggregate(options) : .run(options)
    }

    /// The explain fields --set may name; any other key is a method option.
    static let requestKeys: Set<String> = ["target", "foil", "output", "normalize", "normalizeSpecialTokens", "granularity"]

    /// A --set value as JSON would have it: an integer, a number, true/false, else the string.
    static func scalar(_ text: String) -> OptionScalar {
        if let i = Int(text) { return .integer(i) }
        if let d = Double(text), d.isFinite { return .number(d) }
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        return .string(text)
    }
}
