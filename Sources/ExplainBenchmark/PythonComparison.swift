import ExplainJSON
import Foundation

/// The same workload in PyTorch + Captum, as Scripts/reference/bench_pytorch.py reports it.
public struct PythonComparison: Sendable {
    public struct Timings: Sendable {
        public var seconds: TimingSummary
        public var cpuSeconds: TimingSummary?
    }
    public struct Method: Sendable {
        public var single: Timings
        public var batch: Timings
        public var coldStart: ColdStart?
    }
    public var torch: String
    public var captum: String
    public var transformers: String
    public var threads: Int
    public var repeats: Int
    public var methods: [String: Method]
    public struct SweepPoint: Sendable {
        public var tokens: Int
        public var seconds: TimingSummary
        /// Absent in reports from before the script measured CPU time.
        public var cpuSeconds: TimingSummary?
    }
    /// gradientNorm on the length sweep's texts, one call each, in the same order.
    public var lengthSweep: [SweepPoint]?

    /// Runs the reference script on `model` and decodes its report; nil with a reason when torch is missing.
    public static func run(script: String, python: String = "python3", model: String, repeats: Int, threads: Int,
                           methods: [String], sentences: Int, tokens: Int? = nil, coldStart: Bool, lengthTexts: [String] = []) throws -> PythonComparison {
        let probe = try ChildProcess.run(python, ["-c", "import torch, captum, transformers"])
        guard probe.exitStatus == 0 else { throw BenchmarkError.pythonUnavailable(probe.standardError.split(separator: "\n").last.map(String.init) ?? "") }
        var arguments = [script, model, "--json", "--repeat", String(repeats), "--threads", String(threads),
                         "--methods", methods.joined(separator: ","), "--sentences", String(sentences)]
        if let tokens { arguments += ["--tokens", String(tokens)] }
        if !coldStart { arguments.append("--no-cold-start") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("explaind-bench-\(getpid())-length-texts.json")
        defer { try? FileManager.default.removeItem(at: file) }
        if !lengthTexts.isEmpty {
            try Data(JSONSerializer.serialize(.array(lengthTexts.map { .string($0) }))).write(to: file)
            arguments += ["--length-texts", file.path]
        }
        let run = try ChildProcess.run(python, arguments, passStandardError: true)
        guard run.exitStatus == 0 else { throw BenchmarkError.childFailed(script, status: run.exitStatus, stderr: run.standardError) }
        do {
            return try PythonComparison(json: try JSONParser.parse(run.standardOutput), at: "")
        } catch {
            throw BenchmarkError.malformedChildOutput(script, output: "\(error): \(run.standardOutput)")
        }
    }
}

// The script's JSON, key for key (`json.dumps(report)` in bench_pytorch.py's main).

extension PythonComparison: JSONRecord {}
extension PythonComparison.Timings: JSONRecord {}
extension PythonComparison.Method: JSONRecord {}
extension PythonComparison.SweepPoint: JSONRecord {}
