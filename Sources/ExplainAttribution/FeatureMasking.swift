import ExplainModel
import ExplainTokenizer

/// What stands in for a removed token in the perturbation methods (occlusion, LIME, Kernel SHAP): a
/// tokenizer's mask, unk or pad token, or nothing (the token is deleted).
enum Replacement {
    /// The id for `kind`, nil for "delete"; a token the tokenizer lacks is an error naming `field`.
    static func id(_ kind: String, tokenizer: Tokenizer, field: String) throws -> Int? {
        let id: Int?
        switch kind {
        case "delete": return nil
        case "mask": id = tokenizer.maskID
        case "unk": id = tokenizer.unkID
        case "pad": id = tokenizer.padID
        default: throw AttributionError.invalidOption(name: field, reason: "unknown replacement \"\(kind)\"")
        }
        guard let id else { throw AttributionError.invalidOption(name: field, reason: "this model's tokenizer has no \(kind) token") }
        return id
    }
}

/// One text as LIME and Kernel SHAP see it: d features (each a group of token positions — a token, or a
/// word's tokens), and the text with any subset of them absent. Special tokens are never features and
/// always stay.
struct FeatureMasking {
    let ids: [Int]
    let features: [[Int]]
    /// The id that replaces an absent feature's tokens; nil deletes them.
    let replacement: Int?

    var count: Int { features.count }

    /// The non-special tokens one by one, or the words (each its tokens).
    init(context: AttributionContext, sequence s: Int, words: Bool, replacement: Int?) {
        ids = context.ids[s]
        self.replacement = replacement
        if words && s < context.words.count {
            features = context.words[s].filter { !$0.isEmpty }
        } else {
            features = context.special[s].indices.filter { !context.special[s][$0] }.map { [$0] }
        }
    }

    /// The ids with the features where `present` is false replaced or deleted.
    func ids(present: [Bool]) -> [Int] {
        var absent = [Bool](repeating: false, count: ids.count)
        for (feature, isPresent) in zip(features, present) where !isPresent { for t in feature { absent[t] = true } }
        if let replacement { return ids.indices.map { absent[$0] ? replacement : ids[$0] } }
        return ids.indices.filter { !absent[$0] }.map { ids[$0] }
    }

    /// Token scores from feature scores: a feature's score shared equally by its tokens, so a word's
    /// tokens add up to the word's score; special tokens 0.
    func tokenScores(_ featureScores: [Double]) -> [Float] {
        var scores = [Float](repeating: 0, count: ids.count)
        for (feature, score) in zip(features, featureScores) {
            for t in feature { scores[t] = Float(score / Double(feature.count)) }
        }
        return scores
    }
}

/// Uniform draws from a SplitMix64 stream, the same on every machine for a seed.
struct UniformDraws {
    private var bits: SplitMix64

    /// The stream depends on the seed and the token ids, not on the text's place in a batch.
    init(seed: Int, ids: [Int]) {
        let idsHash = ids.reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64(truncatingIfNeeded: $1)) &* 1_099_511_628_211 }
        bits = SplitMix64(state: UInt64(seed) &* 1_000_003 &+ idsHash)
    }

    /// In [0, 1).
    mutating func unit() -> Double { Double(bits.next() >> 11) / Double(1 << 53) }

    /// In 0..<n.
    mutating func index(_ n: Int) -> Int { min(n - 1, Int(unit() * Double(n))) }

    /// k distinct indices of 0..<n, uniformly (a partial Fisher–Yates shuffle).
    mutating func subset(_ k: Int, of n: Int) -> [Int] {
        var pool = Array(0..<n)
        for i in 0..<k { pool.swapAt(i, i + index(n - i)) }
        return Array(pool[0..<k])
    }
}

/// Dense symmetric solves in Double for the regressions of LIME and Kernel SHAP.
enum LinearSolve {
    /// x with A x = b for a symmetric positive semi-definite A (n × n, row-major), by Cholesky. A singular
    /// A (fewer samples than features) gets the smallest diagonal ridge that makes it definite, so the
    /// answer is the least-squares solution's regularised limit rather than a failure.
    static func symmetric(_ a: [Double], _ b: [Double], n: Int) -> [Double] {
        guard n > 0 else { return [] }
        var trace = 0.0
        for i in 0..<n { trace += abs(a[i * n + i]) }
        var jitter = 0.0
        while true {
            if let x = cholesky(a, b, n: n, jitter: jitter) { return x }
            jitter = jitter == 0 ? max(trace, 1) * 1e-12 : jitter * 10
        }
    }

    private static func cholesky(_ a: [Double], _ b: [Double], n: Int, jitter: Double) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j] + (i == j ? jitter : 0)
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 1e-300 * max(1, abs(a[i * n + i])) && sum.isFinite else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = b
        for i in 0..<n {
            for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
            y[i] /= l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            for k in i + 1..<n { y[i] -= l[k * n + i] * y[k] }
            y[i] /= l[i * n + i]
        }
        return y
    }

    /// β minimising Σ_i w_i (y_i − c − x_i·β)² + ridge‖β‖² with a free intercept c (not penalised): the
    /// weighted means are taken out first. Returns (β, c).
    static func weightedRidge(rows x: [[Double]], targets y: [Double], weights w: [Double], ridge: Double) -> ([Double], Double) {
        let d = x.first?.count ?? 0
        let total = w.reduce(0, +)
        guard total > 0 else { return ([Double](repeating: 0, count: d), 0) }
        var meanX = [Double](repeating: 0, count: d), meanY = 0.0
        for (i, row) in x.enumerated() {
            for j in 0..<d { meanX[j] += w[i] * row[j] }
            meanY += w[i] * y[i]
        }
        meanX = meanX.map { $0 / total }
        meanY /= total
        var a = [Double](repeating: 0, count: d * d), b = [Double](repeating: 0, count: d)
        for (i, row) in x.enumerated() {
            let centred = (0..<d).map { row[$0] - meanX[$0] }, r = y[i] - meanY
            for j in 0..<d where centred[j] != 0 {
                let wj = w[i] * centred[j]
                b[j] += wj * r
                for k in 0..<d { a[j * d + k] += wj * centred[k] }
            }
        }
        for j in 0..<d { a[j * d + j] += ridge }
        let beta = symmetric(a, b, n: d)
        return (beta, meanY - zip(beta, meanX).reduce(0) { $0 + $1.0 * $1.1 })
    }
}
