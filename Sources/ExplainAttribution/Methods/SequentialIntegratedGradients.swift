import ExplainModel

/// Sequential integrated gradients (Enguehard 2023): each word in turn is integrated from a baseline in
/// which only that word's tokens take the baseline embedding (the mask token's by default) and every other
/// token keeps its own, so the path stays close to real sentences; a word's tokens take their scores from
/// their word's path. Same quadrature rules, steps, batched passes and adaptive schedule as
/// integratedGradients (IntegratedGradients.integrate). The gap is summed over the words' paths: Σ scores
/// − Σ_w (f(x) − f(b_w)). Special tokens belong to no word and score 0.
enum SequentialIntegratedGradients: AttributionMethod {
    static let description = MethodDescription(
        name: "sequentialIntegratedGradients", signed: true,
        summary: "sequential integrated gradients: integrated gradients of each word from a baseline that masks only that word (Enguehard 2023)",
        // the word's tokens take the baseline; the tolerance of the adaptive mode applies to each word's path
        options: IntegratedGradients.pathOptions(baselines: ["mask", "pad", "unk", "zero"]))

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let h = context.embeddingSize
        let replacement = try IntegratedGradients.baselineRow(context, kind: context.options.string("baseline"))
        var paths: [IntegratedGradients.Path] = []
        for s in 0..<context.sequenceCount {
            for word in context.words[s] where !word.isEmpty {
                var baseline = context.embeddings[s]
                for t in word where !context.special[s][t] { baseline.replaceSubrange(t * h..<(t + 1) * h, with: replacement) }
                paths.append(IntegratedGradients.Path(sequence: s, baseline: baseline))
            }
        }
        let results = try IntegratedGradients.integrate(context, from: paths, message: "sequential integrated gradients")
        var scores = context.ids.map { [Float](repeating: 0, count: $0.count) }
        var gaps = [Double](repeating: 0, count: context.sequenceCount), expected = gaps
        var steps = [Int](repeating: 0, count: context.sequenceCount)
        for (path, result) in zip(paths, results) {
            let s = path.sequence
            // Outside its word a path's baseline is the input itself, so its scores there are exactly 0.
            for t in scores[s].indices { scores[s][t] += result.scores[t] }
            gaps[s] += result.gap
            expected[s] += result.expectedDelta
            steps[s] = max(steps[s], result.steps)
        }
        let evaluations = results.first?.evaluations ?? 0
        let extras = (0..<context.sequenceCount).map { s -> [String: OptionValue] in
            ["gap": .number(gaps[s]), "expectedDelta": .number(expected[s]), "steps": .number(Double(steps[s])),
             "words": .number(Double(context.words[s].count)), "evaluations": .number(Double(evaluations))]
        }
        return MethodResult(scores: scores, extras: extras)
    }
}
