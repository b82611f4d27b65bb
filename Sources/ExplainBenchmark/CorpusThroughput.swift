#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainJSON

/// `explaind-bench corpus`: texts/s of `explaind corpus` on tweet-length texts (TokenizerBenchmark's), per
/// method, beside PyTorch + Captum explaining the same texts in batches of the same size
/// (Scripts/reference/bench_corpus_pytorch.py). Ours is timed from outside, the whole command (model load and
/// output writing included); PyTorch's from after its model load.
public enum CorpusThroughput {
    public struct Options: Sendable {
        public var model: String? = nil
        public var methods = ["gradientXInput", "integratedGradients"]
        public var texts = 10_000
        public var batch = 16
        public var threads = 2
        public var python = "python3"
        public var comparePython = true
        public init() {}
    }

    public struct Row: Sendable {
        var method: String
        var texts: Int
        var seconds: Double
        var pythonSeconds: Double?
    }

    /// The options `explaind-bench`'s own workloads use for a method (integrated gradients: 50 steps).
    static func settings(_ method: String) -> [String] {
        method == "integratedGradients" ? ["--set", "steps=50"] : []
    }

    public static func run(_ options: Options, explaind: String, script: String, log: (String) -> Void) throws -> [Row] {
        let model = options.model ?? DefaultModelLocation.resolve().directory
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("explaind-bench-corpus-\(getpid())")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let textsFile = work.appendingPathComponent("texts.txt")
        let texts = TokenizerBenchmark.tweetTexts(count: options.texts)
        try Data((texts.joined(separator: "\n") + "\n").utf8).write(to: textsFile)
        var rows: [Row] = []
        for method in options.methods {
            log("corpus: \(method) on \(texts.count) texts")
            let ours = try ChildProcess.run(explaind, [
                "corpus", "--in", textsFile.path, "--out", work.appendingPathComponent("out.jsonl").path, "--model", model,
                "--method", method, "--batch", String(options.batch), "--threads", String(options.threads)] + settings(method))
            guard ours.exitStatus == 0 else { throw BenchmarkError.childFailed("explaind corpus", status: ours.exitStatus, stderr: ours.standardError) }
            var row = Row(method: method, texts: texts.count, seconds: ours.wallSeconds, pythonSeconds: nil)
            if options.comparePython {
                let theirs = try ChildProcess.run(options.python, [script, model, textsFile.path, "--method", method,
                                                                   "--batch", String(options.batch), "--threads", String(options.threads)])
                if theirs.exitStatus == 0, let report = try? JSONParser.parse(theirs.standardOutput), let seconds = report["seconds"]?.doubleValue {
                    row.pythonSeconds = seconds
                } else {
                    log("corpus: PyTorch not run (\(options.python) \(script) failed: \(theirs.standardError.split(separator: "\n").last ?? ""))")
                }
            }
            rows.append(row)
        }
        return rows
    }

    public static func render(_ rows: [Row], options: Options) -> String {
        var lines = ["method                 texts   explaind corpus      PyTorch + Captum     ratio (time)"]
        for row in rows {
            let ours = String(format: "%8.1f texts/s", Double(row.texts) / row.seconds)
            let theirs = row.pythonSeconds.map { String(format: "%8.1f texts/s", Double(row.texts) / $0) } ?? "               -"
            let ratio = row.pythonSeconds.map { String(format: "%6.2f", row.seconds / $0) } ?? "     -"
            lines.append(row.method.padding(toLength: 20, withPad: " ", startingAt: 0) + String(format: "%8d", row.texts)
                         + "   " + ours + "     " + theirs + "     " + ratio)
        }
        lines.append("(batches of \(options.batch) texts, \(options.threads) threads each; integrated gradients 50 steps; ours: the whole "
                     + "command, model load and output included; PyTorch: after its model load; ratio below 1: explaind is faster)")
        return lines.joined(separator: "\n")
    }
}
