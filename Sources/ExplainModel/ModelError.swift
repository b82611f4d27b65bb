import Foundation
import ExplainTokenizer

/// Everything that can be wrong with a model directory. Each case names the file and the problem, so the
/// daemon can pass the message on unchanged.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case unreadable(file: String, reason: String)
    case malformedConfig(file: String, reason: String)
    case unsupportedModelType(file: String, modelType: String)
    /// A head, problem type or file format explaind does not run; the reason names what it does run.
    case unsupported(file: String, reason: String)
    case malformedCheckpoint(file: String, reason: String)
    case malformedSafetensors(file: String, reason: String)
    case missingTensor(file: String, name: String)
    case wrongShape(file: String, name: String, expected: [Int], found: [Int])
    case tokenizer(String)
    /// A loaded model's weight file was replaced, truncated or rewritten on disk.
    case fileChanged(String)
    /// A tensor holds NaN or an infinity.
    case nonFiniteWeights(file: String, name: String, index: Int)
    /// The matrix library (oneDNN) refused to set up a layer's products.
    case matrixLibrary(String)

    public var description: String {
        switch self {
        case .missingFile(let path):
            return LinkedFile.isDangling(path) ? LinkedFile.missing(path) : "\(path): file not found"
        case .unreadable(let file, let reason):
            return "\(file): cannot read: \(reason)"
        case .malformedConfig(let file, let reason):
            return "\(file): malformed config: \(reason)"
        case .unsupportedModelType(let file, let modelType):
            return "\(file): unsupported model_type \"\(modelType)\" (supported: \(Architecture.supportedList))"
        case .unsupported(let file, let reason):
            return "\(file): \(reason)"
        case .malformedSafetensors(let file, let reason):
            return "\(file): malformed safetensors: \(reason)"
        case .malformedCheckpoint(let file, let reason):
            return "\(file): malformed checkpoint: \(reason)"
        case .missingTensor(let file, let name):
            return "\(file): missing tensor \(name)"
        case .wrongShape(let file, let name, let expected, let found):
            return "\(file): tensor \(name) has shape \(found), expected \(expected)"
        case .tokenizer(let message), .matrixLibrary(let message):
            return message
        case .fileChanged(let path):
            return "\(path) changed on disk after the model was loaded; reload the model (models/unload, then models/load)"
        case .nonFiniteWeights(let file, let name, let index):
            return "\(file): tensor \(name) holds a non-finite value (NaN or infinity) at element \(index)"
        }
    }

    /// True when the files exist but are not a usable model (as opposed to absent ones).
    public var isCorrupt: Bool {
        switch self {
        case .missingFile, .unsupportedModelType, .unsupported: return false
        default: return true
        }
    }
}
