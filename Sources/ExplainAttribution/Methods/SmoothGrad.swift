import Foundation
import ExplainModel

/// SmoothGrad (Smilkov et al. 2017): the mean, over noisy copies of the input embeddings, of each token's
/// gradient L2 norm. Noise is Gaussian with stdev = noise × (max − min) of the sequence's embedding values;
/// a seed makes it repeatable, and noise 0 gives exactly gradientNorm.
enum SmoothGrad: AttributionMethod {
    static let description = MethodDescription(
        name: "smoothGrad", signed: false,
        summary: "mean gradient norm over noisy copies of the input embeddings (Smilkov et al. 2017)",
        options: [
            .integer("samples", 20, 1...1000, "noisy copies"),
            .number("noise", 0.15, 0...10, "noise stdev as a fraction of the embedding values' range"),
            .seed(of: "the noise"),
            .batchSize(of: "noisy copies"),
        ])

    static func attribute(_ context: AttributionContext) throws -> MethodResult {
        let samples = context.options.integer("samples"), noise = context.options.number("noise")
        let h = context.embeddingSize
        // Each text's noise stream, drawn in order as its copies are made batch by batch: memory holds one
        // batch of noisy copies and one running mean per text, whatever the texts × samples.
        var generators = (0..<context.sequenceCount).map { s in
            // The noise depends on the seed and the token ids, not on the text's place in a batch.
            let idsHash = context.ids[s].reduce(UInt64(1_469_598_103_934_665_603)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            return GaussianNoise(seed: UInt64(context.options.integer("seed")) &* 1_000_003 &+ idsHash)
        }
        let deviations = context.embeddings.map { input in Float(noise * Double((input.max() ?? 0) - (input.min() ?? 0))) }
        var means = context.ids.map { [Float](repeating: 0, count: $0.count) }
        try context.evaluate(
            count: context.sequenceCount * samples,
            probe: { i in
                let s = i / samples, deviation = deviations[s]
                return Probe(ids: context.ids[s], embeddings: context.embeddings[s].map { $0 + deviation * generators[s].next() }, owner: s)
            },
            batchSize: context.options.integer("batchSize"), gradients: true, message: "smoothGrad: \(samples) samples"
        ) { i, _, gradient in
            let s = i / samples
            let norms = Rows.norms(gradient, width: h)
            for t in means[s].indices { means[s][t] += norms[t] / Float(samples) }
        }
        return MethodResult(scores: means)
    }
}

/// Standard normal draws from a SplitMix64 stream by the Box–Muller transform: the same seed gives the same
/// noise on every machine.
struct GaussianNoise {
    private var bits: SplitMix64
    private var spare: Float?

    init(seed: UInt64) { bits = SplitMix64(state: seed) }

    private mutating func uniform() -> Double {
        (Double(bits.next() >> 11) + 0.5) / Double(1 << 53)   // in (0, 1), never 0
    }

    mutating func next() -> Float {
        if let spare { self.spare = nil; return spare }
        let radius = (-2 * log(uniform())).squareRoot(), angle = 2 * Double.pi * uniform()
        spare = Float(radius * sin(angle))
        return Float(radius * cos(angle))
    }
}
