import Foundation
import ExplainModel

/// LIME (Ribeiro, Singh & Guestrin 2016) for text, as the `lime` package's LimeTextExplainer: copies of the
/// text with random subsets of its features (tokens, or words) removed — the first copy is the text
/// itself, each other removes k features, k uniform in 1…d−1 — the objective on each, and a weighted ridge
/// regression of the objective on the presence vectors z with a free intercept. Weights are the
/// exponential kernel exp(−D²/(2·width²)) on the cosine distance D = 1 − cos(z, 1) = 1 − √(|z|/d) (LIME's
/// √exp(−D²/width²), Captum's kernel). Scores are the coefficients, a word's shared by its tokens. The
/// draws depend only on the seed and the token ids.
enum Lime: AttributionMethod {
    static let description = MethodDescription(
        name: "lime", signed: true,
        summary: "LIME: weighted ridge regression of the output on which tokens (or words) are kept, over random perturbed copies (Ribeiro et al. 2016)",
        options: [
            .integer("samples", 500, 2...100_000, "perturbed copies, the text itself included"),
            .number("kernelWidth", 0.25, 1e-3...100, "width of the exponential kernel on the cosine distance"),
            .choice("replacement", "mask", ["mask", "unk", "pad", "delete"], "what stands in for a removed token"),
            .choice("granularity", "token", ["token", "word"], "features: single tokens, or whole words"),
            .number("ridge", 1, 0...1e6, "ridge penalty of the regression (LIME's Ridge(alpha=1))"),
            .seed(of: "the random perturbations"),
            .batchSize(of: "copies"),
        ])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let options = context.options
        let samples = options.integer("samples"), width = options.number("kernelWidth")
        let replacement = try Replacement.id(options.string("replacement"), tokenizer: context.model.tokenizer, field: "options.replacement")
        let texts = (0..<context.sequenceCount).map {
            FeatureMasking(context: context, sequence: $0, words: options.string("granularity") == "word", replacement: replacement)
        }
        // Every copy's presence vector, drawn text by text in order; its ids are made as its batch runs.
        let presence = texts.map { text -> [[Bool]] in
            var draws = UniformDraws(seed: options.integer("seed"), ids: text.ids)
            let d = text.count
            return (0..<samples).map { i in
                var present = [Bool](repeating: true, count: d)
                guard i > 0 && d > 0 else { return present }
                for f in draws.subset(d > 1 ? 1 + draws.index(d - 1) : 1, of: d) { present[f] = false }
                return present
            }
        }
        var values = texts.map { _ in [Double](repeating: 0, count: samples) }
        try context.evaluate(
            count: context.sequenceCount * samples,
            probe: { i in Probe(ids: texts[i / samples].ids(present: presence[i / samples][i % samples]), embeddings: nil, owner: i / samples) },
            batchSize: options.integer("batchSize"), gradients: false, message: "lime: \(samples) samples"
        ) { i, logits, _ in
            values[i / samples][i % samples] = Double(context.objective.value(logits, sequence: i / samples))
        }
        var scores: [[Float]] = [], extras: [[String: OptionValue]] = []
        for (s, text) in texts.enumerated() {
            let d = text.count
            let rows = presence[s].map { $0.map { $0 ? 1.0 : 0.0 } }
            let weights = presence[s].map { present -> Double in
                let kept = present.filter { $0 }.count
                let distance = d == 0 ? 0 : 1 - (Double(kept) / Double(d)).squareRoot()
                return exp(-distance * distance / (2 * width * width))
            }
            let (coefficients, intercept) = LinearSolve.weightedRidge(rows: rows, targets: values[s], weights: weights, ridge: options.number("ridge"))
            scores.append(text.tokenScores(coefficients))
            extras.append(["intercept": .number(intercept), "features": .number(Double(d)), "evaluations": .number(Double(samples))])
        }
        return MethodResult(scores: scores, extras: extras)
    }
}
