/// One rationale of a method and the explained probability without it and with it alone.
public struct RationaleStep: Sendable, Equatable {
    public var threshold: Double
    public var k: Int
    /// Token indices (into the input's tokens, specials included), best first.
    public var tokens: [Int]
    /// p_c of the input without the rationale (comprehensiveness).
    public var withoutProbability: Double?
    /// p_c of the rationale alone, in sentence order (sufficiency).
    public var onlyProbability: Double?
}

/// How faithful one method's scores are to the model on one input, with ferret's definitions (g8a9/ferret,
/// `ferret/evaluators/faithfulness_measures.py`) at token level, special tokens excluded. Fields are nil
/// when their metric was not asked for (or, for τ, is undefined).
public struct MethodFaithfulness: Sendable, Equatable {
    public var method: String
    /// AOPC comprehensiveness (`AOPC_Comprehensiveness_Evaluation`): the mean over rationales of
    /// p_c(x) − p_c(x without the rationale); higher is better; 0 when there is no rationale, as ferret.
    public var comprehensiveness: Double?
    /// AOPC sufficiency (`AOPC_Sufficiency_Evaluation`): the mean of p_c(x) − p_c(the rationale only);
    /// lower is better; 1 when there is no rationale, as ferret.
    public var sufficiency: Double?
    public var rationales: [RationaleStep]
    /// `TauLOO_Evaluation`: Kendall τ-b between the scores and leave-one-out importance by deletion,
    /// p_c(x) − p_c(x without token j).
    public var taucorrLoo: Double?
    public var deletionCurve: DeletionCurve?

    /// comprehensiveness − sufficiency, the figure methods are ranked by.
    public var faithfulnessScore: Double? {
        guard let comprehensiveness, let sufficiency else { return nil }
        return comprehensiveness - sufficiency
    }
}

/// The perturbed inputs one method's figures need, as slots in the shared `PerturbedInputs`, and how
/// the figures follow from their probabilities.
struct FaithfulnessPlan {
    let method: String
    let scores: [Double]
    let rationales: [Rationale]
    let withoutSlots: [Int]
    let onlySlots: [Int]
    let curveSlots: [Int]?

    init(method: String, scores: [Double], content: TokenContent, settings: ComparisonSettings, inputs: inout PerturbedInputs) {
        self.method = method
        self.scores = scores
        let metrics = settings.metrics
        let wantsRationales = metrics.contains(.comprehensiveness) || metrics.contains(.sufficiency)
        rationales = wantsRationales ? Rationale.select(scores: scores, thresholds: settings.thresholds) : []
        withoutSlots = metrics.contains(.comprehensiveness)
            ? rationales.map { inputs.add(content.removing(Set($0.tokens), by: settings.removal)) } : []
        onlySlots = metrics.contains(.sufficiency)
            ? rationales.map { inputs.add(content.keeping(Set($0.tokens), by: settings.removal)) } : []
        if metrics.contains(.deletionCurve) {
            let order = TokenOrder.descending(scores)
            curveSlots = (0...content.count).map { k in inputs.add(content.removing(Set(order.prefix(k)), by: settings.removal)) }
        } else {
            curveSlots = nil
        }
    }

    func result(probabilities p: [Double], full: Double, leaveOneOut: [Double]?, content: TokenContent,
                metrics: Set<ComparisonMetric>) -> MethodFaithfulness {
        let drops = { (slots: [Int]) in slots.map { full - p[$0] } }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
        let steps = rationales.indices.map { r in
            RationaleStep(threshold: rationales[r].threshold, k: rationales[r].k,
                          tokens: rationales[r].tokens.map { content.positions[$0] },
                          withoutProbability: withoutSlots.isEmpty ? nil : p[withoutSlots[r]],
                          onlyProbability: onlySlots.isEmpty ? nil : p[onlySlots[r]])
        }
        return MethodFaithfulness(
            method: method,
            comprehensiveness: metrics.contains(.comprehensiveness) ? (rationales.isEmpty ? 0 : mean(drops(withoutSlots))) : nil,
            sufficiency: metrics.contains(.sufficiency) ? (rationales.isEmpty ? 1 : mean(drops(onlySlots))) : nil,
            rationales: steps,
            taucorrLoo: leaveOneOut.flatMap { RankCorrelation.kendallTauB($0, scores) },
            deletionCurve: curveSlots.map { DeletionCurve(probabilities: $0.map { p[$0] }) })
    }
}
