#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainBenchmark
import ExplainJSON

func logLine(_ message: String) { fputs(message + "\n", stderr) }

do {
    switch try BenchmarkCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help:
        print(BenchmarkCommandLine.usage)
    case .tokenizers(let directories, let python):
        let script = URL(fileURLWithPath: BenchmarkOptions.defaultPythonScript).deletingLastPathComponent()
            .appendingPathComponent("bench_tokenizers.py").path
        print(try TokenizerBenchmark.run(directories: directories, python: python, script: script, log: logLine))
    case .corpus(let options):
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let script = URL(fileURLWithPath: BenchmarkOptions.defaultPythonScript).deletingLastPathComponent()
            .appendingPathComponent("bench_corpus_pytorch.py").path
        let rows = try CorpusThroughput.run(options, explaind: here.appendingPathComponent("explaind").path, script: script, log: logLine)
        print(CorpusThroughput.render(rows, options: options))
    case .json(let options):
        print(JSONThroughput.render(try JSONThroughput.run(options, log: logLine)))
    case .coldChild(let model, let workload, let threads):
        print(try BenchmarkRunner.coldChild(model: model, workload: workload, threads: threads))
    case .benchmark(var options):
        if options.models.isEmpty {
            let (directory, note) = DefaultModelLocation.resolve()
            logLine(note)
            options.models = [directory]
        }
        let report = try BenchmarkRunner.run(options, log: logLine)
        if options.json {
            print(PrettyJSON.string(report.json))
        } else {
            print(ReportTable.render(report))
        }
    }
} catch {
    fputs("explaind-bench: \(error)\n", stderr)
    exit(2)
}
