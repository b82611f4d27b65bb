import ExplainModel

/// Gradient-weighted attention (Chefer, Gur & Wolf, ICCV 2021, "Generic attention-model explainability",
/// their self-attention rule): per layer Ā = head-mean of max(0, ∂f/∂A ⊙ A), accumulated from R = I as
/// R ← R + Ā·R; the score is R's first row without the first token itself (0 there). f is the request's
/// objective (target logit or probability, minus the foil's), differentiated by the model's own backward.
enum AttentionGradient: AttributionMethod {
    static let description = MethodDescription(
        name: "attentionGradient", signed: false,
        summary: "gradient-weighted attention: head-mean of the positive part of ∂f/∂A ⊙ A, accumulated across layers from the identity, the first token's row (Chefer, Gur & Wolf 2021)",
        options: [])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let scores = try context.attentionMaps(gradients: true).map { layers -> [Float] in
            let t = layers.first?.keys ?? 0
            // R ← (I + Ā)·R, so R_L = (I + Ā_L)···(I + Ā_1).
            let matrices = layers.map { maps -> (queries: Int, matrix: [Double]) in
                var matrix = AttentionFlow.headMean(maps) { a, gradient in max(0, a * gradient) }
                for i in 0..<maps.queries { matrix[i * t + i] += 1 }
                return (maps.queries, matrix)
            }
            var row = AttentionFlow.firstRow(matrices, tokens: t).map { Float($0) }
            if !row.isEmpty { row[0] = 0 }
            return row
        }
        return MethodResult(scores: scores)
    }
}
