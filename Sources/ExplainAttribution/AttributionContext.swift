import ExplainModel

/// One input to the model in a batched pass: ids, optionally replacement word embeddings, and which of the
/// request's sequences it belongs to (the objective and the results are that sequence's).
struct Probe: Sendable {
    var ids: [Int]
    var embeddings: [Float]?
    var owner: Int
}

/// Everything a method sees: the tokenised batch, its embeddings and logits, the objective, the options.
struct AttributionContext {
    let model: ClassifierModel
    let ids: [[Int]]
    let special: [[Bool]]
    /// The looked-up word embeddings of each sequence (T × H).
    let embeddings: [[Float]]
    let logits: [[Float]]
    let objective: Objective
    let options: ResolvedOptions
    let control: RunControl
    /// The forward pass over the inputs themselves, kept with the activations its backward needs, when
    /// the caller has one: the gradient methods then differentiate it without a second forward.
    var inputPass: ForwardPass? = nil
    /// Each sequence's words as token positions (special tokens belong to none), for the methods that
    /// perturb or attribute whole words.
    var words: [[[Int]]] = []

    /// The width of a word embedding and of its gradient.
    var embeddingSize: Int { model.config.embeddingSize }
    var sequenceCount: Int { ids.count }

    /// Runs probes through the model in batches of at most `batchSize` sequences, with the input gradient of
    /// the objective when `gradients` is set. Checks for cancellation and reports progress between batches.
    func evaluate(_ probes: [Probe], batchSize: Int, gradients: Bool, progressRange: ClosedRange<Double> = 0...1,
                  message: String = "") throws -> [(logits: [Float], gradient: [Float])] {
        var results: [(logits: [Float], gradient: [Float])] = []
        results.reserveCapacity(probes.count)
        try evaluate(count: probes.count, probe: { probes[$0] }, batchSize: batchSize, gradients: gradients,
                     progressRange: progressRange, message: message) { _, logits, gradient in results.append((logits, gradient)) }
        return results
    }

    /// The streaming form: `probe(i)` is asked for each index in increasing order just before its batch runs
    /// and `consume(i, logits, gradient)` gets each result in order, so memory holds one batch of probes and
    /// gradients whatever `count` is (integrated gradients over many texts and steps).
    func evaluate(count: Int, probe: (Int) -> Probe, batchSize: Int, gradients: Bool, progressRange: ClosedRange<Double> = 0...1,
                  message: String = "", consume: (Int, [Float], [Float]) throws -> Void) throws {
        var start = 0
        while start < count {
            try control.checkCancelled()
            let chunk = (start..<min(start + max(1, batchSize), count)).map(probe)
            let hasEmbeddings = chunk.contains { $0.embeddings != nil }
            let input = ModelInput(ids: chunk.map(\.ids),
                                   wordEmbeddings: hasEmbeddings ? chunk.map { $0.embeddings ?? model.wordEmbeddings(ids: $0.ids) } : nil)
            let weights: (([Float], Int) -> [Float])? = gradients
                ? { logits, index in objective.logitWeights(logits, sequence: chunk[index].owner) } : nil
            for (offset, result) in model.evaluate(input, logitWeights: weights).enumerated() {
                try consume(start + offset, result.logits, result.gradient)
            }
            start += chunk.count
            let fraction = Double(start) / Double(count)
            control.progress(progressRange.lowerBound + fraction * (progressRange.upperBound - progressRange.lowerBound), message)
        }
        try control.checkCancelled()
    }

    /// The gradient of the objective at the input itself, one T × H block per sequence.
    func inputGradients() throws -> [[Float]] {
        guard let inputPass else {
            return try evaluate(ids.enumerated().map { Probe(ids: $1, embeddings: nil, owner: $0) }, batchSize: ids.count, gradients: true)
                .map(\.gradient)
        }
        try control.checkCancelled()
        let weights = logits.indices.map { objective.logitWeights(logits[$0], sequence: $0) }
        return model.inputGradient(inputPass, logitWeights: weights)
    }

    /// Every layer's attention maps of every sequence (the input pass's), with ∂objective/∂A when `gradients`.
    func attentionMaps(gradients: Bool) throws -> [[AttentionMaps]] {
        try control.checkCancelled()
        let pass = inputPass ?? model.forward(ModelInput(ids: ids))
        if gradients {
            pass.recordAttentionGradients()
            _ = model.inputGradient(pass, logitWeights: logits.indices.map { objective.logitWeights(logits[$0], sequence: $0) })
        }
        return ids.indices.map { pass.attentionMaps(sequence: $0) }
    }
}

/// Per-sequence scores (one per token) and method-specific figures.
struct MethodResult {
    var scores: [[Float]]
    var extras: [[String: OptionValue]]

    init(scores: [[Float]], extras: [[String: OptionValue]]? = nil) {
        self.scores = scores
        self.extras = extras ?? scores.map { _ in [:] }
    }
}

/// An attribution method: its protocol description and its computation. Adding a method is one file with
/// a type conforming to this, plus its line in AttributionRegistry.
protocol AttributionMethod {
    static var description: MethodDescription { get }
    static func attribute(_ context: AttributionContext) throws -> MethodResult
}

/// Row-wise helpers over T × H blocks.
enum Rows {
    static func norms(_ block: [Float], width: Int) -> [Float] {
        stride(from: 0, to: block.count, by: width).map { start in
            var sum: Float = 0
            for j in start..<start + width { sum += block[j] * block[j] }
            return sum.squareRoot()
        }
    }

    static func dots(_ a: [Float], _ b: [Float], width: Int) -> [Float] {
        stride(from: 0, to: a.count, by: width).map { start in
            var sum: Float = 0
            for j in start..<start + width { sum += a[j] * b[j] }
            return sum
        }
    }
}
