import Foundation
import ExplainModel

/// Kernel SHAP (Lundberg & Lee 2017) over the text's non-special tokens: coalitions z (which tokens are
/// kept; the others take the baseline token or are deleted), the objective f(z) on each, and the weighted
/// least squares with the Shapley kernel π(z) = (d−1) / (C(d,|z|)·|z|·(d−|z|)) under the efficiency
/// constraint Σφ = f(x) − f(∅), solved exactly by eliminating the last feature. With d ≤ `exactUpTo` every
/// coalition is enumerated and the φ are the exact Shapley values; above, coalitions come as the `shap`
/// package's KernelExplainer draws them: whole sizes enumerated, small and large first, while the budget
/// covers them, the rest sampled by size with their complements and reweighted to the mass left.
enum KernelShap: AttributionMethod {
    static let description = MethodDescription(
        name: "kernelShap", signed: true,
        summary: "Kernel SHAP: Shapley values of the tokens by weighted least squares over coalitions, exact when every coalition fits (Lundberg & Lee 2017); scores add up to f(x) − f(baseline)",
        options: [
            .integer("samples", 500, 1...100_000, "coalitions evaluated when they are sampled"),
            .choice("baseline", "mask", ["mask", "pad", "unk", "delete"], "what stands in for a token outside the coalition"),
            .integer("exactUpTo", 12, 0...16, "enumerate every coalition (exact Shapley values) up to this many tokens"),
            .seed(of: "the coalition sampling"),
            .batchSize(of: "coalitions"),
        ])

    /// The coalitions of one text and their kernel weights.
    struct Coalitions {
        var masks: [[Bool]] = []
        var weights: [Double] = []
        var exact = false
    }

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let options = context.options
        let baseline = try Replacement.id(options.string("baseline"), tokenizer: context.model.tokenizer, field: "options.baseline")
        let texts = (0..<context.sequenceCount).map { FeatureMasking(context: context, sequence: $0, words: false, replacement: baseline) }
        let plans = texts.map { text -> Coalitions in
            var draws = UniformDraws(seed: options.integer("seed"), ids: text.ids)
            return text.count <= options.integer("exactUpTo")
                ? enumerated(text.count) : sampled(text.count, budget: options.integer("samples"), draws: &draws)
        }
        // Per text: the empty coalition (the baseline), then its coalitions.
        var probes: [(text: Int, mask: [Bool])] = []
        for (s, plan) in plans.enumerated() {
            probes.append((s, [Bool](repeating: false, count: texts[s].count)))
            probes += plan.masks.map { (s, $0) }
        }
        var values = [Double](repeating: 0, count: probes.count)
        try context.evaluate(
            count: probes.count, probe: { Probe(ids: texts[probes[$0].text].ids(present: probes[$0].mask), embeddings: nil, owner: probes[$0].text) },
            batchSize: options.integer("batchSize"), gradients: false, message: "kernelShap: \(probes.count) coalitions"
        ) { i, logits, _ in values[i] = Double(context.objective.value(logits, sequence: probes[i].text)) }

        var scores: [[Float]] = [], extras: [[String: OptionValue]] = []
        var start = 0
        for (s, plan) in plans.enumerated() {
            let empty = values[start], coalitionValues = Array(values[start + 1..<start + 1 + plan.masks.count])
            start += 1 + plan.masks.count
            let full = Double(context.objective.value(context.logits[s], sequence: s))
            let phi = solve(plan, values: coalitionValues, empty: empty, full: full, features: texts[s].count)
            let tokenScores = texts[s].tokenScores(phi)
            let total = tokenScores.reduce(0.0) { $0 + Double($1) }
            scores.append(tokenScores)
            extras.append(["gap": .number(total - (full - empty)), "expectedDelta": .number(full - empty), "baselineValue": .number(empty),
                           "exact": .bool(plan.exact), "evaluations": .number(Double(plan.masks.count + 1))])
        }
        return MethodResult(scores: scores, extras: extras)
    }

    /// Every coalition but the empty and the full one, with its Shapley kernel weight.
    static func enumerated(_ d: Int) -> Coalitions {
        var plan = Coalitions(exact: true)
        guard d >= 2 else { return plan }
        for bits in 1..<(1 << d) - 1 {
            let mask = (0..<d).map { bits & (1 << $0) != 0 }
            let size = bits.nonzeroBitCount
            plan.masks.append(mask)
            plan.weights.append(Double(d - 1) / (binomial(d, size) * Double(size) * Double(d - size)))
        }
        return plan
    }

    /// `shap`'s KernelExplainer sampling (its `explain`: sizes 1…⌈(d−1)/2⌉ paired with d − size).
    static func sampled(_ d: Int, budget: Int, draws: inout UniformDraws) -> Coalitions {
        var plan = Coalitions()
        guard d >= 2 else { return plan }
        let sizeCount = d / 2, pairedCount = (d - 1) / 2   // ⌈(d−1)/2⌉ and ⌊(d−1)/2⌋
        var weightVector = (1...sizeCount).map { Double(d - 1) / (Double($0) * Double(d - $0)) }
        for i in 0..<pairedCount { weightVector[i] *= 2 }
        let weightSum = weightVector.reduce(0, +)
        weightVector = weightVector.map { $0 / weightSum }
        var remaining = weightVector
        var samplesLeft = Double(budget)
        var fullSizes = 0
        for size in 1...sizeCount {
            let paired = size <= pairedCount
            let count = binomial(d, size) * (paired ? 2 : 1)
            guard samplesLeft * remaining[size - 1] / count >= 1 - 1e-8 else { break }
            fullSizes += 1
            samplesLeft -= count
            if remaining[size - 1] < 1 { remaining = remaining.map { $0 / (1 - remaining[size - 1]) } }
            let weight = weightVector[size - 1] / binomial(d, size) / (paired ? 2 : 1)
            forEachSubset(size, of: d) { members in
                var mask = [Bool](repeating: false, count: d)
                for m in members { mask[m] = true }
                plan.masks.append(mask); plan.weights.append(weight)
                if paired { plan.masks.append(mask.map { !$0 }); plan.weights.append(weight) }
            }
        }
        plan.exact = fullSizes == sizeCount
        let fixed = plan.masks.count
        var left = budget - fixed
        guard fullSizes < sizeCount && left > 0 else { return plan }
        var sizeWeights = weightVector
        for i in 0..<pairedCount { sizeWeights[i] /= 2 }   // each draw below adds a coalition and its complement
        sizeWeights = Array(sizeWeights[fullSizes...])
        let sizeTotal = sizeWeights.reduce(0, +)
        let cumulative = sizeWeights.reduce(into: [Double]()) { $0.append(($0.last ?? 0) + $1 / sizeTotal) }
        var seen: [[Bool]: Int] = [:]
        var attempts = 0
        while left > 0 && attempts < 4 * budget {
            attempts += 1
            let u = draws.unit()
            let size = fullSizes + 1 + (cumulative.firstIndex { u < $0 } ?? cumulative.count - 1)
            var mask = [Bool](repeating: false, count: d)
            for m in draws.subset(size, of: d) { mask[m] = true }
            let paired = size <= pairedCount
            let complement = mask.map { !$0 }
            if let index = seen[mask] {
                plan.weights[index] += 1
                if paired && index + 1 < plan.masks.count && plan.masks[index + 1] == complement { plan.weights[index + 1] += 1 }
                continue
            }
            seen[mask] = plan.masks.count
            plan.masks.append(mask); plan.weights.append(1)
            left -= 1
            // The complement follows while the budget lasts, as in shap.
            if paired && left > 0 {
                plan.masks.append(complement); plan.weights.append(1)
                left -= 1
            }
        }
        // The sampled coalitions share the kernel mass of the sizes not enumerated.
        let massLeft = weightVector[fullSizes...].reduce(0, +)
        let sampledTotal = plan.weights[fixed...].reduce(0, +)
        for i in fixed..<plan.weights.count { plan.weights[i] *= massLeft / sampledTotal }
        return plan
    }

    /// min Σ π(z)(f(z) − f(∅) − z·φ)² subject to Σφ = f(x) − f(∅): with φ_d = Δ − Σ_{i<d} φ_i it is the
    /// unconstrained weighted least squares of f(z) − f(∅) − z_d·Δ on (z_i − z_d), i < d.
    static func solve(_ plan: Coalitions, values: [Double], empty: Double, full: Double, features d: Int) -> [Double] {
        let delta = full - empty
        guard d >= 2 else { return d == 1 ? [delta] : [] }
        let n = d - 1
        var a = [Double](repeating: 0, count: n * n), b = [Double](repeating: 0, count: n)
        for (k, mask) in plan.masks.enumerated() {
            let last = mask[n] ? 1.0 : 0.0
            let x = (0..<n).map { (mask[$0] ? 1.0 : 0.0) - last }
            let y = values[k] - empty - last * delta, w = plan.weights[k]
            for i in 0..<n where x[i] != 0 {
                b[i] += w * x[i] * y
                for j in 0..<n where x[j] != 0 { a[i * n + j] += w * x[i] * x[j] }
            }
        }
        let head = LinearSolve.symmetric(a, b, n: n)
        return head + [delta - head.reduce(0, +)]
    }

    static func binomial(_ n: Int, _ k: Int) -> Double {
        (0..<min(k, n - k)).reduce(1.0) { $0 * Double(n - $1) / Double($1 + 1) }
    }

    /// Calls body with every k-subset of 0..<n, in lexicographic order.
    static func forEachSubset(_ k: Int, of n: Int, _ body: ([Int]) -> Void) {
        guard k > 0 && k <= n else { return }
        var members = Array(0..<k)
        while true {
            body(members)
            var i = k - 1
            while i >= 0 && members[i] == n - k + i { i -= 1 }
            if i < 0 { return }
            members[i] += 1
            for j in i + 1..<k { members[j] = members[j - 1] + 1 }
        }
    }
}
