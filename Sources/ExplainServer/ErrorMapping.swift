import ExplainProtocol

/// The one place where library errors become protocol errors (STYLE: each module keeps its own error enum;
/// conversion happens at the daemon boundary).
enum ErrorMapping {
    static func responseError(for error: Error) -> ResponseError {
        switch error {
        case let error as ResponseError: return error
        case let field as InvalidField: return .invalidParams(field)
        default: return .internalError(String(describing: error))
        }
    }
}
