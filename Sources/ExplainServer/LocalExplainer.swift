import Foundation
import ExplainProtocol
import ExplainAttribution
import ExplainModel

/// `explain` in the caller's own process: one model loaded as the daemon loads it, and the handler's own steps
/// (ExplainHandler.explanations), so a batch job gets the daemon's numbers without pipes or framing.
public final class LocalExplainer: @unchecked Sendable {
    let resident: ResidentModel
    public let limits: ServerOptions
    public let positionEncoding: PositionEncoding

    /// Errors are the daemon's: a ResponseError saying "model not found / unsupported / corrupt".
    public init(directory: String, limits: ServerOptions, positionEncoding: PositionEncoding) throws {
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        let model: ClassifierModel
        do { model = try ClassifierModel.load(directory: url) } catch {
            throw ErrorMapping.modelLoadError(error, path: url.path)
        }
        resident = ResidentModel(id: url.lastPathComponent, path: url.path, model: model)
        self.limits = limits
        self.positionEncoding = positionEncoding
    }

    public var labels: [String] { resident.model.config.labels }
    public var maxTokens: Int { resident.model.maxTokens }

    public func explain(_ params: ExplainParams, control: RunControl = .none) throws -> [ExplanationInfo] {
        try ExplainHandler.explanations(params, resident: resident, limits: limits, control: control,
                                        positionEncoding: positionEncoding).infos
    }
}
