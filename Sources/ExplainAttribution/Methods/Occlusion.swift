/// Leave-one-out occlusion (Zeiler & Fergus 2014; Li et al. 2016 for text): p(x) − p(x with token i
/// replaced or deleted), on softmax probabilities of the target (minus the foil's). Special tokens are
/// never occluded and score 0.
enum Occlusion: AttributionMethod {
    static let description = MethodDescription(
        name: "occlusion", signed: true,
        summary: "drop in the target's probability when each token is masked, replaced or deleted",
        options: [
            .choice("replacement", "mask", ["mask", "unk", "pad", "delete"], "what stands in for the occluded token"),
            .batchSize(of: "occluded copies"),
        ])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let replacement = try Replacement.id(context.options.string("replacement"), tokenizer: context.model.tokenizer,
                                             field: "options.replacement")
        // Always probabilities, whatever the request's output, as the definition says.
        let objective = Objective(targets: context.objective.targets, foils: context.objective.foils, output: .probability,
                                  problemType: context.objective.problemType)
        var probes: [Probe] = [], positions: [(sequence: Int, token: Int)] = []
        for s in 0..<context.sequenceCount {
            for (t, isSpecial) in context.special[s].enumerated() where !isSpecial {
                var ids = context.ids[s]
                if let replacement { ids[t] = replacement } else { ids.remove(at: t) }
                probes.append(Probe(ids: ids, embeddings: nil, owner: s))
                positions.append((s, t))
            }
        }
        let results = try context.evaluate(probes, batchSize: context.options.integer("batchSize"), gradients: false,
                                           message: "occlusion: \(probes.count) variants")
        var scores = context.ids.map { [Float](repeating: 0, count: $0.count) }
        for (position, result) in zip(positions, results) {
            let s = position.sequence
            scores[s][position.token] = objective.value(context.logits[s], sequence: s) - objective.value(result.logits, sequence: s)
        }
        return MethodResult(scores: scores)
    }
}
