import Foundation
import ExplainProtocol
import ExplainAttribution

/// `compareMethods`: every method on the same text and target, then their agreement and faithfulness
/// (ExplainAttribution's Comparison). On the long lane: cancellable between batched passes, with work-done
/// progress over the methods and the perturbed passes.
enum CompareMethodsHandler {
    static func register(on dispatcher: Dispatcher, models: ModelStore) {
        let limits = dispatcher.options
        let queuedWork = { (params: CompareMethodsParams) -> Int in
            let n = ExplainHandler.passBound(models: models, model: params.model)(params.text)[0]
            let methods = params.methods ?? CompareRequest.defaultMethods
            return ExplainHandler.clamped(tokenPasses(methods: methods, options: params.options.mapValues(ExplainHandler.libraryValues),
                                                      thresholds: params.thresholds?.count ?? ComparisonSettings().thresholds.count, tokens: n))
        }
        dispatcher.register(CompareMethodsParams.self, lane: .long, queuedWork: queuedWork) { params, context in
            let resident = try models.resolve(params.model)
            try TextHandlers.checkLength(params.text, field: "text", limits: limits)
            let request = try compareRequest(params, limits: limits)
            let encoding = resident.explainer.encode(params.text)
            let work = tokenPasses(methods: request.methods, options: request.options, thresholds: request.settings.thresholds.count,
                                   tokens: (encoding.tokens.count, encoding.tokens.filter { !$0.special }.count))
            try ExplainHandler.checkWork(work, field: "options", limits: limits)
            let control = RunControl(
                isCancelled: { [cancellation = context.cancellation] in cancellation.isCancelled },
                progress: { [progress = context.progress] fraction, message in
                    progress?.report(fraction: fraction, message: message)
                })
            let started = Date()
            let comparison: Comparison
            do {
                comparison = try resident.usingWeights { try resident.explainer.compare(text: params.text, request: request, control: control) }
            } catch let error as AttributionError {
                throw ErrorMapping.attributionError(error, in: .compareMethods(params, methods: request.methods))
            }
            return describe(comparison, request: request, encoding: context.positionEncoding, options: limits,
                            elapsedMs: limits.reportedMs(since: started))
        }
    }

    /// Token-passes of a comparison: every method's, and its figures', over one text.
    static func tokenPasses(methods: [String], options: [String: [String: OptionValue]], thresholds: Int,
                     tokens: (all: Int, content: Int)) -> Double {
        let passes = methods.reduce(0.0) { $0 + WorkEstimate.passes($1, options: options[$1] ?? [:], tokens: tokens.content) }
            + WorkEstimate.figurePasses(methods: methods.count, thresholds: thresholds, tokens: tokens.content)
        return Double(tokens.all) * passes
    }

    /// Protocol params → the library's request; enum names, metric names and server limits are checked
    /// here, method names, options and ranges by the library.
    static func compareRequest(_ params: CompareMethodsParams, limits: ServerOptions) throws -> CompareRequest {
        var request = CompareRequest()
        if let methods = params.methods {
            // Each method at most once (the library refuses repeats): no longer than the registry.
            guard methods.count <= AttributionRegistry.methods.count else {
                throw InvalidField(field: "methods", reason: "\(methods.count) methods; there are \(AttributionRegistry.methods.count), each listed at most once")
            }
            request.methods = methods
        }
        request.scoring = try ExplainHandler.scoring(params.scoring)
        for (method, options) in params.options {
            request.options[method] = try ExplainHandler.optionValues(options, field: "options.\(method)", limits: limits)
        }
        var settings = ComparisonSettings()
        if let metrics = params.metrics {
            var seen = Set<ComparisonMetric>()
            for (index, name) in metrics.enumerated() {
                let metric = try ExplainHandler.choice(name, field: "metrics[\(index)]", ComparisonMetric.self)
                guard seen.insert(metric).inserted else { throw InvalidField(field: "metrics[\(index)]", reason: "\"\(name)\" is listed twice") }
            }
            settings.metrics = seen
        }
        if let thresholds = params.thresholds {
            guard thresholds.count <= limits.maxThresholds else {
                throw InvalidField(field: "thresholds", reason: "\(thresholds.count) thresholds exceed the limit of \(limits.maxThresholds) (--max-thresholds)")
            }
            settings.thresholds = thresholds
        }
        if let name = params.removal { settings.removal = try ExplainHandler.choice(name, field: "removal", Removal.self) }
        settings.topK = params.topK
        if let fraction = params.topKFraction { settings.topKFraction = fraction }
        if let batchSize = params.batchSize { settings.batchSize = batchSize }
        request.settings = settings
        return request
    }

    static func describe(_ c: Comparison, request: CompareRequest, encoding: PositionEncoding, options: ServerOptions,
                         elapsedMs: Double) -> CompareMethodsResult {
        let offsets = OffsetTable(text: c.text, encoding: encoding)
        let signed = Dictionary(uniqueKeysWithValues: AttributionRegistry.methods.map { ($0.name, $0.signed) })
        let figures = c.figures
        let methods = c.runs.map { run -> ComparedMethodInfo in
            let e = run.explanation
            return ComparedMethodInfo(method: e.method, signed: signed[e.method] ?? true, options: e.options.mapValues(ExplainHandler.json),
                                      scores: e.tokenScores, rawScores: e.rawTokenScores, wordScores: e.wordScores,
                                      extras: e.extras.mapValues(ExplainHandler.json), elapsedMs: options.reportedMs(run.elapsedMs))
        }
        // Leave-one-out per token, null for the special ones.
        var leaveOneOut: [Double?]? = nil
        if let drops = figures.leaveOneOut {
            var perToken = [Double?](repeating: nil, count: c.encoding.tokens.count)
            for (drop, index) in zip(drops, c.encoding.tokens.indices.filter { !c.encoding.tokens[$0].special }) { perToken[index] = drop }
            leaveOneOut = perToken
        }
        let settings = figures.settings
        var settingsJSON: [String: JSONValue] = [
            "metrics": .array(ComparisonMetric.allCases.filter { settings.metrics.contains($0) }.map { .string($0.rawValue) }),
            "thresholds": .array(settings.thresholds.map { JSONValue($0) }), "removal": .string(settings.removal.rawValue),
            "topKFraction": JSONValue(settings.topKFraction), "batchSize": .integer(settings.batchSize),
        ]
        settingsJSON["topK"] = settings.topK.map { .integer($0) } ?? .null
        return CompareMethodsResult(
            text: c.text, tokens: offsets.tokens(c.encoding), words: offsets.words(c.encoding), truncated: c.encoding.truncated,
            prediction: PredictionInfo(label: c.prediction.label, index: c.prediction.index, probabilities: c.prediction.probabilities,
                                       logits: c.prediction.logits, truncated: c.encoding.truncated),
            target: ClassInfo(index: c.target.index, label: c.target.label), foil: c.foil.map { ClassInfo(index: $0.index, label: $0.label) },
            output: request.scoring.output.rawValue, normalize: request.scoring.normalize.rawValue,
            granularity: request.scoring.granularity.rawValue,
            methods: methods, probability: figures.probability, leaveOneOut: leaveOneOut, topK: figures.topK,
            agreement: figures.agreement.map {
                AgreementInfo(a: $0.first, b: $0.second, spearman: $0.spearman, kendall: $0.kendall, topKOverlap: $0.topKOverlap,
                              spearmanAbsolute: $0.spearmanAbsolute, kendallAbsolute: $0.kendallAbsolute,
                              topKOverlapAbsolute: $0.topKOverlapAbsolute)
            },
            faithfulness: figures.faithfulness.map { f in
                FaithfulnessInfo(method: f.method, comprehensiveness: f.comprehensiveness, sufficiency: f.sufficiency,
                                 taucorrLoo: f.taucorrLoo,
                                 rationales: f.rationales.map {
                                     RationaleInfo(threshold: $0.threshold, k: $0.k, tokens: $0.tokens,
                                                   withoutProbability: $0.withoutProbability, onlyProbability: $0.onlyProbability)
                                 },
                                 deletionCurve: f.deletionCurve?.probabilities, deletionArea: f.deletionCurve?.area)
            },
            ranking: figures.ranking.map { RankInfo(method: $0.method, rank: $0.rank, score: $0.score) },
            summary: figures.summary, settings: settingsJSON, perturbedInputs: figures.perturbedInputs, batches: figures.batches,
            elapsedMs: elapsedMs)
    }
}
