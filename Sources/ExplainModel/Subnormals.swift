import CBLAS

/// Subnormal floats (magnitudes below 1.2e-38) read as zero and never produced, on the calling thread.
///
/// A deep or random network's gradients and attention weights underflow into them, and every product
/// touching one then takes the processor's slow path: a 1,024-token pass over a ModernBERT-base whose 21 of
/// 22 layers are sliding-window took 36.7 s with them and 6.8 s without, one thread, 80% of it inside
/// oneDNN's kernels. Flushing changes a value only where it is below 1.2e-38, far under every tolerance
/// we hold to PyTorch.
///
/// A pass flushes on the caller's thread and gives the caller its own setting back when it returns: the
/// caller's other arithmetic (and Swift's Float16 → Float conversion, which reads a half's subnormals as
/// zero under the flag) must not change because a pass ran on its thread. The worker pool's threads are
/// ours and flush for good.
enum Subnormals {
    /// Flushes on this thread; the value to hand to `restore` when the pass is done.
    static func flushToZero() -> UInt32 { explaind_flush_subnormals() }

    static func restore(_ previous: UInt32) { explaind_restore_float_control(previous) }
}
