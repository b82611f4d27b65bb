/// ‖∂f/∂e_i‖₂, the L2 norm of the gradient with respect to each word embedding (LIT's Gradient Norm).
enum GradientNorm: AttributionMethod {
    static let description = MethodDescription(
        name: "gradientNorm", signed: false, summary: "L2 norm of the gradient with respect to each token's word embedding", options: [])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        MethodResult(scores: try context.inputGradients().map { Rows.norms($0, width: context.embeddingSize) })
    }
}
