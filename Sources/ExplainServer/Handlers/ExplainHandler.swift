import Foundation
import ExplainProtocol
import ExplainAttribution

/// `explain`: on the long lane, cancellable between batched steps, with work-done progress.
enum ExplainHandler {
    static func register(on dispatcher: Dispatcher, models: ModelStore) {
        let limits = dispatcher.options
        let queuedWork = { (params: ExplainParams) -> Int in
            let long = params.long.flatMap(LongTexts.init(rawValue:)) ?? ExplainRequest().long
            let bound = passBound(models: models, model: params.model, long: long, stride: params.stride)
            return clamped(tokenPasses(params.method, options: libraryValues(params.options), tokens: params.input.texts.flatMap(bound)))
        }
        dispatcher.register(ExplainParams.self, lane: .long, queuedWork: queuedWork) { params, context in
            let resident = try models.resolve(params.model)
            let control = RunControl(
                isCancelled: { [cancellation = context.cancellation] in cancellation.isCancelled },
                progress: { [progress = context.progress] fraction, message in
                    progress?.report(fraction: fraction, message: message)
                })
            let (infos, elapsedMs) = try explanations(params, resident: resident, limits: limits, control: control,
                                                      positionEncoding: context.positionEncoding)
            if case .single = params.input { return .single(infos[0]) }
            return .many(infos, elapsedMs: elapsedMs)
        }
    }

    /// The request's explanations, apart from any transport: the daemon's handler and `explaind corpus`
    /// (in its own process, LocalExplainer) both run exactly these steps.
    static func explanations(_ params: ExplainParams, resident: ResidentModel, limits: ServerOptions, control: RunControl,
                             positionEncoding: PositionEncoding) throws -> (infos: [ExplanationInfo], elapsedMs: Double) {
        let texts = try TextHandlers.checkTexts(params.input, limits: limits)
        let request = try attributionRequest(params, limits: limits)
        // A text with no tokens besides [CLS] and [SEP] has nothing to attribute.
        let encodings = texts.map(resident.explainer.encode)
        for (i, encoding) in encodings.enumerated() where !encoding.tokens.contains(where: { !$0.special }) {
            let field = texts.count == 1 && params.input == .single(texts[i]) ? "text" : "texts[\(i)]"
            throw InvalidField(field: field, reason: "nothing to explain: the text has no tokens besides [CLS] and [SEP]")
        }
        // A text cut to the model's positions is one pass; in windows, a longer one is one pass per window.
        let sizes = zip(texts, encodings).flatMap { text, encoding -> [(all: Int, content: Int)] in
            let whole = request.long == .windows && encoding.truncated ? resident.model.tokenizer.encode(text) : encoding
            let content = whole.tokens.filter { !$0.special }.count
            return passSizes(all: whole.tokens.count, content: content, maxTokens: resident.model.maxTokens,
                             long: request.long, stride: request.stride)
        }
        let work = tokenPasses(request.method, options: request.options, tokens: sizes)
        let driver = ["integratedGradients": "options.steps", "sequentialIntegratedGradients": "options.steps", "smoothGrad": "options.samples",
                      "lime": "options.samples", "kernelShap": "options.samples"][request.method]
        try checkWork(work, field: driver ?? (texts.count == 1 ? "text" : "texts"), limits: limits)
        let started = Date()
        let explanations: [Explanation]
        do {
            explanations = try resident.usingWeights { try resident.explainer.explain(texts: texts, request: request, control: control) }
        } catch let error as AttributionError {
            throw ErrorMapping.attributionError(error, in: .explain(params))
        }
        let elapsedMs = limits.reportedMs(since: started)
        return (explanations.map { describe($0, encoding: positionEncoding, elapsedMs: elapsedMs) }, elapsedMs)
    }

    /// Protocol params → the library's request; enum names and server limits are checked here, the method's
    /// own options (names, ranges) by the library.
    static func attributionRequest(_ params: ExplainParams, limits: ServerOptions) throws -> ExplainRequest {
        var request = ExplainRequest()
        request.method = params.method
        request.scoring = try scoring(params.scoring)
        request.options = try optionValues(params.options, field: "options", limits: limits)
        if let name = params.long { request.long = try choice(name, field: "long", LongTexts.self) }
        if let stride = params.stride {
            guard stride > 0 else { throw InvalidField(field: "stride", reason: "must be a positive number of tokens") }
            guard request.long == .windows else { throw InvalidField(field: "stride", reason: "only with \"long\": \"windows\"") }
            request.stride = stride
        }
        return request
    }

    /// Decoded options (already numbers, strings or booleans) as the library takes them.
    static func libraryValues(_ options: [String: OptionScalar]) -> [String: OptionValue] {
        options.mapValues { value in
            switch value {
            case .integer(let i): return .number(Double(i))
            case .number(let d): return .number(d)
            case .string(let s): return .string(s)
            case .bool(let b): return .bool(b)
            }
        }
    }

    /// Decoded options as the library takes them, within the server's limits on work per request (the
    /// library checks names, ranges and lower bounds).
    static func optionValues(_ options: [String: OptionScalar], field: String, limits: ServerOptions) throws -> [String: OptionValue] {
        let values = libraryValues(options)
        for (name, bound) in [("steps", limits.maxSteps), ("samples", limits.maxSamples)] {
            if case .number(let n)? = values[name], n > Double(bound) {
                throw InvalidField(field: "\(field).\(name)", reason: "\(name) above the server limit of \(bound)")
            }
        }
        return values
    }

    /// Token-passes of one method over texts of these sizes (all tokens, and the content tokens without the
    /// specials): the unit of --max-work and of the long lane's queue.
    static func tokenPasses(_ method: String, options: [String: OptionValue], tokens: [(all: Int, content: Int)]) -> Double {
        tokens.reduce(0.0) { $0 + Double($1.all) * WorkEstimate.passes(method, options: options, tokens: $1.content) }
    }

    /// Before tokenizing (on the reader thread, where a request waits for its lane): a text's tokens are at
    /// most its bytes plus [CLS] and [SEP] (a token covers at least a byte), run as `passSizes` runs them.
    static func passBound(models: ModelStore, model: String?, long: LongTexts = .truncate, stride: Int? = nil)
    -> (String) -> [(all: Int, content: Int)] {
        let maxTokens = (try? models.resolve(model))?.model.maxTokens ?? 512
        return { text in
            passSizes(all: text.utf8.count + 2, content: text.utf8.count, maxTokens: maxTokens, long: long, stride: stride)
        }
    }

    /// The sequences a text of `all` tokens (`content` of them not special) is run as: one, cut to the model's
    /// positions, or in windows one full-length sequence per window (as LongTextWindows lays them out).
    static func passSizes(all: Int, content: Int, maxTokens: Int, long: LongTexts, stride: Int?) -> [(all: Int, content: Int)] {
        guard all > maxTokens else { return [(all, content)] }
        let length = max(1, maxTokens - (all - content))
        guard long == .windows else { return [(maxTokens, length)] }
        let step = max(1, stride ?? length / 2)
        return Array(repeating: (maxTokens, length), count: 1 + (max(0, content - length) + step - 1) / step)
    }

    static func clamped(_ work: Double) -> Int { Int(min(max(work, 1), 1e15)) }

    /// The per-request work limit (--max-work), in token-passes.
    static func checkWork(_ work: Double, field: String, limits: ServerOptions) throws {
        guard work <= Double(limits.maxWork) else {
            throw InvalidField(field: field, reason: "the request needs about \(Int(min(work, 9e18))) token-passes (tokens × model passes), above the server limit of \(limits.maxWork) (--max-work); ask for fewer steps, samples, texts or tokens")
        }
    }

    /// The shared scoring fields of `explain` and `compareMethods`, names checked against the library's.
    static func scoring(_ params: ScoringParams) throws -> Scoring {
        var scoring = Scoring()
        scoring.target = targetSpec(params.target) ?? .predicted
        scoring.foil = targetSpec(params.foil)
        if let name = params.output { scoring.output = try choice(name, field: "output", OutputKind.self) }
        if let name = params.normalize { scoring.normalize = try choice(name, field: "normalize", Normalization.self) }
        scoring.normalizeSpecialTokens = params.normalizeSpecialTokens ?? false
        if let name = params.granularity { scoring.granularity = try choice(name, field: "granularity", Granularity.self) }
        return scoring
    }

    static func targetSpec(_ selector: ClassSelector?) -> TargetSpec? {
        switch selector {
        case nil: return nil
        case .index(let i)?: return .index(i)
        case .label(let l)?: return .label(l)
        }
    }

    static func choice<E: RawRepresentable & CaseIterable>(_ name: String, field: String, _ type: E.Type) throws -> E
    where E.RawValue == String {
        guard let value = E(rawValue: name) else {
            throw InvalidField(field: field, reason: "unknown value \"\(name)\"; one of \(E.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    static func describe(_ e: Explanation, encoding: PositionEncoding, elapsedMs: Double) -> ExplanationInfo {
        let offsets = OffsetTable(text: e.text, encoding: encoding)
        let prediction = PredictionInfo(label: e.prediction.label, index: e.prediction.index,
                                        probabilities: e.prediction.probabilities, logits: e.prediction.logits,
                                        truncated: e.encoding.truncated)
        return ExplanationInfo(
            text: e.text, method: e.method, options: e.options.mapValues(json), target: ClassInfo(index: e.target.index, label: e.target.label),
            foil: e.foil.map { ClassInfo(index: $0.index, label: $0.label) }, prediction: prediction,
            output: e.output.rawValue, normalize: e.normalize.rawValue, granularity: e.granularity.rawValue,
            tokens: offsets.tokens(e.encoding), tokenScores: e.tokenScores, rawTokenScores: e.rawTokenScores, words: offsets.words(e.encoding),
            wordScores: e.wordScores, truncated: e.encoding.truncated, extras: e.extras.mapValues(json),
            windows: e.windows.map { $0.map { [$0.lowerBound, $0.upperBound] } }, elapsedMs: elapsedMs)
    }

    static func json(_ value: OptionValue) -> JSONValue {
        switch value {
        case .number(let d): return JSONValue(d)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        }
    }
}
