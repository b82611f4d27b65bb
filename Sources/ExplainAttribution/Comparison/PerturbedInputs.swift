import ExplainModel

/// Every perturbed input a comparison needs, collected before anything runs: each distinct id sequence
/// once, whichever method, threshold or curve step asked for it. They then run as a few batched
/// forward passes through the same batched path the attribution methods use.
struct PerturbedInputs {
    private(set) var sequences: [[Int]] = []
    private var index: [[Int]: Int] = [:]
    /// How many times an input was asked for, duplicates included.
    private(set) var requests = 0

    /// The slot of `ids` in the results, adding it when new.
    mutating func add(_ ids: [Int]) -> Int {
        requests += 1
        if let slot = index[ids] { return slot }
        index[ids] = sequences.count
        sequences.append(ids)
        return sequences.count - 1
    }

    /// The explained probability (target minus foil, if any) of every input, in slot order. Inputs run
    /// longest first so that each batch pads to similar lengths; cancellation is checked and progress
    /// reported between batches.
    func probabilities(_ context: AttributionContext, objective: Objective, batchSize: Int,
                       progressRange: ClosedRange<Double>) throws -> [Double] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count || (sequences[$0].count == sequences[$1].count && $0 < $1) }
        let results = try context.evaluate(order.map { Probe(ids: sequences[$0], embeddings: nil, owner: 0) },
                                           batchSize: batchSize, gradients: false, progressRange: progressRange,
                                           message: "\(sequences.count) perturbed inputs")
        var values = [Double](repeating: 0, count: sequences.count)
        for (slot, result) in zip(order, results) { values[slot] = Double(objective.value(result.logits, sequence: 0)) }
        return values
    }
}
