import ExplainProtocol
import ExplainTokenizer
import ExplainModel
import ExplainAttribution
import ExplainTraining

/// The one place where library errors become protocol errors (STYLE: each module keeps its own error enum;
/// conversion happens at the daemon boundary).
enum ErrorMapping {
    static func responseError(for error: Error) -> ResponseError {
        switch error {
        case let error as ResponseError: return error
        case let field as InvalidField: return .invalidParams(field)
        case let error as AttributionError: return attributionError(error, in: .unknownRequest)
        default: return .internalError(String(describing: error))
        }
    }

    /// The params fields an attribution error can concern, named as the request at hand names them.
    struct AttributionFields {
        /// The field naming an unknown method.
        var method: (String) -> String
        var target: ClassSelector?
        var foil: ClassSelector?
        /// The field holding the text(s), and what was being done with them.
        var input: String
        var action: String

        static let unknownRequest = AttributionFields(method: { _ in "method" }, target: nil, foil: nil, input: "text", action: "explain")

        static func explain(_ params: ExplainParams) -> AttributionFields {
            AttributionFields(method: { _ in "method" }, target: params.scoring.target, foil: params.scoring.foil,
                              input: { if case .many = params.input { return "texts" } else { return "text" } }(),
                              action: "explain")
        }

        static func compareMethods(_ params: CompareMethodsParams, methods: [String]) -> AttributionFields {
            AttributionFields(method: { name in methods.firstIndex(of: name).map { "methods[\($0)]" } ?? "methods" },
                              target: params.scoring.target, foil: params.scoring.foil, input: "text", action: "compare")
        }
    }

    static func attributionError(_ error: AttributionError, in fields: AttributionFields) -> ResponseError {
        switch error {
        case .cancelled: return .cancelled
        case .nonFinite: return .internalError(error.description)
        case .unknownMethod(let name):
            let known = AttributionRegistry.methods.map(\.name).joined(separator: ", ")
            return .invalidParams(field: fields.method(name), reason: "unknown attribution method \"\(name)\"; one of \(known)")
        case .invalidOption(let name, let reason):
            return .invalidParams(field: name, reason: reason)
        case .unknownLabel(let label):
            let field = fields.foil == .label(label) && fields.target != .label(label) ? "foil" : "target"
            return .invalidParams(field: field, reason: "unknown label \"\(label)\"")
        case .emptyInput:
            return .invalidParams(field: fields.input,
                                  reason: "nothing to \(fields.action): the text has no tokens besides [CLS] and [SEP]")
        }
    }

    /// What `models/adapt` was given that cannot be used (tokens, data, options, --out) is invalid params;
    /// a model that cannot be trained is unsupported; the rest is internal.
    static func trainingError(_ error: TrainingError) -> ResponseError {
        switch error {
        case .cancelled: return .cancelled
        case .invalidArgument, .badRecords, .malformedFile, .missingFile: return ResponseError(code: .invalidParams, message: error.description)
        case .model(let message): return ResponseError(code: .modelUnsupported, message: message)
        default: return .internalError(error.description)
        }
    }

    /// A directory that exists but does not load: missing files (not found), a model type we cannot run
    /// (unsupported), or broken files (corrupt). The library's message names the file and the problem.
    static func modelLoadError(_ error: Error, path: String) -> ResponseError {
        let code: ErrorCode
        switch error {
        case ModelError.missingFile: code = .modelNotFound
        case ModelError.unsupportedModelType, ModelError.unsupported: code = .modelUnsupported
        default: code = .modelCorrupt
        }
        let kind = code == .modelNotFound ? "not found" : code == .modelUnsupported ? "unsupported" : "corrupt"
        return ResponseError(code: code, message: "model \(kind): \(error)",
                             data: ["path": .string(path), "detail": .string(String(describing: error))])
    }
}
