import Foundation
import ExplainRecords

/// `explaind adapt ...`: parses the flags into an Adaptation, runs it with progress on stderr, and stops
/// training at Ctrl-C (the best state so far is still written).
enum AdaptCommandLine {
    static let usage = """
    usage: explaind adapt --model DIR --data FILE [--heldout FILE] (--add-tokens "A,B,C" | --add-from AGGREGATE.json --top N)
                          [--train embeddings|head|embeddings+head|top-layers:K] --out DIR
                          [--epochs E] [--lr X] [--weight-decay X] [--batch-size N] [--seed S]
                          [--format jsonl|csv|tsv] [--text-field F] [--label-field F]

    Adds whole-word tokens to a sequence classifier (as transformers' add_tokens + resize_token_embeddings; each new
    row starts as the mean of the rows of the pieces the token split into), trains on the gold labels of --data
    (cross-entropy, AdamW; the epoch with the best held-out accuracy is kept), and writes a HuggingFace directory to
    --out (config.json, model.safetensors, tokenizer files) with adapt-report.json and adapt-report.html: accuracy
    before and after, and each added token's attribution before (summed over its pieces) and after.

      --data FILE, --heldout FILE   JSON Lines, or CSV/TSV with a header row, with a text and a gold label per record,
                                    read as `explaind corpus` reads --in; any bad record (reported by line) stops the run
      --format KIND                 jsonl, csv or tsv for both files (default: each by its extension: .jsonl .ndjson
                                    .json, .csv, .tsv .tab)
      --text-field F, --label-field F   the fields or columns (default text, label)
      --add-tokens "A,B,C"          the tokens to add, comma-separated
      --add-from FILE --top N       the first N words of a corpus aggregate's "fragmentation" table
      --train MODE                  embeddings (the new rows), head (pooler/dense + classifier), embeddings+head
                                    (default), top-layers:K (also every weight of the last K encoder layers;
                                    ALBERT: whole groups; DeBERTa's relative embeddings with K = all)
      --out DIR                     a new directory (built beside it, moved into place at the end)
      --epochs E (default \(AdaptTrainer.Settings().epochs))  --lr X (default \(AdaptTrainer.Settings().learningRate))  --weight-decay X (default \(AdaptTrainer.Settings().weightDecay))
      --batch-size N (default \(AdaptTrainer.Settings().batchSize))  --seed S (default \(AdaptTrainer.Settings().seed))
    Ctrl-C stops training; the best epoch so far is written.
    """

    nonisolated(unsafe) static var interrupted: sig_atomic_t = 0

    static func run(_ arguments: [String], say: (String) -> Void, log: @escaping (String) -> Void) throws {
        let adaptation = try parse(arguments)
        signal(SIGINT) { _ in AdaptCommandLine.interrupted = 1 }
        defer { signal(SIGINT, SIG_DFL) }
        var lastShown = Date.distantPast
        let result = try adaptation.run(events: { event in
            switch event {
            case .stage(let text): log(text)
            case .batch(let done, let total):
                if Date().timeIntervalSince(lastShown) > 2 || done == total {
                    lastShown = Date()
                    log("batch \(done)/\(total)")
                }
            case .epoch(let number, let of, let loss, let accuracy, let heldout):
                say("epoch \(number)/\(of)  loss \(String(format: "%.4f", loss))  \(heldout ? "held-out" : "train") accuracy \(TrainCommand.percent(accuracy))")
            }
        }, shouldStop: {
            if interrupted != 0 { log("interrupted: keeping the best epoch so far") }
            return interrupted != 0
        })
        let report = result.report
        say("accuracy \(TrainCommand.percent(report.accuracyBefore)) before, \(TrainCommand.percent(report.accuracyAfter)) after (\(report.evaluatedTexts) \(report.evaluatedOn) texts)")
        for token in report.tokens {
            say("  \(token.token): \(token.pieces.joined(separator: " ")) → one token; in \(token.texts) texts; attribution "
                + "\(String(format: "%.4g", token.attributionBefore)) → \(String(format: "%.4g", token.attributionAfter))")
        }
        say("model written to \(result.directory.path)")
    }

    static func parse(_ arguments: [String]) throws -> Adaptation {
        var model: URL?, data: URL?, heldout: URL?, out: URL?, list: [String]?, aggregate: URL?, top: Int?
        var options: [(String, String)] = []
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var flag = argument, inline: String?
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                flag = String(argument[..<eq])
                inline = String(argument[argument.index(after: eq)...])
            }
            guard flag.hasPrefix("--") else { throw TrainingError.invalidArgument("unexpected argument \"\(argument)\" (see explaind adapt --help)") }
            guard let value = inline ?? rest.popFirst() else { throw TrainingError.invalidArgument("\(flag) needs a value") }
            switch flag {
            case "--model": model = URL(fileURLWithPath: value)
            case "--data": data = URL(fileURLWithPath: value)
            case "--heldout": heldout = URL(fileURLWithPath: value)
            case "--out": out = URL(fileURLWithPath: value)
            case "--add-tokens": list = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            case "--add-from": aggregate = URL(fileURLWithPath: value)
            case "--top":
                guard let n = Int(value), n > 0 else { throw TrainingError.invalidArgument("--top needs a positive integer, got \"\(value)\"") }
                top = n
            default: options.append((flag, value))
            }
        }
        guard let model else { throw TrainingError.invalidArgument("--model DIR is required (see explaind adapt --help)") }
        guard let data else { throw TrainingError.invalidArgument("--data FILE is required") }
        guard let out else { throw TrainingError.invalidArgument("--out DIR is required") }
        let tokens: Adaptation.TokenSource
        switch (list, aggregate) {
        case (let list?, nil): tokens = .list(list)
        case (nil, let aggregate?):
            guard let top else { throw TrainingError.invalidArgument("--add-from needs --top N") }
            tokens = .aggregate(aggregate, top: top)
        case (nil, nil): throw TrainingError.invalidArgument("give the tokens: --add-tokens \"A,B,C\" or --add-from AGGREGATE.json --top N")
        default: throw TrainingError.invalidArgument("--add-tokens and --add-from exclude each other")
        }
        var adaptation = Adaptation(model: model, data: data, heldout: heldout, tokens: tokens, out: out)
        for (flag, value) in options { try adaptation.set(flag, value) }
        return adaptation
    }
}

extension Adaptation {
    /// Sets one of the training options by its command-line flag, or its models/adapt field name.
    public mutating func set(_ name: String, _ value: String) throws {
        let flag = Self.flags[name] ?? name
        func positive(_ allowZero: Bool = false) throws -> Double {
            guard let x = Double(value), x.isFinite, allowZero ? x >= 0 : x > 0 else {
                throw TrainingError.invalidArgument("\(flag) needs a \(allowZero ? "non-negative" : "positive") number, got \"\(value)\"")
            }
            return x
        }
        func count() throws -> Int {
            guard let n = Int(value), n > 0 else { throw TrainingError.invalidArgument("\(flag) needs a positive integer, got \"\(value)\"") }
            return n
        }
        switch flag {
        case "--train": training = try AdaptTraining.parse(value)
        case "--epochs": epochs = try count()
        case "--batch-size": batchSize = try count()
        case "--lr": learningRate = try positive()
        case "--weight-decay": weightDecay = try positive(true)
        case "--seed":
            guard let seed = UInt64(value) else { throw TrainingError.invalidArgument("--seed needs a non-negative integer, got \"\(value)\"") }
            self.seed = seed
        case "--format":
            guard let format = InputFormat(rawValue: value), format != .text else {
                throw TrainingError.invalidArgument("\(flag) is jsonl, csv or tsv (adapt needs gold labels), got \"\(value)\"")
            }
            self.format = format
        case "--text-field": textField = value
        case "--label-field": labelField = value
        default: throw TrainingError.invalidArgument("unknown argument \"\(flag)\" (see explaind adapt --help)")
        }
    }

    /// models/adapt's field names for the flags.
    static let flags = ["train": "--train", "epochs": "--epochs", "batchSize": "--batch-size", "learningRate": "--lr",
                        "weightDecay": "--weight-decay", "seed": "--seed", "format": "--format", "textField": "--text-field",
                        "labelField": "--label-field"]
}
