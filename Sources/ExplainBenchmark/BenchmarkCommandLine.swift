/// The command line of explaind-bench.
public enum BenchmarkCommandLine {
    public enum Command {
        case help
        case benchmark(BenchmarkOptions)
        /// Internal: a fresh process for the cold-start measurement (see BenchmarkRunner.coldStart).
        case coldChild(model: String, workload: Workload, threads: Int)
        /// `tokenizers DIR...`: the tokenizers alone, beside HuggingFace `tokenizers` (TokenizerBenchmark).
        case tokenizers(directories: [String], python: String)
        /// `json`: the JSON parser's throughput beside Python's.
        case json(JSONThroughput.Options)
        /// `corpus`: `explaind corpus` texts/s beside PyTorch + Captum (CorpusThroughput).
        case corpus(CorpusThroughput.Options)
    }

    public static let usage = """
        usage: explaind-bench [--model DIR]... [--methods a,b] [--repeat N] [--threads N] [--json]
                              [--compare-python] [--no-cold-start] [--python-script PATH] [--python EXE]
                              [--sentences N] [--tokens N] [--sgemm-size N] [--no-daemon-overhead] [--lengths a,b]
               explaind-bench json [--megabytes N] [--repeat N] [--python EXE]
               explaind-bench corpus [--model DIR] [--methods a,b] [--texts N] [--batch N] [--threads N]
                                     [--python EXE] [--no-python]

        Times each attribution method on the five reference sentences, one call per sentence and all five as one
        batch: median and spread over N repeats after a warm-up, tokens/s, useful GFLOP/s against a 2048³ sgemm
        timed in the same run, and (in a fresh process per method) cold start to the first explanation and peak
        resident memory.

          --model DIR          a HuggingFace classifier directory (repeatable); default: the assembled default
                               model, else the bert-largest test fixture
          --methods a,b        among \(Workload.all.map(\.name).joined(separator: ", "))
          --repeat N           timed repeats after the warm-up (default 5)
          --threads N          worker threads (oneDNN and OpenBLAS run single-threaded under them), and PyTorch's (default 2)
          --json               print the report as JSON on stdout (progress goes to stderr)
          --compare-python     also run Scripts/reference/bench_pytorch.py (PyTorch + Captum) and print ratios
          --no-cold-start      skip the fresh-process measurements
          --no-daemon-overhead skip piping requests to explaind (built beside explaind-bench) for its overhead
          --lengths a,b        token counts of the gradientNorm length sweep (default 16,64,128,256,512; "none" skips)
          --sentences N        only the first N reference sentences (short runs under a profiler; default 5)
          --tokens N           one text of at most N tokens (the sentences repeated, cut at a word) instead
          --sgemm-size N       the peak-measuring sgemm's n (default 2048; small under a profiler)

        usage: explaind-bench tokenizers DIR... [--python EXE]

        Times each tokenizer directory on 10,000 tweet-length texts and one 1 MB text, beside HuggingFace
        `tokenizers` (one thread, Scripts/reference/bench_tokenizers.py) on the same texts when Python has it.

        json: parses a synthetic tokenizer.json of --megabytes MB (default 20; XLM-R's is 17) with explaind's
        JSON reader and with Python's json module, in the same run: CPU time per parse and MB/s (median of
        --repeat, default 5).

        corpus: `explaind corpus` on --texts tweet-length texts (default 10,000) per method (default
        gradientXInput,integratedGradients; integrated gradients 50 steps), --batch texts a pass (default 16),
        texts/s beside PyTorch + Captum explaining the same texts in batches of the same size
        (Scripts/reference/bench_corpus_pytorch.py).
        """

    public static func parse(_ arguments: [String]) throws -> Command {
        if arguments.first == "json" { return try parseJSON(Array(arguments.dropFirst())) }
        if arguments.first == "corpus" { return try parseCorpus(Array(arguments.dropFirst())) }
        if arguments.first == "tokenizers" {
            var directories: [String] = [], python = "python3"
            var rest = arguments.dropFirst()
            while let argument = rest.popFirst() {
                if argument == "--python" {
                    guard let exe = rest.popFirst() else { throw BenchmarkError.usage("--python needs a value\n\n\(usage)") }
                    python = exe
                } else {
                    directories.append(argument)
                }
            }
            guard !directories.isEmpty else { throw BenchmarkError.usage("tokenizers needs at least one directory\n\n\(usage)") }
            return .tokenizers(directories: directories, python: python)
        }
        var options = BenchmarkOptions()
        var coldChild = false
        var cursor = ArgumentCursor(arguments)
        func value(_ flag: String) throws -> String { try cursor.value(flag) }
        func positive(_ flag: String) throws -> Int { try cursor.positive(flag) }
        while let argument = cursor.current {
            switch argument {
            case "-h", "--help": return .help
            case "--model": options.models.append(try value(argument))
            case "--methods":
                options.workloads = try Workload.named(try value(argument).split(separator: ",").map(String.init))
            case "--repeat": options.repeats = try positive(argument)
            case "--threads": options.threads = try positive(argument)
            case "--json": options.json = true
            case "--compare-python": options.comparePython = true
            case "--no-cold-start": options.coldStart = false
            case "--no-daemon-overhead": options.daemonOverhead = false
            case "--lengths":
                let text = try value(argument)
                options.lengths = text == "none" ? [] : try text.split(separator: ",").map { part in
                    guard let n = Int(part), n >= 3 else { throw BenchmarkError.usage("--lengths takes token counts of at least 3, got \"\(part)\"") }
                    return n
                }
            case "--python-script": options.pythonScript = try value(argument)
            case "--python": options.python = try value(argument)
            case "--sentences":
                options.sentenceCount = try positive(argument)
                guard options.sentenceCount <= ReferenceSentences.all.count else {
                    throw BenchmarkError.usage("--sentences must be at most \(ReferenceSentences.all.count)")
                }
            case "--tokens": options.tokens = try positive(argument)
            case "--sgemm-size": options.sgemmSize = try positive(argument)
            case "--cold-child": coldChild = true
            default: throw BenchmarkError.usage("unknown argument \"\(argument)\"\n\n\(usage)")
            }
            cursor.advance()
        }
        if coldChild {
            guard let model = options.models.first, options.workloads.count == 1 else {
                throw BenchmarkError.usage("--cold-child needs one --model and one method")
            }
            return .coldChild(model: model, workload: options.workloads[0], threads: options.threads)
        }
        return .benchmark(options)
    }

    static func parseJSON(_ arguments: [String]) throws -> Command {
        var options = JSONThroughput.Options()
        var cursor = ArgumentCursor(arguments)
        while let argument = cursor.current {
            switch argument {
            case "-h", "--help": return .help
            case "--megabytes": options.megabytes = try cursor.positive(argument)
            case "--repeat": options.repeats = try cursor.positive(argument)
            case "--python": options.python = try cursor.value(argument)
            default: throw BenchmarkError.usage("unknown argument \"\(argument)\" for json\n\n\(usage)")
            }
            cursor.advance()
        }
        return .json(options)
    }
}

extension BenchmarkCommandLine {
    static func parseCorpus(_ arguments: [String]) throws -> Command {
        var options = CorpusThroughput.Options()
        var cursor = ArgumentCursor(arguments)
        while let argument = cursor.current {
            switch argument {
            case "-h", "--help": return .help
            case "--model": options.model = try cursor.value(argument)
            case "--methods": options.methods = try cursor.value(argument).split(separator: ",").map(String.init)
            case "--texts": options.texts = try cursor.positive(argument)
            case "--batch": options.batch = try cursor.positive(argument)
            case "--threads": options.threads = try cursor.positive(argument)
            case "--python": options.python = try cursor.value(argument)
            case "--no-python": options.comparePython = false
            default: throw BenchmarkError.usage("unknown argument \"\(argument)\" for corpus\n\n\(usage)")
            }
            cursor.advance()
        }
        return .corpus(options)
    }
}

/// Walks the arguments: a flag's value is the next argument.
struct ArgumentCursor {
    private let arguments: [String]
    private var index = 0
    init(_ arguments: [String]) { self.arguments = arguments }

    var current: String? { index < arguments.count ? arguments[index] : nil }
    mutating func advance() { index += 1 }

    mutating func value(_ flag: String) throws -> String {
        index += 1
        guard index < arguments.count else { throw BenchmarkError.usage("\(flag) needs a value\n\n\(BenchmarkCommandLine.usage)") }
        return arguments[index]
    }

    mutating func positive(_ flag: String) throws -> Int {
        let text = try value(flag)
        guard let number = Int(text), number >= 1 else { throw BenchmarkError.usage("\(flag) must be a positive integer, got \"\(text)\"") }
        return number
    }
}
