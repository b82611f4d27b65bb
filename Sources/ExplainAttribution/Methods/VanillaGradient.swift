/// The reference workflow's method (Simonyan et al. 2014, applied to BERT): the gradient of the objective
/// with respect to a one-hot encoding of the input ids, its L2 norm over the vocabulary, ‖E g_i‖₂ —
/// computed through the Gram matrix EᵀE, never the vocabulary-sized one-hot tensor.
enum VanillaGradient: AttributionMethod {
    static let description = MethodDescription(
        name: "vanillaGradient", signed: false,
        summary: "L2 norm of the gradient with respect to the one-hot input ids (Simonyan et al. 2014)", options: [])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        MethodResult(scores: try context.inputGradients().map { context.model.oneHotGradientNorms($0) })
    }
}
