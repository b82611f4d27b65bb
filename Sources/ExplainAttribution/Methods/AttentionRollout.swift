import ExplainModel

/// Attention rollout (Abnar & Zuidema 2020): per layer the head-mean attention plus the identity (the
/// residual path), rows renormalised, multiplied across layers; the first token's row is the score. It
/// reads the attention of the forward pass only, so it is the same for every target, foil and output.
enum AttentionRollout: AttributionMethod {
    static let description = MethodDescription(
        name: "attentionRollout", signed: false,
        summary: "attention rollout: head-mean attention plus identity, multiplied across layers, the first token's row (Abnar & Zuidema 2020); class-agnostic, the same whatever the target",
        options: [])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let scores = try context.attentionMaps(gradients: false).map { layers -> [Float] in
            let t = layers.first?.keys ?? 0
            let matrices = layers.map { maps -> (queries: Int, matrix: [Double]) in
                var matrix = AttentionFlow.headMean(maps) { a, _ in a }
                for i in 0..<maps.queries {
                    matrix[i * t + i] += 1
                    let row = i * t..<(i + 1) * t
                    let sum = matrix[row].reduce(0, +)
                    for j in row { matrix[j] /= sum }
                }
                return (maps.queries, matrix)
            }
            return AttentionFlow.firstRow(matrices, tokens: t).map { Float($0) }
        }
        return MethodResult(scores: scores)
    }
}
