import ExplainModel
import ExplainTokenizer

extension Explainer {
    /// Runs every requested method on the same text and target, then measures how the methods agree and
    /// how faithful each is. Progress covers the methods (in proportion to their expected passes) and
    /// then the perturbed passes; cancellation is checked between batches throughout. A text without any
    /// token besides the special ones is `emptyInput`.
    public func compare(text: String, request: CompareRequest, control: RunControl = .none) throws -> Comparison {
        try request.validate()
        let encoding = encode(text)
        let n = encoding.tokens.filter { !$0.special }.count
        // Nothing to rank or remove: every figure would be undefined or a default.
        guard n > 0 else { throw AttributionError.emptyInput }
        // Every method's options are checked before they size the progress ranges (a negative step count
        // would make an inverted range), naming the method: "options.integratedGradients.steps".
        for method in request.methods {
            do {
                _ = try ResolvedOptions(request.options[method] ?? [:], specs: try AttributionRegistry.method(named: method).description.options)
            } catch AttributionError.invalidOption(let name, let reason) where name.hasPrefix("options.") {
                throw AttributionError.invalidOption(name: "options.\(method).\(name.dropFirst("options.".count))", reason: reason)
            }
        }
        let costs = request.methods.map { WorkEstimate.passes($0, options: request.options[$0] ?? [:], tokens: n) }
        let figureCost = WorkEstimate.figurePasses(methods: request.methods.count, thresholds: request.settings.thresholds.count, tokens: n)
        let total = costs.reduce(0, +) + figureCost
        var done = 0.0
        var runs: [MethodRun] = []
        for (method, cost) in zip(request.methods, costs) {
            var single = ExplainRequest(method: method)
            single.scoring = request.scoring
            single.options = request.options[method] ?? [:]
            let range = (done / total)...((done + cost) / total)
            let methodControl = RunControl(isCancelled: control.isCancelled, progress: { fraction, message in
                control.progress(range.lowerBound + fraction * (range.upperBound - range.lowerBound), message.isEmpty ? method : message)
            })
            let start = ContinuousClock.now
            let explanation = try explain(texts: [text], request: single, control: methodControl)[0]
            runs.append(MethodRun(explanation: explanation, elapsedMs: Self.milliseconds(since: start)))
            done += cost
            control.progress(done / total, method)
        }
        let first = runs[0].explanation
        let start = ContinuousClock.now
        let figures = try measure(
            ids: encoding.ids, special: encoding.tokens.map(\.special), logits: first.prediction.logits,
            target: first.target.index, foil: first.foil?.index,
            methods: runs.map { ScoredMethod(method: $0.explanation.method, scores: $0.explanation.rawTokenScores) },
            settings: request.settings, control: control, progressRange: (done / total)...1)
        return Comparison(text: text, encoding: encoding, prediction: first.prediction, target: first.target, foil: first.foil,
                          runs: runs, figures: figures, figuresElapsedMs: Self.milliseconds(since: start))
    }

    /// Agreement and faithfulness of given score vectors on one tokenised input (ids with their special
    /// flags). `logits` are the unperturbed input's, computed here when nil. Every perturbed input of every
    /// method, threshold and curve step is collected first, deduplicated, and run in batched passes.
    public func measure(ids: [Int], special: [Bool], logits: [Float]? = nil, target: Int, foil: Int? = nil,
                        methods: [ScoredMethod], settings: ComparisonSettings, control: RunControl = .none,
                        progressRange: ClosedRange<Double> = 0...1) throws -> ComparisonFigures {
        try settings.validate()
        guard !methods.isEmpty else { throw AttributionError.invalidOption(name: "methods", reason: "name at least one method") }
        guard special.count == ids.count else { throw AttributionError.invalidOption(name: "special", reason: "one flag per token") }
        let labels = model.config.labels
        for (field, index) in [("target", target), ("foil", foil ?? 0)] where !labels.indices.contains(index) {
            throw AttributionError.invalidOption(name: field, reason: "class index \(index) is outside 0..<\(labels.count)")
        }
        for method in methods where method.scores.count != ids.count {
            throw AttributionError.invalidOption(name: "scores", reason: "\(method.method): \(method.scores.count) scores for \(ids.count) tokens")
        }
        try control.checkCancelled()
        if settings.removal == .mask && model.tokenizer.maskID == nil {
            throw AttributionError.invalidOption(name: "removal", reason: "this model's tokenizer has no mask token")
        }
        let content = TokenContent(ids: ids, special: special, maskID: model.tokenizer.maskID ?? 0)
        let scored = methods.map { method in (name: method.method, scores: content.positions.map { Double(method.scores[$0]) }) }
        let metrics = settings.metrics
        let objective = Objective(targets: [target], foils: [foil], output: .probability, problemType: model.config.problemType)

        var inputs = PerturbedInputs()
        // Leave-one-out is by deletion whatever the removal, as ferret's TauLOO_Evaluation ("remove").
        let looSlots = metrics.contains(.taucorrLoo) ? (0..<content.count).map { inputs.add(content.removing([$0], by: .delete)) } : nil
        let plans = scored.map { FaithfulnessPlan(method: $0.name, scores: $0.scores, content: content, settings: settings, inputs: &inputs) }
        let originalLogits = logits ?? model.logits(ModelInput(ids: [ids]))[0]
        let context = AttributionContext(
            model: model, ids: [ids], special: [special], embeddings: [], logits: [originalLogits], objective: objective,
            options: try ResolvedOptions([:], specs: []), control: control)
        let p = try inputs.probabilities(context, objective: objective, batchSize: settings.batchSize, progressRange: progressRange)
        let full = Double(objective.value(originalLogits, sequence: 0))
        let leaveOneOut = looSlots.map { $0.map { full - p[$0] } }
        let faithfulness = plans.map { $0.result(probabilities: p, full: full, leaveOneOut: leaveOneOut, content: content, metrics: metrics) }
        let k = settings.topKCount(tokens: content.count)
        let agreement = metrics.contains(.agreement) ? MethodAgreement.pairs(scored, k: k) : []
        let ranking = MethodRanking.rank(faithfulness)
        return ComparisonFigures(
            probability: full, topK: k, agreement: agreement, leaveOneOut: leaveOneOut, faithfulness: faithfulness,
            ranking: ranking, summary: MethodRanking.summary(ranking: ranking, agreement: agreement, faithfulness: faithfulness),
            settings: settings, perturbedInputs: inputs.sequences.count,
            batches: (inputs.sequences.count + settings.batchSize - 1) / settings.batchSize)
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }
}
