/// What `initialize` advertises and `explain` accepts for each method.
public struct MethodDescription: Sendable {
    public var name: String
    /// Whether scores can be negative (a diverging colour scale) or are magnitudes.
    public var signed: Bool
    public var summary: String
    public var options: [OptionSpec]
}

/// Every attribution method, in the protocol's order. A new method is one file and one line here.
public enum AttributionRegistry {
    static let all: [any AttributionMethod.Type] = [
        VanillaGradient.self, GradientNorm.self, GradientXInput.self, IntegratedGradients.self, SmoothGrad.self, Occlusion.self,
        Lime.self, KernelShap.self, AttentionRollout.self, AttentionGradient.self, SequentialIntegratedGradients.self,
    ]

    public static var methods: [MethodDescription] { all.map { $0.description } }

    static func method(named name: String) throws -> any AttributionMethod.Type {
        guard let method = all.first(where: { $0.description.name == name }) else { throw AttributionError.unknownMethod(name) }
        return method
    }
}
