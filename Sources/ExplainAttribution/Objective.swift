import ExplainModel

/// The scalar an explanation differentiates, per sequence: the target's logit or probability, minus the
/// foil's when one is given (contrastive).
struct Objective: Sendable {
    let targets: [Int]
    let foils: [Int?]
    let output: OutputKind

    func value(_ logits: [Float], sequence s: Int) -> Float {
        let scores = output == .logit ? logits : ClassifierModel.probabilities(logits)
        return scores[targets[s]] - (foils[s].map { scores[$0] } ?? 0)
    }

    /// ∂value/∂logits. For probabilities, ∂p_t/∂z_j = p_t (δ_tj − p_j).
    func logitWeights(_ logits: [Float], sequence s: Int) -> [Float] {
        var weights = [Float](repeating: 0, count: logits.count)
        switch output {
        case .logit:
            weights[targets[s]] += 1
            if let foil = foils[s] { weights[foil] -= 1 }
        case .probability:
            let p = ClassifierModel.probabilities(logits)
            for (sign, c) in [(Float(1), targets[s])] + (foils[s].map { [(Float(-1), $0)] } ?? []) {
                for j in weights.indices { weights[j] += sign * p[c] * ((j == c ? 1 : 0) - p[j]) }
            }
        }
        return weights
    }
}
