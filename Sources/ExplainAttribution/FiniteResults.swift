/// Replies promise numbers and JSON has no NaN or infinity: a computation that produces one (finite weights
/// whose products overflow Float32) is an error naming what overflowed, never a null in the reply.
enum FiniteResults {
    static func require(_ values: [Float], _ what: @autoclosure () -> String) throws {
        guard values.allSatisfy(\.isFinite) else { throw AttributionError.nonFinite(what()) }
    }

    static func require(_ prediction: Prediction, of text: String) throws {
        try require(prediction.logits, "the logits of \(text)")
        try require(prediction.probabilities, "the probabilities of \(text)")
    }

    static func require(_ explanation: Explanation, of text: String) throws {
        try require(explanation.prediction, of: text)
        try require(explanation.rawTokenScores, "the \(explanation.method) scores of \(text)")
        try require(explanation.tokenScores, "the normalised \(explanation.method) scores of \(text)")
        try require(explanation.wordScores ?? [], "the \(explanation.method) word scores of \(text)")
        for (name, value) in explanation.extras.sorted(by: { $0.key < $1.key }) {
            if case .number(let number) = value, !number.isFinite {
                throw AttributionError.nonFinite("\(explanation.method)'s \(name) for \(text)")
            }
        }
    }

    /// "the text" for a single text, "texts[i]" in a batch.
    static func name(_ index: Int, of count: Int) -> String { count == 1 ? "the text" : "texts[\(index)]" }
}
