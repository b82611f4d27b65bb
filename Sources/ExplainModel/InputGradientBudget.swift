/// How much memory a model may spend on second copies of its dense weights, packed for the input gradient
/// (`Linear`'s `packInputGradient`), and which layers got one.
///
/// The memory target for the gradient methods, integrated gradients' batches included, is 1.25 × the
/// model's F32 weights W + 64 MB of peak RSS. The forward's packed copies replace the file's pages, so the
/// weights count once. What else the heaviest default run holds was measured without copies: a 64-point
/// integrated-gradients batch over a short sentence adds 0.35–0.37 W of activations (MiniLM: 30 MB on
/// 87; BERT-base: 160 on 438), and the runtime, buffers and prepared primitives about 32 MB. The copies get
/// what is left, 1.25 W + 64 MB − W − 0.4 W − 32 MB = 32 MB − 0.15 W, granted in load order to each matrix
/// that still fits: MiniLM 18 of its 19.9 MB (13 of its 26 dense layers), BERT-base none (its integrated
/// gradients peak at 600 of its 611 MB without them). A copy makes dy·W run at the forward's speed instead of about two thirds of it
/// (harness: 51 against 32 GFLOP/s on one core, 16 rows, MiniLM's shapes).
public final class InputGradientBudget {
    private(set) var remainingBytes: Int
    private(set) var tally = Tally()

    /// Which dense layers have a copy of their own, for reports.
    public struct Tally: Sendable, Equatable {
        public internal(set) var copied = 0, shared = 0, copiedBytes = 0
    }

    init(bytes: Int) { remainingBytes = max(0, bytes) }

    /// The allowance for a checkpoint of `weightValues` parameters: 32 MB − 0.15 × its F32 bytes.
    convenience init(weightValues: Int) {
        self.init(bytes: 32 << 20 - weightValues * MemoryLayout<Float>.size * 15 / 100)
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
