/// How much memory a model may spend on second copies of its dense weights, packed for the input gradient
/// (`Linear`'s `packInputGradient`), and which layers got one.
///
/// The memory target for the gradient methods is 1.25 × the model's F32 weights + 64 MB of peak RSS. The
/// forward's packed copies replace the file's pages, so the weights count once; the second copies may take
/// the other quarter and half of the 64 MB, leaving 32 MB for activations and the runtime. Layers are
/// granted in load order until the allowance runs out: all of MiniLM's (42 MB of 55), five of BERT-base's
/// twelve. A copy makes dy·W run at the forward's speed instead of about two thirds of it (measured:
/// 50 against 32 GFLOP/s on one core, 16 rows, MiniLM's shapes).
public final class InputGradientBudget {
    private(set) var remainingBytes: Int
    private(set) var tally = Tally()

    /// Which dense layers have a copy of their own, for reports.
    public struct Tally: Sendable, Equatable {
        public internal(set) var copied = 0, shared = 0, copiedBytes = 0
    }

    init(bytes: Int) { remainingBytes = max(0, bytes) }

    /// The allowance for a checkpoint of `weightValues` parameters.
    convenience init(weightValues: Int) {
        self.init(bytes: weightValues * MemoryLayout<Float>.size / 4 + 32 << 20)
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
