import ExplainModel
import ExplainTokenizer

/// Texts longer than the model's positions, explained in overlapping windows (Protocol.md, "Long texts"), as
/// chunked classification usually does (HF question answering's `stride`, Longformer-less pipelines):
/// - the text is encoded whole; a window is `stride`-spaced run of its tokens, as many as fit beside the special
///   tokens, which every window carries as the text does; the last window ends at the last token;
/// - the prediction is the mean of the windows' probabilities (and logits), the target resolved on it, and every
///   window is explained for that one target;
/// - a token's raw score is the mean of its raw scores over the windows that cover it (the special tokens: over
///   all windows), then normalised over the whole text as a single pass would be;
/// - a text that fits in one window is explained exactly as without windows.
extension Explainer {
    func explainInWindows(texts: [String], request: ExplainRequest, control: RunControl) throws -> [Explanation] {
        var single = request
        single.long = .truncate
        let whole = texts.map { model.tokenizer.encode($0) }
        let fitting = texts.indices.filter { whole[$0].tokens.count <= model.maxTokens }
        var results = [Explanation?](repeating: nil, count: texts.count)
        if !fitting.isEmpty {
            let explained = try explain(encodings: fitting.map { encode(texts[$0]) }, texts: fitting.map { texts[$0] },
                                        request: single, control: control)
            for (index, explanation) in zip(fitting, explained) { results[index] = explanation }
        }
        for index in texts.indices where results[index] == nil {
            results[index] = try explainWindowed(text: texts[index], encoding: whole[index], request: single, control: control)
        }
        return results.map { $0! }
    }

    /// The windows of an encoding longer than the model's positions: ranges of its token indices (its special
    /// tokens excluded), `stride` apart, the last one ending at the last ordinary token.
    func windows(of encoding: Encoding, stride requested: Int?) throws -> [Range<Int>] {
        let ordinary = encoding.tokens.indices.filter { !encoding.tokens[$0].special }
        guard let first = ordinary.first, let last = ordinary.last, ordinary.count == last - first + 1 else {
            throw AttributionError.invalidOption(name: "long", reason: "windows need the special tokens around the text, not inside it")
        }
        let length = model.maxTokens - (encoding.tokens.count - ordinary.count)
        guard length > 0 else { throw AttributionError.invalidOption(name: "long", reason: "the model's positions leave no room for a window") }
        let stride = requested ?? max(1, length / 2)
        guard stride <= length else {
            throw AttributionError.invalidOption(name: "stride", reason: "a stride of \(stride) tokens would leave tokens out of every window of \(length)")
        }
        var windows: [Range<Int>] = []
        var start = first
        while true {
            let end = min(start + length, last + 1)
            windows.append(max(first, end - length)..<end)
            if end == last + 1 { break }
            start += stride
        }
        return windows
    }

    func explainWindowed(text: String, encoding: Encoding, request: ExplainRequest, control: RunControl) throws -> Explanation {
        let ranges = try windows(of: encoding, stride: request.stride)
        let prefix = encoding.tokens.prefix { $0.special }, suffix = encoding.tokens.reversed().prefix { $0.special }.reversed()
        let windowEncodings = ranges.map { range in
            Encoding(tokens: Array(prefix) + Array(encoding.tokens[range]) + Array(suffix), words: [], truncated: false)
        }
        // The prediction: the mean over the windows. Their pass is the one the windows are explained on.
        try control.checkCancelled()
        let windowsPass = model.forward(ModelInput(ids: windowEncodings.map(\.ids)))
        let logits = windowsPass.logits
        let classes = model.config.labels.count
        let count = Float(ranges.count)
        let meanLogits = (0..<classes).map { c in logits.reduce(Float(0)) { $0 + $1[c] } / count }
        let probabilities = logits.map(model.probabilities)
        let meanProbabilities = (0..<classes).map { c in probabilities.reduce(Float(0)) { $0 + $1[c] } / count }
        let predicted = meanProbabilities.indices.max { meanProbabilities[$0] < meanProbabilities[$1] } ?? 0
        var perWindow = request
        perWindow.scoring.target = .index(try resolve(request.scoring.target, field: "target", predicted: predicted))
        let explained = try explain(encodings: windowEncodings, texts: ranges.map { _ in text }, inputPass: windowsPass,
                                    request: perWindow, control: control)

        // Each window's scores back onto the whole text's tokens, averaged over the windows covering each.
        var sums = [Float](repeating: 0, count: encoding.tokens.count), covered = [Float](repeating: 0, count: encoding.tokens.count)
        let specialIndices = encoding.tokens.indices.filter { encoding.tokens[$0].special }
        for (range, window) in zip(ranges, explained) {
            let positions = Array(specialIndices.prefix(prefix.count)) + Array(range) + Array(specialIndices.suffix(suffix.count))
            for (w, position) in positions.enumerated() {
                sums[position] += window.rawTokenScores[w]
                covered[position] += 1
            }
        }
        let raw = zip(sums, covered).map { $0 / $1 }
        let (tokenScores, wordScores) = Self.normalized(raw, encoding: encoding, scoring: request.scoring)
        var extras: [String: OptionValue] = ["windows": .number(Double(ranges.count))]
        if let stride = request.stride { extras["stride"] = .number(Double(stride)) }
        let prediction = Prediction(label: model.config.labels[predicted], index: predicted, probabilities: meanProbabilities, logits: meanLogits)
        try FiniteResults.require(prediction, of: "the text")
        let first = explained[0]
        return Explanation(
            text: text, encoding: encoding, prediction: prediction, target: first.target, foil: first.foil, method: first.method,
            options: first.options, output: first.output, normalize: first.normalize, granularity: first.granularity,
            tokenScores: tokenScores, rawTokenScores: raw, wordScores: wordScores, extras: extras, windows: ranges)
    }
}
