import ExplainProtocol
import ExplainAttribution

/// `tokenize` and `predict`: cheap, on the quick lane.
enum TextHandlers {
    static func register(on dispatcher: Dispatcher, models: ModelStore) {
        let limits = dispatcher.options
        dispatcher.register(TokenizeParams.self, lane: .quick) { params, context in
            let resident = try models.resolve(params.model)
            try checkLength(params.text, field: "text", limits: limits)
            let encoding = resident.model.tokenizer.encode(params.text, maxLength: resident.model.maxTokens)
            let offsets = OffsetTable(text: params.text, encoding: context.positionEncoding)
            // Words in three or more pieces: names the vocabulary does not know (the reference workflow's lesson).
            let fragmented = encoding.words.enumerated().compactMap { index, word -> FragmentedWord? in
                guard word.tokens.count >= 3 else { return nil }
                return FragmentedWord(word: index, text: word.text, pieces: word.tokens.map { encoding.tokens[$0].text })
            }
            return TokenizeResult(tokens: offsets.tokens(encoding), words: offsets.words(encoding),
                                  truncated: encoding.truncated, fragmented: fragmented)
        }
        dispatcher.register(PredictParams.self, lane: .quick) { params, _ in
            let resident = try models.resolve(params.model)
            let texts = try checkTexts(params.input, limits: limits)
            let predictions = try resident.usingWeights { try resident.explainer.predict(texts: texts) }.map { encoding, prediction in
                PredictionInfo(label: prediction.label, index: prediction.index, probabilities: prediction.probabilities,
                               logits: prediction.logits, truncated: encoding.truncated)
            }
            if case .single = params.input { return .single(predictions[0]) }
            return .many(predictions)
        }
    }

    static func checkLength(_ text: String, field: String, limits: ServerOptions) throws {
        let bytes = text.utf8.count
        guard bytes <= limits.maxTextBytes else {
            throw InvalidField(field: field, reason: "text of \(bytes) UTF-8 bytes exceeds the limit of \(limits.maxTextBytes) (--max-text-bytes)")
        }
    }

    /// The texts of `text` | `texts`, each within the length limit, at most `maxTexts` of them.
    static func checkTexts(_ input: TextInput, limits: ServerOptions) throws -> [String] {
        let texts = input.texts
        guard texts.count <= limits.maxTexts else {
            throw InvalidField(field: "texts", reason: "\(texts.count) texts exceed the limit of \(limits.maxTexts) per request")
        }
        for (i, text) in texts.enumerated() {
            try checkLength(text, field: input == .single(text) ? "text" : "texts[\(i)]", limits: limits)
        }
        return texts
    }
}
