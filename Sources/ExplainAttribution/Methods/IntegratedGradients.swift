import ExplainModel

/// Integrated gradients (Sundararajan et al. 2017) in word-embedding space, as Captum's
/// LayerIntegratedGradients on the word-embedding layer: IG_i = Σ_h (e_i − b_i)_h · Σ_k w_k ∂f/∂e(α_k)_{i,h}
/// on the straight path e(α) = b + α(e − b). Special tokens keep their own embedding in the baseline, so
/// their attribution is 0. Completeness: Σ_i IG_i ≈ f(x) − f(b); the gap is reported.
enum IntegratedGradients: AttributionMethod {
    static let description = MethodDescription(
        name: "integratedGradients", signed: true,
        summary: "integrated gradients along the straight path from a baseline to the input embeddings (Sundararajan et al. 2017)",
        options: [
            .integer("steps", 50, 1...1024, "quadrature points along the path (the maximum when adaptive)"),
            .choice("rule", "gaussLegendre", Quadrature.allCases.map(\.rawValue), "quadrature rule, as Captum's methods"),
            .choice("baseline", "pad", ["pad", "mask", "unk", "zero"], "embedding at the path's start for non-special tokens"),
            .integer("batchSize", 64, 1...4096, "path points per batched pass (bounds memory)"),
            .boolean("adaptive", false, "double the steps from 4 until the completeness gap is within tolerance"),
            .number("tolerance", 0.01, 1e-6...1, "adaptive: largest |gap| relative to |f(x) − f(baseline)|"),
        ])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let options = context.options
        let rule = Quadrature(rawValue: options.string("rule"))!
        let maxSteps = options.integer("steps"), batchSize = options.integer("batchSize")
        let h = context.embeddingSize
        let baselines = try baselineEmbeddings(context, kind: options.string("baseline"))

        // f(baseline) for every sequence, in one pass.
        let baselineLogits = try context.evaluate(
            baselines.enumerated().map { Probe(ids: context.ids[$0], embeddings: $1, owner: $0) },
            batchSize: batchSize, gradients: false, progressRange: 0...0).map(\.logits)
        let expected = (0..<context.sequenceCount).map {
            context.objective.value(context.logits[$0], sequence: $0) - context.objective.value(baselineLogits[$0], sequence: $0)
        }

        var scores = [[Float]](repeating: [], count: context.sequenceCount)
        var gaps = [Double](repeating: 0, count: context.sequenceCount)
        var stepsUsed = [Int](repeating: 0, count: context.sequenceCount)
        var evaluations = 0
        // Adaptive: 4, 8, 16, … up to `steps`, refining only the sequences whose gap is still too large.
        let schedule: [Int] = options.bool("adaptive")
            ? Array(sequence(first: min(4, maxSteps)) { $0 < maxSteps ? min(2 * $0, maxSteps) : nil })
            : [maxSteps]
        var pending = Array(0..<context.sequenceCount)
        for (round, steps) in schedule.enumerated() {
            let (alphas, weights) = rule.rule(steps: steps)
            // Path points are made batch by batch and their gradients summed as they come: memory holds one
            // batch of points and one running integral per text, whatever the texts × steps.
            var integrals = pending.map { [Double](repeating: 0, count: context.ids[$0].count * h) }
            let lower = Double(round) / Double(schedule.count), upper = Double(round + 1) / Double(schedule.count)
            try context.evaluate(
                count: pending.count * alphas.count,
                probe: { i in
                    let s = pending[i / alphas.count], a = Float(alphas[i % alphas.count])
                    return Probe(ids: context.ids[s], embeddings: zip(baselines[s], context.embeddings[s]).map { $0 + a * ($1 - $0) }, owner: s)
                },
                batchSize: batchSize, gradients: true, progressRange: lower...upper, message: "integrated gradients: \(steps) steps"
            ) { i, _, gradient in
                let position = i / alphas.count, weight = weights[i % alphas.count]
                integrals[position].withUnsafeMutableBufferPointer { integral in
                    for j in integral.indices { integral[j] += weight * Double(gradient[j]) }
                }
            }
            evaluations += pending.count * alphas.count
            var stillPending: [Int] = []
            for (position, s) in pending.enumerated() {
                let integrated = integrals[position]
                let input = context.embeddings[s], baseline = baselines[s]
                var tokenScores = [Float](repeating: 0, count: context.ids[s].count)
                var total = 0.0
                for t in tokenScores.indices {
                    var sum = 0.0
                    for j in t * h..<(t + 1) * h { sum += Double(input[j] - baseline[j]) * integrated[j] }
                    tokenScores[t] = Float(sum)
                    total += sum
                }
                scores[s] = tokenScores
                gaps[s] = total - Double(expected[s])
                stepsUsed[s] = steps
                let tolerance = max(options.number("tolerance") * Double(abs(expected[s])), 1e-6)
                if abs(gaps[s]) > tolerance { stillPending.append(s) }
            }
            pending = stillPending
            if pending.isEmpty { break }
        }
        let extras = (0..<context.sequenceCount).map { s -> [String: OptionValue] in
            ["gap": .number(gaps[s]), "steps": .number(Double(stepsUsed[s])), "expectedDelta": .number(Double(expected[s])),
             "baselineValue": .number(Double(context.objective.value(baselineLogits[s], sequence: s))),
             "evaluations": .number(Double(evaluations))]
        }
        return MethodResult(scores: scores, extras: extras)
    }

    /// b_i: the baseline token's embedding (or zero) at ordinary positions, the input's own at special ones.
    static func baselineEmbeddings(_ context: AttributionContext, kind: String) throws -> [[Float]] {
        let h = context.embeddingSize, tokenizer = context.model.tokenizer
        let replacement: [Float]
        let token: Int??
        switch kind {
        case "pad": token = tokenizer.padID
        case "mask": token = tokenizer.maskID
        case "unk": token = tokenizer.unkID
        default: token = .none
        }
        switch token {
        case .some(.some(let id)): replacement = context.model.wordEmbeddings(ids: [id])
        case .some(.none): throw AttributionError.invalidOption(name: "options.baseline", reason: "this model's tokenizer has no \(kind) token")
        case .none: replacement = [Float](repeating: 0, count: h)
        }
        return (0..<context.sequenceCount).map { s in
            var baseline = context.embeddings[s]
            for (t, isSpecial) in context.special[s].enumerated() where !isSpecial {
                baseline.replaceSubrange(t * h..<(t + 1) * h, with: replacement)
            }
            return baseline
        }
    }
}
