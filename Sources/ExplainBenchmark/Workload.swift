import ExplainAttribution
import ExplainTokenizer

/// One benchmarked explanation: a method with fixed options, the work it needs by definition (its useful
/// FLOPs, see FlopCount) and the name of the same workload in the PyTorch reference script, if it has one.
public struct Workload: Sendable {
    public var name: String
    public var method: String
    public var options: [String: OptionValue]
    /// The key of the same workload in bench_pytorch.py's report.
    public var pythonName: String?
    /// The useful FLOPs of explaining one encoded sequence, given the explanation (for adaptive step counts).
    public var usefulFLOPs: @Sendable (_ shape: ModelShape, _ encoding: Encoding, _ explanation: Explanation) -> Double

    public var request: ExplainRequest {
        var request = ExplainRequest(method: method)
        request.options = options
        return request
    }

    /// The adaptive schedule of integrated gradients (IntegratedGradients.swift): 4, 8, 16, … up to the
    /// maximum, each round a fresh set of path points; a sequence that stopped at `steps` used them all.
    public static func adaptiveEvaluations(steps: Int, maximum: Int) -> Int {
        var total = 0, round = min(4, maximum)
        while true {
            total += round
            if round >= steps || round >= maximum { return total }
            round = min(2 * round, maximum)
        }
    }

    public static let all: [Workload] = [
        // One forward for the prediction and the gradient, one input-gradient backward.
        Workload(name: "gradientNorm", method: "gradientNorm", options: [:], pythonName: "gradientNorm") { shape, encoding, _ in
            FlopCount.gradient(shape, length: encoding.tokens.count)
        },
        // The same, plus the T × H by H × H Gram projection.
        Workload(name: "vanillaGradient", method: "vanillaGradient", options: [:], pythonName: "vanillaGradient") { shape, encoding, _ in
            let t = encoding.tokens.count
            return FlopCount.gradient(shape, length: t) + FlopCount.gramProjection(shape, length: t)
        },
        Workload(name: "gradientXInput", method: "gradientXInput", options: [:], pythonName: "gradientXInput") { shape, encoding, _ in
            FlopCount.gradient(shape, length: encoding.tokens.count)
        },
        // 50 path points with gradients, plus f(x) and f(baseline) (Gauss–Legendre nodes exclude α = 0, 1).
        Workload(name: "integratedGradients", method: "integratedGradients", options: ["steps": .number(50)],
                 pythonName: "integratedGradients") { shape, encoding, _ in
            let t = encoding.tokens.count
            return 50 * FlopCount.gradient(shape, length: t) + 2 * FlopCount.forward(shape, length: t)
        },
        // As many path points as the adaptive schedule took to bring |gap| within 1% of |f(x) − f(b)|.
        // Compared with PyTorch's 50-step integrated gradients: the same quantity to the same accuracy.
        Workload(name: "integratedGradientsAdaptive", method: "integratedGradients",
                 options: ["steps": .number(50), "adaptive": .bool(true), "tolerance": .number(0.01)],
                 pythonName: "integratedGradients") { shape, encoding, explanation in
            let t = encoding.tokens.count
            guard case .number(let steps)? = explanation.extras["steps"] else { return .nan }
            return Double(adaptiveEvaluations(steps: Int(steps), maximum: 50)) * FlopCount.gradient(shape, length: t)
                + 2 * FlopCount.forward(shape, length: t)
        },
        // 20 noisy copies with gradients, plus the prediction's forward.
        Workload(name: "smoothGrad", method: "smoothGrad", options: ["samples": .number(20)], pythonName: "smoothGrad") { shape, encoding, _ in
            let t = encoding.tokens.count
            return 20 * FlopCount.gradient(shape, length: t) + FlopCount.forward(shape, length: t)
        },
        // One forward per occluded (non-special) token, each [MASK]ed in place so the length stays T,
        // plus the unoccluded forward.
        Workload(name: "occlusion", method: "occlusion", options: [:], pythonName: "occlusion") { shape, encoding, _ in
            let t = encoding.tokens.count, occluded = encoding.tokens.filter { !$0.special }.count
            return Double(occluded + 1) * FlopCount.forward(shape, length: t)
        },
        // 500 perturbed copies ([MASK]ed in place, length T), the text itself among them, plus the prediction.
        // Beside Captum's Lime with the same samples, kernel and ridge regression.
        Workload(name: "lime", method: "lime", options: ["samples": .number(500)], pythonName: "lime") { shape, encoding, _ in
            501 * FlopCount.forward(shape, length: encoding.tokens.count)
        },
        // 500 sampled coalitions (enumeration off, so every sentence samples), the baseline and the prediction.
        // Beside Captum's KernelShap with n_samples 500.
        Workload(name: "kernelShap", method: "kernelShap", options: ["samples": .number(500), "exactUpTo": .number(0)],
                 pythonName: "kernelShap") { shape, encoding, explanation in
            guard case .number(let evaluations)? = explanation.extras["evaluations"] else { return .nan }
            return (evaluations + 1) * FlopCount.forward(shape, length: encoding.tokens.count)
        },
        // One forward; the layers' T × T products of the rollout are not counted (O(L·T²)).
        Workload(name: "attentionRollout", method: "attentionRollout", options: [:], pythonName: "attentionRollout") { shape, encoding, _ in
            FlopCount.forward(shape, length: encoding.tokens.count)
        },
        // One forward and one backward that also keeps ∂f/∂A.
        Workload(name: "attentionGradient", method: "attentionGradient", options: [:], pythonName: "attentionGradient") { shape, encoding, _ in
            FlopCount.gradient(shape, length: encoding.tokens.count)
        },
        // Integrated gradients once per word, 50 steps each, plus f(x) and every word's f(baseline).
        // No PyTorch counterpart in Captum.
        Workload(name: "sequentialIntegratedGradients", method: "sequentialIntegratedGradients", options: ["steps": .number(50)],
                 pythonName: nil) { shape, encoding, _ in
            let t = encoding.tokens.count, words = Double(encoding.words.count)
            return words * (50 * FlopCount.gradient(shape, length: t) + FlopCount.forward(shape, length: t)) + FlopCount.forward(shape, length: t)
        },
    ]

    public static func named(_ names: [String]) throws -> [Workload] {
        try names.map { name in
            guard let workload = all.first(where: { $0.name == name }) else {
                throw BenchmarkError.unknownMethod(name, known: all.map(\.name))
            }
            return workload
        }
    }
}
