/// What can go wrong in a benchmark run, each naming the thing at fault.
public enum BenchmarkError: Error, CustomStringConvertible, Equatable {
    case usage(String)
    case unknownMethod(String, known: [String])
    case spawnFailed(String, reason: String)
    case childFailed(String, status: Int32, stderr: String)
    case malformedChildOutput(String, output: String)
    case pythonUnavailable(String)

    public var description: String {
        switch self {
        case .usage(let message): return message
        case .unknownMethod(let name, let known): return "unknown method \"\(name)\" (known: \(known.joined(separator: ", ")))"
        case .spawnFailed(let command, let reason): return "could not start \(command): \(reason)"
        case .childFailed(let command, let status, let stderr):
            return "\(command) exited with status \(status): \(stderr.split(separator: "\n").suffix(5).joined(separator: "\n"))"
        case .malformedChildOutput(let command, let output): return "\(command) printed unexpected output: \(output.prefix(400))"
        case .pythonUnavailable(let reason): return "PyTorch + Captum are not importable (\(reason))"
        }
    }
}
