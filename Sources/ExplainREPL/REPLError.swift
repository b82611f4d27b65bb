import ExplainProtocol

/// What can go wrong on the client side of the REPL; protocol errors from the daemon are carried as they came.
public enum REPLError: Error, CustomStringConvertible, Equatable {
    /// The daemon could not be started (bad command, missing binary).
    case serverStart(String)
    /// The daemon's output ended or broke the framing; `log` is the tail of its stderr.
    case serverExited(status: Int32?, log: String)
    /// The daemon answered with a JSON-RPC error.
    case remote(code: Int, message: String, data: JSONValue?)
    /// The user interrupted the wait (second Ctrl-C while a cancel was pending).
    case abandoned
    /// A reply whose shape the REPL does not understand.
    case unexpectedReply(String)
    /// A command line or `:command` the REPL cannot accept, with a hint.
    case usage(String)
    case io(String)

    public var description: String {
        switch self {
        case .serverStart(let s): return "cannot start the daemon: \(s)"
        case let .serverExited(status, log):
            let code = status.map { " (exit status \($0))" } ?? ""
            return "the daemon stopped\(code)" + (log.isEmpty ? "" : ":\n" + log)
        case let .remote(code, message, data):
            var text = "\(message) [\(code)]"
            if let field = data?["field"]?.stringValue { text += " (field \(field))" }
            return text
        case .abandoned: return "request abandoned"
        case .unexpectedReply(let s): return "unexpected reply from the daemon: \(s)"
        case .usage(let s): return s
        case .io(let s): return s
        }
    }

    public var isCancelled: Bool {
        if case .remote(let code, _, _) = self { return code == ErrorCode.requestCancelled.rawValue }
        return false
    }

    public var isMethodNotFound: Bool {
        if case .remote(let code, _, _) = self { return code == ErrorCode.methodNotFound.rawValue }
        return false
    }
}
