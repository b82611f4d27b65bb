/// How much memory a model may spend on second copies of its dense weights, packed for the input gradient
/// (`Linear`'s `packInputGradient`), and which layers got one.
///
/// The memory target for the gradient methods, integrated gradients' batches included, is 1.25 × the
/// model's F32 weights W + 64 MB of peak RSS. The forward's packed copies replace the file's pages, so the
/// weights count once. The heaviest default run is a batched one (integrated gradients, SmoothGrad): each
/// core runs passes of up to `ClassifierModel.passTokenLimit` tokens, and a pass keeps per token
/// and layer what its backward needs (`cachedFloatsPerToken`). What else a process holds — the runtime's
/// and oneDNN's code, the prepared primitives, the tokenizer, a method's own buffers and the allocator's
/// slack — measured 22–28 MB on MiniLM (`runtimeBytes` keeps a margin over it). The copies get what is
/// left, granted in load order to each matrix that still fits.
///
/// Measured (2 threads, passes of 128 tokens, 50-step integrated gradients): MiniLM with all 26 copies (40.5 MB)
/// peaked at 170–174 MB against its target of 172; its allowance, 33 MB, grants 22 of them (32 MB) and peaks
/// at 164–167 MB. BERT-base's, 53 MB, grants 9 of its 50 dense layers (51 MB) and peaks at 565 of 611 MB.
/// On AVX-512 a copy makes dy·W run at the forward's speed instead of about two thirds of it (harness: 51
/// against 32 GFLOP/s on one core, 16 rows, MiniLM's shapes); on an AMD AVX2 host the difference was lost in
/// the noise (the benchmark README's 21:35 runs).
public final class InputGradientBudget {
    private(set) var remainingBytes: Int
    private(set) var tally = Tally()

    /// Which dense layers have a copy of their own, for reports.
    public struct Tally: Sendable, Equatable {
        public internal(set) var copied = 0, shared = 0, copiedBytes = 0
    }

    static let runtimeBytes = 30 << 20
    /// The keys a short sentence's attention rows hold (the probabilities' share of a cached token).
    static let sentenceKeys = 32

    init(bytes: Int) { remainingBytes = max(0, bytes) }

    /// The allowance for `config`'s model with `weightValues` parameters when `passes` threads each run
    /// passes of `tokensPerPass` tokens.
    convenience init(config: ModelConfig, weightValues: Int, passes: Int, tokensPerPass: Int) {
        let weights = weightValues * MemoryLayout<Float>.size
        let target = weights * 5 / 4 + 64 << 20
        let activations = passes * tokensPerPass * Self.cachedFloatsPerToken(config) * MemoryLayout<Float>.size
        self.init(bytes: target - weights - activations - Self.runtimeBytes)
    }

    /// Floats a pass keeps for its backward per token, over all layers: Q, K and V; the two layer norms'
    /// normalised rows; the feed-forward's pre-activation (ModernBERT's gated one also its activation and
    /// gate); a short sentence's attention probabilities.
    static func cachedFloatsPerToken(_ config: ModelConfig) -> Int {
        let feedForward = config.modernBert == nil ? 1 : 3
        let perLayer = 5 * config.hiddenSize + feedForward * config.intermediateSize + 2 + config.headCount * sentenceKeys
        return config.layerCount * perLayer
    }

    /// True (and the bytes taken) when a copy of this size still fits.
    func grant(bytes: Int) -> Bool {
        guard bytes <= remainingBytes else {
            tally.shared += 1
            return false
        }
        remainingBytes -= bytes
        tally.copied += 1
        tally.copiedBytes += bytes
        return true
    }
}
