import ExplainModel
import ExplainTokenizer

/// The attribution library's entry point: text → tokens → prediction → the chosen method's scores →
/// normalised token (and word) scores. The texts of a call run as batches of up to `groupTokens` tokens.
public final class Explainer: Sendable {
    public let model: ClassifierModel

    public init(model: ClassifierModel) { self.model = model }

    public func encode(_ text: String) -> Encoding { model.tokenizer.encode(text, maxLength: model.maxTokens) }

    public func predict(texts: [String]) throws -> [(Encoding, Prediction)] {
        guard !texts.isEmpty else { throw AttributionError.emptyInput }
        let encodings = texts.map(encode)
        let logits = model.logits(ModelInput(ids: encodings.map(\.ids)))
        let predictions = logits.map(prediction)
        for (i, prediction) in predictions.enumerated() { try FiniteResults.require(prediction, of: FiniteResults.name(i, of: texts.count)) }
        return Array(zip(encodings, predictions))
    }

    public func explain(texts: [String], request: ExplainRequest, control: RunControl = .none) throws -> [Explanation] {
        guard !texts.isEmpty else { throw AttributionError.emptyInput }
        if request.long == .windows { return try explainInWindows(texts: texts, request: request, control: control) }
        return try explain(encodings: texts.map(encode), texts: texts, request: request, control: control)
    }

    /// Tokens of the texts explained together: what the cores' batched passes hold at once. The input pass
    /// a group keeps for its backward grows with it (about 90 KB a token for MiniLM), so a call with many texts
    /// (`explaind corpus --batch`, a long `texts`) runs group after group instead of keeping one pass for all.
    public var groupTokens: Int { ClassifierModel.passTokenLimit * ClassifierModel.concurrentPasses }

    /// The texts' explanations over the given encodings (a text's own, or one window of it), consecutive texts
    /// of up to `groupTokens` tokens at a time (a longer text alone). Every method's result for a text depends
    /// on that text alone (seeds included), so the grouping changes nothing but memory and rounding.
    func explain(encodings: [Encoding], texts: [String], request: ExplainRequest, control: RunControl,
                 groupTokens: Int? = nil) throws -> [Explanation] {
        let count = encodings.count
        var explanations: [Explanation] = []
        for group in ClassifierModel.consecutiveRuns(lengths: encodings.map(\.ids.count), limit: groupTokens ?? self.groupTokens) {
            // Progress runs over the whole call: each group reports within its share of the texts.
            let (lower, upper) = (Double(group.lowerBound) / Double(count), Double(group.upperBound) / Double(count))
            let part = group.count == count ? control
                : RunControl(isCancelled: control.isCancelled,
                             progress: { fraction, message in control.progress(lower + fraction * (upper - lower), message) })
            try part.checkCancelled()
            // Kept with its activations: the gradient methods differentiate this very pass.
            let inputPass = model.forward(ModelInput(ids: encodings[group].map(\.ids)))
            explanations += try explain(encodings: Array(encodings[group]), texts: Array(texts[group]), inputPass: inputPass,
                                        request: request, control: part, textNumbering: (first: group.lowerBound, count: count))
        }
        return explanations
    }

    /// The same over a forward pass of those encodings the caller has already run (the windows' prediction).
    /// `textNumbering`: where these texts sit among the call's, for errors that name one (`texts[i]`).
    func explain(encodings: [Encoding], texts: [String], inputPass: ForwardPass, request: ExplainRequest,
                 control: RunControl, textNumbering: (first: Int, count: Int)? = nil) throws -> [Explanation] {
        let method = try AttributionRegistry.method(named: request.method)
        let options = try ResolvedOptions(request.options, specs: method.description.options)
        let scoring = request.scoring
        try control.checkCancelled()
        let ids = encodings.map(\.ids)
        let logits = inputPass.logits
        let predictions = logits.map(prediction)
        let targets = try predictions.map { try resolve(scoring.target, field: "target", predicted: $0.index) }
        let foils = try zip(predictions, targets).map { prediction, target -> Int? in
            guard let spec = scoring.foil else { return nil }
            let foil = try resolve(spec, field: "foil", predicted: prediction.index)
            guard foil != target else { throw AttributionError.invalidOption(name: "foil", reason: "the foil must differ from the target (both \(model.config.labels[target]))") }
            return foil
        }
        let context = AttributionContext(
            model: model, ids: ids, special: encodings.map { $0.tokens.map(\.special) },
            embeddings: ids.map { model.wordEmbeddings(ids: $0) }, logits: logits,
            objective: Objective(targets: targets, foils: foils, output: scoring.output, problemType: model.config.problemType),
            options: options, control: control, inputPass: inputPass,
            words: encodings.map { $0.words.map(\.tokens) })
        let result = try method.attribute(context)
        let explanations = texts.indices.map { s in
            let (tokenScores, wordScores) = Self.normalized(result.scores[s], encoding: encodings[s], scoring: scoring)
            return Explanation(
                text: texts[s], encoding: encodings[s], prediction: predictions[s],
                target: ClassRef(index: targets[s], label: model.config.labels[targets[s]]),
                foil: foils[s].map { ClassRef(index: $0, label: model.config.labels[$0]) },
                method: request.method, options: options.values, output: scoring.output, normalize: scoring.normalize,
                granularity: scoring.granularity, tokenScores: tokenScores, rawTokenScores: result.scores[s],
                wordScores: wordScores, extras: result.extras[s])
        }
        let numbering = textNumbering ?? (first: 0, count: texts.count)
        for (s, explanation) in explanations.enumerated() {
            try FiniteResults.require(explanation, of: FiniteResults.name(numbering.first + s, of: numbering.count))
        }
        return explanations
    }

    /// Raw token scores → the normalised token scores, and with word granularity the normalised sums per word.
    static func normalized(_ raw: [Float], encoding: Encoding, scoring: Scoring) -> (tokens: [Float], words: [Float]?) {
        var wordScores: [Float]? = nil
        if scoring.granularity == .word {
            wordScores = scoring.normalize.apply(encoding.words.map { word in word.tokens.reduce(0) { $0 + raw[$1] } })
        }
        let tokenScores = scoring.normalize.apply(raw, excluding: scoring.normalizeSpecialTokens ? [] : encoding.tokens.map(\.special))
        return (tokenScores, wordScores)
    }

    func prediction(_ logits: [Float]) -> Prediction {
        let index = logits.indices.max { logits[$0] < logits[$1] } ?? 0
        return Prediction(label: model.config.labels[index], index: index,
                          probabilities: model.probabilities(logits), logits: logits)
    }

    func resolve(_ spec: TargetSpec, field: String, predicted: Int) throws -> Int {
        let labels = model.config.labels
        switch spec {
        case .predicted: return predicted
        case .index(let index):
            guard labels.indices.contains(index) else {
                throw AttributionError.invalidOption(name: field, reason: "class index \(index) is outside 0..<\(labels.count)")
            }
            return index
        case .label(let label):
            guard let index = labels.firstIndex(of: label) else { throw AttributionError.unknownLabel(label) }
            return index
        }
    }
}
