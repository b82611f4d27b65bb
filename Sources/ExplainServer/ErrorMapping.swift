import ExplainProtocol
import ExplainTokenizer
import ExplainModel
import ExplainAttribution

/// The one place where library errors become protocol errors (STYLE: each module keeps its own error enum;
/// conversion happens at the daemon boundary).
enum ErrorMapping {
    static func responseError(for error: Error) -> ResponseError {
        switch error {
        case let error as ResponseError: return error
        case let field as InvalidField: return .invalidParams(field)
        case AttributionError.cancelled: return .cancelled
        case let error as AttributionError: return attributionError(error, params: nil)
        default: return .internalError(String(describing: error))
        }
    }

    static func attributionError(_ error: AttributionError, params: ExplainParams?) -> ResponseError {
        switch error {
        case .cancelled: return .cancelled
        case .nonFinite: return .internalError(error.description)
        case .unknownMethod(let name):
            let known = AttributionRegistry.methods.map(\.name).joined(separator: ", ")
            return .invalidParams(field: "method", reason: "unknown attribution method \"\(name)\"; one of \(known)")
        case .invalidOption(let name, let reason):
            return .invalidParams(field: name, reason: reason)
        case .unknownLabel(let label):
            let field = params?.foil == .label(label) && params?.target != .label(label) ? "foil" : "target"
            return .invalidParams(field: field, reason: "unknown label \"\(label)\"")
        case .emptyInput:
            return .invalidParams(field: params.map { if case .many = $0.input { return "texts" } else { return "text" } } ?? "text",
                                  reason: "nothing to explain: the text has no tokens besides [CLS] and [SEP]")
        }
    }

    /// A directory that exists but does not load: missing files (not found), a model type we cannot run
    /// (unsupported), or broken files (corrupt). The library's message names the file and the problem.
    static func modelLoadError(_ error: Error, path: String) -> ResponseError {
        let code: ErrorCode
        switch error {
        case ModelError.missingFile: code = .modelNotFound
        case ModelError.unsupportedModelType: code = .modelUnsupported
        default: code = .modelCorrupt
        }
        let kind = code == .modelNotFound ? "not found" : code == .modelUnsupported ? "unsupported" : "corrupt"
        return ResponseError(code: code, message: "model \(kind): \(error)",
                             data: ["path": .string(path), "detail": .string(String(describing: error))])
    }
}
