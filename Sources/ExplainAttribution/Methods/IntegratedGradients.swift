import ExplainModel

/// Integrated gradients (Sundararajan et al. 2017) in word-embedding space, as Captum's
/// LayerIntegratedGradients on the word-embedding layer: IG_i = Σ_h (e_i − b_i)_h · Σ_k w_k ∂f/∂e(α_k)_{i,h}
/// on the straight path e(α) = b + α(e − b). Special tokens keep their own embedding in the baseline, so
/// their attribution is 0. Completeness: Σ_i IG_i ≈ f(x) − f(b); the gap is reported.
enum IntegratedGradients: AttributionMethod {
    static let description = MethodDescription(
        name: "integratedGradients", signed: true,
        summary: "integrated gradients along the straight path from a baseline to the input embeddings (Sundararajan et al. 2017)",
        options: pathOptions(baselines: ["pad", "mask", "unk", "zero"]))

    /// The options of the methods that integrate along paths (this one and sequential integrated gradients);
    /// the first baseline is the default.
    static func pathOptions(baselines: [String]) -> [OptionSpec] {
        [
            .integer("steps", 50, 1...1024, "quadrature points along the path (the maximum when adaptive)"),
            .choice("rule", "gaussLegendre", Quadrature.allCases.map(\.rawValue), "quadrature rule, as Captum's methods"),
            .choice("baseline", baselines[0], baselines, "embedding at the path's start for non-special tokens"),
            .batchSize(of: "path points"),
            .boolean("adaptive", false, "double the steps from 4 until the completeness gap is within tolerance"),
            .number("tolerance", 0.01, 1e-6...1, "adaptive: largest |gap| relative to |f(x) − f(baseline)|"),
        ]
    }

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let baselines = try baselineEmbeddings(context, kind: context.options.string("baseline"))
        let paths = try integrate(context, from: baselines.enumerated().map { Path(sequence: $0, baseline: $1) },
                                  message: "integrated gradients")
        let extras = paths.map { path -> [String: OptionValue] in
            ["gap": .number(path.gap), "steps": .number(Double(path.steps)), "expectedDelta": .number(path.expectedDelta),
             "baselineValue": .number(path.baselineValue), "evaluations": .number(Double(path.evaluations))]
        }
        return MethodResult(scores: paths.map(\.scores), extras: extras)
    }

    /// A straight path to one sequence's input embeddings from a baseline (T × H).
    struct Path {
        let sequence: Int
        let baseline: [Float]
    }

    /// One path's integral: the token scores, Σ scores − (f(x) − f(b)), and what it took.
    struct PathResult {
        var scores: [Float] = []
        var gap = 0.0, expectedDelta = 0.0, baselineValue = 0.0
        var steps = 0, evaluations = 0
    }

    /// Integrates every path with the options' rule, steps, batch size and adaptive schedule (shared with
    /// sequential integrated gradients, whose paths are one per word).
    static func integrate(_ context: AttributionContext, from paths: [Path], message: String) throws -> [PathResult] {
        let options = context.options
        let rule = Quadrature(rawValue: options.string("rule"))!
        let maxSteps = options.integer("steps"), batchSize = options.integer("batchSize")
        let h = context.embeddingSize

        // f(baseline) for every path, in batched passes.
        let baselineLogits = try context.evaluate(
            paths.map { Probe(ids: context.ids[$0.sequence], embeddings: $0.baseline, owner: $0.sequence) },
            batchSize: batchSize, gradients: false, progressRange: 0...0).map(\.logits)
        var results = paths.indices.map { p -> PathResult in
            let s = paths[p].sequence
            var result = PathResult()
            result.baselineValue = Double(context.objective.value(baselineLogits[p], sequence: s))
            result.expectedDelta = Double(context.objective.value(context.logits[s], sequence: s)) - result.baselineValue
            return result
        }
        var evaluations = 0
        // Adaptive: 4, 8, 16, … up to `steps`, refining only the paths whose gap is still too large.
        let schedule: [Int] = options.bool("adaptive")
            ? Array(sequence(first: min(4, maxSteps)) { $0 < maxSteps ? min(2 * $0, maxSteps) : nil })
            : [maxSteps]
        var pending = Array(paths.indices)
        for (round, steps) in schedule.enumerated() {
            let (alphas, weights) = rule.rule(steps: steps)
            // Path points are made batch by batch and their gradients summed as they come: memory holds one
            // batch of points and one running integral per path, whatever the paths × steps.
            var integrals = pending.map { [Double](repeating: 0, count: context.ids[paths[$0].sequence].count * h) }
            let lower = Double(round) / Double(schedule.count), upper = Double(round + 1) / Double(schedule.count)
            try context.evaluate(
                count: pending.count * alphas.count,
                probe: { i in
                    let path = paths[pending[i / alphas.count]], a = Float(alphas[i % alphas.count])
                    return Probe(ids: context.ids[path.sequence],
                                 embeddings: zip(path.baseline, context.embeddings[path.sequence]).map { $0 + a * ($1 - $0) }, owner: path.sequence)
                },
                batchSize: batchSize, gradients: true, progressRange: lower...upper, message: "\(message): \(steps) steps"
            ) { i, _, gradient in
                let position = i / alphas.count, weight = weights[i % alphas.count]
                integrals[position].withUnsafeMutableBufferPointer { integral in
                    for j in integral.indices { integral[j] += weight * Double(gradient[j]) }
                }
            }
            evaluations += pending.count * alphas.count
            var stillPending: [Int] = []
            for (position, p) in pending.enumerated() {
                let integrated = integrals[position]
                let input = context.embeddings[paths[p].sequence], baseline = paths[p].baseline
                var tokenScores = [Float](repeating: 0, count: input.count / max(h, 1))
                var total = 0.0
                for t in tokenScores.indices {
                    var sum = 0.0
                    for j in t * h..<(t + 1) * h { sum += Double(input[j] - baseline[j]) * integrated[j] }
                    tokenScores[t] = Float(sum)
                    total += sum
                }
                results[p].scores = tokenScores
                results[p].gap = total - results[p].expectedDelta
                results[p].steps = steps
                let tolerance = max(options.number("tolerance") * abs(results[p].expectedDelta), 1e-6)
                if abs(results[p].gap) > tolerance { stillPending.append(p) }
            }
            pending = stillPending
            if pending.isEmpty { break }
        }
        for p in results.indices { results[p].evaluations = evaluations }
        return results
    }

    /// b_i: the baseline token's embedding (or zero) at ordinary positions, the input's own at special ones.
    static func baselineEmbeddings(_ context: AttributionContext, kind: String) throws -> [[Float]] {
        let h = context.embeddingSize, replacement = try baselineRow(context, kind: kind)
        return (0..<context.sequenceCount).map { s in
            var baseline = context.embeddings[s]
            for (t, isSpecial) in context.special[s].enumerated() where !isSpecial {
                baseline.replaceSubrange(t * h..<(t + 1) * h, with: replacement)
            }
            return baseline
        }
    }

    /// The embedding that stands in for a token in a baseline: the pad, mask or unk token's row, or zero.
    static func baselineRow(_ context: AttributionContext, kind: String) throws -> [Float] {
        let tokenizer = context.model.tokenizer
        let token: Int??
        switch kind {
        case "pad": token = tokenizer.padID
        case "mask": token = tokenizer.maskID
        case "unk": token = tokenizer.unkID
        default: token = .none
        }
        switch token {
        case .some(.some(let id)): return context.model.wordEmbeddings(ids: [id])
        case .some(.none): throw AttributionError.invalidOption(name: "options.baseline", reason: "this model's tokenizer has no \(kind) token")
        case .none: return [Float](repeating: 0, count: context.embeddingSize)
        }
    }
}
