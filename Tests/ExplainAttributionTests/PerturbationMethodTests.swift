import XCTest
@testable import ExplainAttribution
import ExplainModel

/// LIME, Kernel SHAP and sequential integrated gradients against what they must equal: exact Shapley values
/// computed here by brute force, their own constraints, integrated gradients, and themselves under a seed.
final class PerturbationMethodTests: XCTestCase {
    func explainer(_ name: String) throws -> Explainer {
        Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(name)")))
    }

    func explain(_ explainer: Explainer, _ text: String, _ method: String, _ options: [String: OptionValue] = [:],
                 output: OutputKind = .logit) throws -> Explanation {
        var request = ExplainRequest(method: method)
        request.scoring.normalize = .none
        request.scoring.output = output
        request.options = options
        return try explainer.explain(texts: [text], request: request)[0]
    }

    /// φ_i = Σ_{S ⊆ N∖{i}} |S|!(d−|S|−1)!/d! · (f(S ∪ {i}) − f(S)) over the non-special tokens, f the target's
    /// logit (or probability) with the tokens outside S replaced by `replacement` (deleted when nil).
    func bruteForceShapley(_ explainer: Explainer, _ text: String, replacement: Int?, output: OutputKind) -> (phi: [Double], positions: [Int]) {
        let encoding = explainer.encode(text)
        let positions = encoding.tokens.indices.filter { !encoding.tokens[$0].special }
        let d = positions.count
        let inputs = (0..<(1 << d)).map { subset -> [Int] in
            var ids: [Int] = []
            for (t, id) in encoding.ids.enumerated() {
                guard let feature = positions.firstIndex(of: t), subset & (1 << feature) == 0 else { ids.append(id); continue }
                if let replacement { ids.append(replacement) }
            }
            return ids
        }
        let logits = explainer.model.logits(ModelInput(ids: inputs))
        let target = logits[(1 << d) - 1].indices.max { logits[(1 << d) - 1][$0] < logits[(1 << d) - 1][$1] }!
        let f = logits.map { Double(output == .logit ? $0[target] : explainer.model.probabilities($0)[target]) }
        let factorial = { (n: Int) in (0..<n).reduce(1.0) { $0 * Double($1 + 1) } }
        var phi = [Double](repeating: 0, count: d)
        for i in 0..<d {
            for subset in 0..<(1 << d) where subset & (1 << i) == 0 {
                let size = subset.nonzeroBitCount
                phi[i] += factorial(size) * factorial(d - size - 1) / factorial(d) * (f[subset | (1 << i)] - f[subset])
            }
        }
        return (phi, positions)
    }

    /// On BERT and DistilBERT, and on the two families whose positions are not one absolute table: DeBERTa's
    /// relative attention (deleting tokens moves every distance) and ModernBERT's rotary local/global layers.
    func testEnumeratedKernelShapEqualsBruteForceShapleyValues() throws {
        for (name, text, baseline, output) in [("bert-gelu-2labels", "The sky is green and beautiful", "mask", OutputKind.logit),
                                               ("distilbert-3labels-bf16", "INEC has postponed the 2019 general elections", "delete", .probability),
                                               ("deberta-v3-3labels", "The senate voted.", "delete", .logit),
                                               ("modernbert-3labels", "Buhari won the election.", "mask", .probability)] {
            let explainer = try explainer(name)
            let shap = try explain(explainer, text, "kernelShap", ["baseline": .string(baseline)], output: output)
            XCTAssertEqual(shap.extras["exact"], .bool(true))
            let replacement = baseline == "delete" ? nil : explainer.model.tokenizer.maskID
            let (phi, positions) = bruteForceShapley(explainer, text, replacement: replacement, output: output)
            XCTAssertGreaterThan(positions.count, 5)
            assertClose(positions.map { shap.rawTokenScores[$0] }, phi.map(Float.init), rtol: 1e-4, "\(name) Kernel SHAP vs exact Shapley")
            for (t, token) in shap.encoding.tokens.enumerated() where token.special { XCTAssertEqual(shap.rawTokenScores[t], 0) }
        }
    }

    /// Efficiency holds by construction (the constraint is solved exactly), so the only gap left is the
    /// rounding of the scores to Float32.
    func testSampledKernelShapMeetsEfficiencyAndIsDeterministic() throws {
        let explainer = try explainer("bert-tanh-3labels-f16")
        let text = "Voters queued for hours to elect their governor in Kano state."
        let options: [String: OptionValue] = ["samples": .number(100), "exactUpTo": .number(4), "seed": .number(7)]
        let shap = try explain(explainer, text, "kernelShap", options)
        XCTAssertEqual(shap.extras["exact"], .bool(false))
        guard case .number(let gap)? = shap.extras["gap"], case .number(let delta)? = shap.extras["expectedDelta"] else { return XCTFail("no gap") }
        let magnitude = shap.rawTokenScores.reduce(abs(delta)) { $0 + abs(Double($1)) }
        XCTAssertLessThanOrEqual(abs(gap), 1e-6 * magnitude)
        let sum = shap.rawTokenScores.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(sum - delta, gap, accuracy: 1e-12)
        XCTAssertEqual(try explain(explainer, text, "kernelShap", options).rawTokenScores, shap.rawTokenScores)
        XCTAssertNotEqual(try explain(explainer, text, "kernelShap", options.merging(["seed": .number(8)]) { $1 }).rawTokenScores, shap.rawTokenScores)
    }

    func testLimeIsDeterministicUnderASeed() throws {
        let explainer = try explainer("distilbert-3labels-bf16")
        let text = "The APC and PDP traded accusations of vote buying in Lagos."
        for granularity in ["token", "word"] {
            let options: [String: OptionValue] = ["samples": .number(64), "seed": .number(3), "granularity": .string(granularity)]
            let lime = try explain(explainer, text, "lime", options)
            XCTAssertEqual(try explain(explainer, text, "lime", options).rawTokenScores, lime.rawTokenScores)
            XCTAssertNotEqual(try explain(explainer, text, "lime", options.merging(["seed": .number(4)]) { $1 }).rawTokenScores, lime.rawTokenScores)
            if granularity == "word" {
                // a word's tokens share its coefficient equally
                for word in lime.encoding.words where word.tokens.count > 1 {
                    for t in word.tokens { XCTAssertEqual(lime.rawTokenScores[t], lime.rawTokenScores[word.tokens[0]], accuracy: 1e-7) }
                }
            }
        }
    }

    /// With many samples the sampled estimators rank the tokens as the exact Shapley values do. Sampled
    /// Kernel SHAP estimates the Shapley values themselves, so its error shrinks as the coalitions grow;
    /// LIME fits a kernel-weighted linear model to the same masked outputs, whose coefficients rank tokens
    /// like the Shapley values when the model is close to additive in the masks, as these small texts are
    /// (measured: ρ 0.97–1.0). ρ ≥ 0.9 leaves room for about one adjacent swap among 8–10 tokens.
    func testManySamplesRankTokensAsExactShapleyValues() throws {
        for (name, text) in [("bert-gelu-2labels", "Voters queued for hours to elect a governor."),
                             ("distilbert-3labels-bf16", "The APC and PDP traded accusations.")] {
            let explainer = try explainer(name)
            let exact = try explain(explainer, text, "kernelShap", ["exactUpTo": .number(16)])
            XCTAssertEqual(exact.extras["exact"], .bool(true))
            let positions = exact.encoding.tokens.indices.filter { !exact.encoding.tokens[$0].special }
            let reference = positions.map { Double(exact.rawTokenScores[$0]) }
            let sampled = try explain(explainer, text, "kernelShap", ["exactUpTo": .number(0), "samples": .number(200)])
            XCTAssertEqual(sampled.extras["exact"], .bool(false))
            let lime = try explain(explainer, text, "lime", ["samples": .number(1000), "replacement": .string("mask")])
            for (method, explanation) in [("kernelShap", sampled), ("lime", lime)] {
                let rho = try XCTUnwrap(RankCorrelation.spearman(positions.map { Double(explanation.rawTokenScores[$0]) }, reference))
                print("\(name): \(method) vs exact Shapley over \(positions.count) tokens, Spearman ρ \(rho)")
                XCTAssertGreaterThanOrEqual(rho, 0.9, "\(name) \(method)")
            }
        }
    }

    /// A one-word text has one path, the same as integrated gradients' with the same baseline (BERT's
    /// WordPiece and DeBERTa's SentencePiece words).
    func testSequentialIntegratedGradientsOfOneWordIsIntegratedGradients() throws {
        for name in ["bert-gelu-2labels", "deberta-v2-4labels-f16"] {
            let explainer = try explainer(name)
            let text = "Pneumonoultramicroscopicsilicovolcanoconiosis"
            XCTAssertEqual(explainer.encode(text).words.count, 1)
            XCTAssertGreaterThan(explainer.encode(text).words[0].tokens.count, 3)
            let options: [String: OptionValue] = ["steps": .number(16), "baseline": .string("mask")]
            let sig = try explain(explainer, text, "sequentialIntegratedGradients", options)
            let ig = try explain(explainer, text, "integratedGradients", options)
            XCTAssertEqual(sig.rawTokenScores, ig.rawTokenScores, name)
            XCTAssertEqual(sig.extras["gap"], ig.extras["gap"], name)
            XCTAssertEqual(sig.extras["expectedDelta"], ig.extras["expectedDelta"], name)
        }
    }

    /// On several words each word's path is integrated separately: the summed completeness gap is small
    /// with 50 Gauss–Legendre steps, and a word's scores come only from its own path (masking one word).
    func testSequentialIntegratedGradientsPerWord() throws {
        let explainer = try explainer("distilbert-3labels-bf16")
        let text = "The sky is green and beautiful"
        let sig = try explain(explainer, text, "sequentialIntegratedGradients")
        guard case .number(let gap)? = sig.extras["gap"], case .number(let expected)? = sig.extras["expectedDelta"] else { return XCTFail("no gap") }
        let magnitude = sig.rawTokenScores.reduce(0.0) { $0 + abs(Double($1)) }
        XCTAssertLessThan(abs(gap), 0.01 * max(magnitude, abs(expected)))
        XCTAssertEqual(sig.extras["words"], .number(Double(sig.encoding.words.count)))
        // the first word alone: IG of the text with a baseline masking only that word
        let model = explainer.model, h = model.config.embeddingSize
        let ids = sig.encoding.ids, word = sig.encoding.words[0].tokens
        var baseline = model.wordEmbeddings(ids: ids)
        for t in word { baseline.replaceSubrange(t * h..<(t + 1) * h, with: model.wordEmbeddings(ids: [model.tokenizer.maskID!])) }
        let input = model.wordEmbeddings(ids: ids)
        let (alphas, weights) = Quadrature.gaussLegendre.rule(steps: 50)
        var integral = [Double](repeating: 0, count: input.count)
        let target = sig.target.index
        for (alpha, weight) in zip(alphas, weights) {
            let point = zip(baseline, input).map { $0 + Float(alpha) * ($1 - $0) }
            let pass = model.forward(ModelInput(ids: [ids], wordEmbeddings: [point]))
            var w = [Float](repeating: 0, count: model.config.labels.count); w[target] = 1
            let gradient = model.inputGradient(pass, logitWeights: [w])[0]
            for j in integral.indices { integral[j] += weight * Double(gradient[j]) }
        }
        let expectedScores = word.map { t in Float((t * h..<(t + 1) * h).reduce(0.0) { $0 + Double(input[$1] - baseline[$1]) * integral[$1] }) }
        assertClose(word.map { sig.rawTokenScores[$0] }, expectedScores, rtol: 1e-4, "first word's scores")
    }

    /// The long methods check for cancellation between their batched passes and stop before the end.
    func testLongMethodsStopWhenCancelled() throws {
        let explainer = try explainer("bert-gelu-2labels")
        for (method, options) in [("lime", ["samples": OptionValue.number(200), "batchSize": .number(4)]),
                                  ("kernelShap", ["samples": .number(200), "exactUpTo": .number(0), "batchSize": .number(4)]),
                                  ("sequentialIntegratedGradients", ["steps": .number(32), "batchSize": .number(4)])] {
            let progress = ProgressLog()
            let control = RunControl(isCancelled: { progress.fractions.contains { $0 > 0.2 } }, progress: { progress.record($0, $1) })
            var request = ExplainRequest(method: method)
            request.options = options
            XCTAssertThrowsError(try explainer.explain(texts: ["Voters queued for hours to elect their governor in Kano state."], request: request,
                                                       control: control), method) { error in
                XCTAssertEqual(error as? AttributionError, .cancelled, method)
            }
            XCTAssertLessThan(progress.fractions.last ?? 1, 0.5, "\(method) stopped soon after")
        }
    }

    func testBadOptionsNameTheField() throws {
        let explainer = try explainer("bert-gelu-2labels")
        for (method, options, field) in [("lime", ["samples": OptionValue.number(-5)], "options.samples"),
                                         ("lime", ["kernelWidth": .number(0)], "options.kernelWidth"),
                                         ("lime", ["granularity": .string("sentence")], "options.granularity"),
                                         ("kernelShap", ["baseline": .string("zero")], "options.baseline"),
                                         ("kernelShap", ["samples": .number(0)], "options.samples"),
                                         ("sequentialIntegratedGradients", ["steps": .number(-1)], "options.steps")] {
            XCTAssertThrowsError(try explain(explainer, "a text", method, options), "\(method) \(options)") { error in
                guard case AttributionError.invalidOption(let name, _)? = error as? AttributionError else { return XCTFail("\(error)") }
                XCTAssertEqual(name, field)
            }
        }
    }
}

/// compareMethods takes the five methods like the others: their runs are their explain results, and each
/// gets its faithfulness figures, deletion curve and agreement with every other.
final class NewMethodComparisonTests: XCTestCase {
    func testCompareMethodsIncludesTheNewMethods() throws {
        let explainer = Explainer(model: try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/bert-gelu-2labels")))
        let text = "The sky is green and beautiful"
        var request = CompareRequest()
        request.methods = ["lime", "kernelShap", "attentionRollout", "attentionGradient", "sequentialIntegratedGradients", "occlusion"]
        request.options = ["lime": ["samples": .number(100)], "sequentialIntegratedGradients": ["steps": .number(8)]]
        let comparison = try explainer.compare(text: text, request: request)
        XCTAssertEqual(comparison.runs.map(\.explanation.method), request.methods)
        let n = comparison.encoding.tokens.filter { !$0.special }.count
        for run in comparison.runs {
            var single = ExplainRequest(method: run.explanation.method)
            single.options = request.options[run.explanation.method] ?? [:]
            XCTAssertEqual(try explainer.explain(texts: [text], request: single)[0].rawTokenScores, run.explanation.rawTokenScores, run.explanation.method)
        }
        XCTAssertEqual(comparison.figures.faithfulness.map(\.method), request.methods)
        for figures in comparison.figures.faithfulness {
            XCTAssertNotNil(figures.comprehensiveness, figures.method)
            XCTAssertNotNil(figures.sufficiency, figures.method)
            XCTAssertEqual(figures.deletionCurve?.probabilities.count, n + 1, figures.method)
        }
        XCTAssertEqual(comparison.figures.agreement.count, request.methods.count * (request.methods.count - 1) / 2)
        XCTAssertTrue(comparison.figures.agreement.allSatisfy { $0.spearman != nil })
    }
}
