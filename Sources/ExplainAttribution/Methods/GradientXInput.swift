/// ⟨∂f/∂e_i, e_i⟩, signed (Shrikumar et al. 2016; LIT's Gradient ⊙ Input summed over the hidden axis).
enum GradientXInput: AttributionMethod {
    static let description = MethodDescription(
        name: "gradientXInput", signed: true, summary: "gradient times input, summed over the embedding", options: [])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let gradients = try context.inputGradients()
        return MethodResult(scores: zip(gradients, context.embeddings).map { Rows.dots($0, $1, width: context.embeddingSize) })
    }
}
