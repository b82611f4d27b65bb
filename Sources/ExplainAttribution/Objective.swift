import ExplainModel

/// The scalar an explanation differentiates, per sequence: the target's logit or probability, minus the
/// foil's when one is given (contrastive). Probabilities are the model's own (`ProblemType`): softmax, or a
/// sigmoid per label, in which each label's probability depends on its own logit alone.
struct Objective: Sendable {
    let targets: [Int]
    let foils: [Int?]
    let output: OutputKind
    let problemType: ProblemType

    func value(_ logits: [Float], sequence s: Int) -> Float {
        let scores = output == .logit ? logits : ClassifierModel.probabilities(logits, problemType)
        return scores[targets[s]] - (foils[s].map { scores[$0] } ?? 0)
    }

    /// ∂value/∂logits. For softmax probabilities ∂p_t/∂z_j = p_t (δ_tj − p_j); for sigmoids δ_tj p_t (1 − p_t).
    func logitWeights(_ logits: [Float], sequence s: Int) -> [Float] {
        var weights = [Float](repeating: 0, count: logits.count)
        switch output {
        case .logit:
            weights[targets[s]] += 1
            if let foil = foils[s] { weights[foil] -= 1 }
        case .probability:
            let p = ClassifierModel.probabilities(logits, problemType)
            for (sign, c) in [(Float(1), targets[s])] + (foils[s].map { [(Float(-1), $0)] } ?? []) {
                switch problemType {
                case .singleLabel:
                    for j in weights.indices { weights[j] += sign * p[c] * ((j == c ? 1 : 0) - p[j]) }
                case .multiLabel:
                    weights[c] += sign * p[c] * (1 - p[c])
                }
            }
        }
        return weights
    }
}
