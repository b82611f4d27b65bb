import Foundation

/// What a request costs, in token-passes: the tokens of each sequence times the forward passes run over it
/// (a backward counts as two). The server bounds it per request (`--max-work`), and compareMethods shares
/// its progress between the methods by it.
public enum WorkEstimate {
    /// Forward-pass equivalents of one method on one text of `n` content tokens, from its options as given
    /// (defaults for those left out; a negative value counts as zero, the option check refuses it later).
    public static func passes(_ method: String, options: [String: OptionValue], tokens n: Int) -> Double {
        let number = { (name: String, fallback: Double) -> Double in
            if case .number(let value)? = options[name] { return max(0, value) }
            return fallback
        }
        let adaptive: Bool
        if case .bool(true)? = options["adaptive"] { adaptive = true } else { adaptive = false }
        switch method {
        // forward + backward per point, plus the baseline's forward; adaptive runs 4 + 8 + … ≤ 2 × steps points
        case "integratedGradients": return 3 * number("steps", 50) * (adaptive ? 2 : 1) + 1
        case "smoothGrad": return 3 * number("samples", 20)
        case "occlusion": return Double(n) + 1
        // one forward per copy or coalition, the text itself (LIME) or the baseline (SHAP) included; SHAP
        // enumerates 2^n − 2 coalitions up to exactUpTo tokens
        case "lime": return number("samples", 500)
        case "kernelShap":
            return (Double(n) <= number("exactUpTo", 12) ? pow(2, Double(n)) - 1 : number("samples", 500) + 2)
        case "attentionRollout": return 1
        // IG's passes once per word (at most one per token)
        case "sequentialIntegratedGradients": return Double(max(n, 1)) * (3 * number("steps", 50) * (adaptive ? 2 : 1) + 1)
        default: return 3
        }
    }

    /// The passes of compareMethods' figures over `n` content tokens: every rationale with and without,
    /// leave-one-out, the deletion curve.
    public static func figurePasses(methods: Int, thresholds: Int, tokens n: Int) -> Double {
        Double(methods * (2 * thresholds + n + 1) + n + 1)
    }
}
