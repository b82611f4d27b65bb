import Foundation
import ExplainProtocol
import ExplainAttribution
import ExplainTransport

/// Everything the command line can set, with the defaults the daemon runs with.
public struct ServerOptions: Sendable {
    public var models: [(path: String, id: String?)] = []
    /// Without --model the default model is loaded (assembled first if needed), unless this is set.
    public var noDefaultModel = false
    public var threads: Int? = nil
    public var framing: FramingKind? = nil
    public var logLevel: LogLevel? = .warning
    public var maxFrameBytes = 8 << 20
    /// Longer `text` is refused (-32602); token truncation to the model's maximum happens below this.
    public var maxTextBytes = 256 << 10
    /// Texts in one `predict` / `explain` call (one padded batch).
    public var maxTexts = 64
    /// Messages in one JSON-RPC batch array.
    public var maxBatchRequests = 128
    /// Integrated-gradients steps and SmoothGrad samples (the library's own maxima by default; lower them to
    /// bound the work one request can ask for).
    public var maxSteps = 1024
    public var maxSamples = 1000
    /// Waiting `models/load` requests before "server busy".
    public var queueBound = 64
    /// Token-passes (as --max-work counts them, from the text's bytes before tokenizing) of the explain and
    /// compareMethods requests waiting on the long lane before "server busy": four requests at the --max-work
    /// limit, or tens of thousands of short gradient requests.
    public var maxQueuedWork = 1 << 26
    /// Bytes of input held by waiting `tokenize`/`predict` requests before "server busy".
    public var maxQueuedBytes = 256 << 20
    /// Token-passes (tokens × forward-pass equivalents, WorkEstimate) one explain or compareMethods may ask for:
    /// 2^24 lets one 512-token text run 1024 integrated-gradients steps several times over, and refuses
    /// 64 texts × 256 tokens × 1024 steps.
    public var maxWork = 1 << 24
    /// Entries of compareMethods' `thresholds`.
    public var maxThresholds = 100
    public var quickWorkers = 2
    public var longWorkers = 1
    /// How long end of input waits for requests in flight before cancelling them.
    public var drainSeconds = 120.0
    /// Every `elapsedMs` reported as 0, so that replies depend on the request alone (Protocol.md's captured
    /// examples and the test that keeps them true compare byte for byte).
    public var reproducible = false

    public init() {}

    /// A duration as replies report it: milliseconds to the microsecond, or 0 when reproducible.
    func reportedMs(_ milliseconds: Double) -> Double {
        reproducible ? 0 : (milliseconds * 1000).rounded() / 1000
    }

    func reportedMs(since started: Date) -> Double {
        reportedMs(Date().timeIntervalSince(started) * 1000)
    }

    public var limits: Limits {
        Limits(maxFrameBytes: maxFrameBytes, maxTextBytes: maxTextBytes, maxTexts: maxTexts,
               maxBatchRequests: maxBatchRequests, maxSteps: maxSteps, maxSamples: maxSamples,
               queueBound: queueBound, maxQueuedBytes: maxQueuedBytes, maxQueuedWork: maxQueuedWork, maxWork: maxWork,
               maxThresholds: maxThresholds)
    }
}

public enum CommandLineAction {
    case serve(ServerOptions)
    case help
    case version
}

public struct CommandLineError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

public enum ServerCommandLine {
    public static let version = "0.1.0"

    public static let usage = """
    usage: explaind [--model DIR] [--model-id ID] [--threads N] [--framing lsp|ndjson]
                    [--log-level error|warning|info|debug|off] [--max-frame-bytes N] [--help] [--version]

    A JSON-RPC 2.0 daemon on stdin/stdout (LSP Content-Length framing, or one JSON message per line) that
    explains text classifiers: BERT, DistilBERT, RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA, ALBERT, ModernBERT,
    DeBERTa-v2/v3. See Protocol.md for the methods.

      --model DIR          a HuggingFace classifier directory (config.json; model.safetensors, shards or
                           pytorch_model.bin; tokenizer files); repeat to keep several models resident; the
                           first is the default
      --model-id ID        the id of the preceding --model (default: the directory's name)
      --no-default-model   without --model, start with no model (load one with models/load) instead of the
                           default political/general model (assembled by `explaind setup` on first use)
      --threads N          compute threads (the pool that runs the passes); default: the number of cores
      --framing KIND       lsp or ndjson; default: detected from the first byte ({ or [ means ndjson)
      --log-level LEVEL    what goes to stderr (default warning); stdout carries only the protocol
      --max-frame-bytes N  larger frames are skipped and answered with an error (default \(ServerOptions().maxFrameBytes))
      --max-text-bytes N   longer texts are refused (default \(ServerOptions().maxTextBytes))
      --max-texts N        texts per predict/explain call (default \(ServerOptions().maxTexts))
      --max-batch N        messages per JSON-RPC batch array (default \(ServerOptions().maxBatchRequests))
      --max-steps N        integrated-gradients steps per request (default \(ServerOptions().maxSteps))
      --max-samples N      SmoothGrad samples per request (default \(ServerOptions().maxSamples))
      --max-work N         token-passes (tokens × model passes) per explain/compareMethods (default \(ServerOptions().maxWork))
      --max-thresholds N   entries of compareMethods' thresholds (default \(ServerOptions().maxThresholds))
      --queue-bound N      waiting models/load requests before "server busy" (default \(ServerOptions().queueBound))
      --max-queued-work N  token-passes of the waiting explain/compareMethods requests before "server busy"
                           (default \(ServerOptions().maxQueuedWork))
      --max-queued-bytes N input held by waiting tokenize/predict requests before "server busy"
                           (default \(ServerOptions().maxQueuedBytes))
      --reproducible       report every elapsedMs as 0, so that equal requests get equal bytes back
                           (for captured examples and tests)
      --help, --version
    """

    public static func parse(_ arguments: [String]) throws -> CommandLineAction {
        var options = ServerOptions()
        var arguments = CommandLineArguments(arguments)
        func value(_ flag: String) throws -> String { try arguments.value(flag) }
        func positive(_ flag: String) throws -> Int { try arguments.positive(flag) }
        /// A server limit on an option can only lower the method's own maximum (what `initialize` reports).
        func atMostTheMethods(_ flag: String, option: String) throws -> Int {
            let n = try positive(flag)
            let maximum = AttributionRegistry.methods.flatMap(\.options).filter { $0.name == option }.compactMap(\.maximum).max() ?? .infinity
            guard Double(n) <= maximum else {
                throw CommandLineError(description: "\(flag) is at most \(Int(maximum)), the methods' own maximum, got \(n)")
            }
            return n
        }
        while let argument = arguments.next() {
            switch argument {
            case "--help", "-h": return .help
            case "--version": return .version
            case "--model": options.models.append((try value(argument), nil))
            case "--no-default-model": options.noDefaultModel = true
            case "--reproducible": options.reproducible = true
            case "--model-id":
                let id = try value(argument)
                guard !options.models.isEmpty else { throw CommandLineError(description: "--model-id must follow a --model") }
                guard !id.isEmpty else { throw CommandLineError(description: "--model-id must not be empty") }
                options.models[options.models.count - 1].id = id
            case "--threads": options.threads = try positive(argument)
            case "--framing":
                let text = try value(argument)
                guard let kind = FramingKind(rawValue: text) else {
                    throw CommandLineError(description: "--framing is lsp or ndjson, got \"\(text)\"")
                }
                options.framing = kind
            case "--log-level":
                let text = try value(argument)
                if text == "off" || text == "none" { options.logLevel = nil }
                else if let level = LogLevel(name: text) { options.logLevel = level }
                else { throw CommandLineError(description: "--log-level is error, warning, info, debug or off, got \"\(text)\"") }
            case "--max-frame-bytes": options.maxFrameBytes = try positive(argument)
            case "--max-text-bytes": options.maxTextBytes = try positive(argument)
            case "--max-texts": options.maxTexts = try positive(argument)
            case "--max-batch": options.maxBatchRequests = try positive(argument)
            case "--max-steps": options.maxSteps = try atMostTheMethods(argument, option: "steps")
            case "--max-samples": options.maxSamples = try atMostTheMethods(argument, option: "samples")
            case "--max-work": options.maxWork = try positive(argument)
            case "--max-thresholds": options.maxThresholds = try positive(argument)
            case "--queue-bound": options.queueBound = try positive(argument)
            case "--max-queued-bytes": options.maxQueuedBytes = try positive(argument)
            case "--max-queued-work": options.maxQueuedWork = try positive(argument)
            default: throw CommandLineError(description: "unknown argument \"\(argument)\" (see --help)")
            }
        }
        return .serve(options)
    }
}
