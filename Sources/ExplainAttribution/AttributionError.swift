/// What an attribution request can get wrong; the daemon maps these to JSON-RPC errors.
public enum AttributionError: Error, CustomStringConvertible, Equatable {
    case unknownMethod(String)
    /// `name` is the bad field as the protocol spells it: "target", "options.steps".
    case invalidOption(name: String, reason: String)
    case unknownLabel(String)
    case emptyInput
    case cancelled
    /// A computed number is NaN or infinite (weights whose products overflow Float32); names what.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .unknownMethod(let name):
            return "unknown attribution method \"\(name)\" (known: \(AttributionRegistry.methods.map(\.name).joined(separator: ", ")))"
        case .invalidOption(let name, let reason): return "\(name): \(reason)"
        case .unknownLabel(let label): return "unknown label \"\(label)\""
        case .emptyInput: return "no text to explain"
        case .cancelled: return "cancelled"
        case .nonFinite(let what):
            return "the computation overflowed: \(what) is not finite (NaN or infinity: the model's weights or activations exceed Float32)"
        }
    }
}
