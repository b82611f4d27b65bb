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

    /// A directory that exists but does not load: corrupt (bad files) or unsupported (valid, but not a
    /// BERT/DistilBERT sequence classifier we can run).
    static func modelLoadError(_ error: Error, path: String) -> ResponseError {
        let detail = String(describing: error)
        let lowered = detail.lowercased()
        let unsupported = lowered.contains("unsupported") || lowered.contains("not supported")
        return ResponseError(code: unsupported ? .modelUnsupported : .modelCorrupt,
                             message: "model \(unsupported ? "unsupported" : "corrupt"): \(path): \(detail)",
                             data: ["path": .string(path), "detail": .string(detail)])
    }
}
