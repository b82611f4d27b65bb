#if canImport(Glibc)
import Glibc
#endif
import ExplainServer
import ExplainTraining

// `explaind setup` and `explaind train ...` (the default model) before the daemon's own options.
if let status = TrainingCommandLine.run(Array(CommandLine.arguments.dropFirst())) { exit(status) }

do {
    switch try ServerCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
    case .help: print(ServerCommandLine.usage)
    case .version: print("explaind \(ServerCommandLine.version)")
    case .serve(let options): Daemon.run(options: options)
    }
} catch {
    fputs("explaind: \(error)\n", stderr)
    exit(2)
}
