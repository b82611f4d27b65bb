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

extension PythonComparison: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("torch", torch)
        o.set("captum", captum)
        o.set("transformers", transformers)
        o.set("threads", threads)
        o.set("repeats", repeats)
        o.set("methods", methods)
        o.set("lengthSweep", lengthSweep)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(torch: try o.required("torch"), captum: try o.required("captum"), transformers: try o.required("transformers"),
                  threads: try o.required("threads"), repeats: try o.required("repeats"), methods: try o.required("methods"),
                  lengthSweep: try o.optional("lengthSweep"))
    }
}

extension PythonComparison.Timings: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("seconds", seconds)
        o.set("cpuSeconds", cpuSeconds)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(seconds: try o.required("seconds"), cpuSeconds: try o.optional("cpuSeconds"))
    }
}

extension PythonComparison.Method: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("single", single)
        o.set("batch", batch)
        o.set("coldStart", coldStart)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(single: try o.required("single"), batch: try o.required("batch"), coldStart: try o.optional("coldStart"))
    }
}

extension PythonComparison.SweepPoint: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("tokens", tokens)
        o.set("seconds", seconds)
        o.set("cpuSeconds", cpuSeconds)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(tokens: try o.required("tokens"), seconds: try o.required("seconds"), cpuSeconds: try o.optional("cpuSeconds"))
    }
}
