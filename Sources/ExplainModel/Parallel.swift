import Foundation

/// Splits the element-wise and row-wise work between BLAS calls (GELU, layer norm, softmax) across the
/// cores, as OpenBLAS does for the products. Small jobs stay on the calling thread.
enum Parallel {
    nonisolated(unsafe) static var workerCount = ProcessInfo.processInfo.activeProcessorCount

    /// Calls `body` on disjoint ranges covering 0..<count, concurrently when each part gets at least
    /// `minimumPerWorker` items.
    static func forRanges(_ count: Int, minimumPerWorker: Int, _ body: (Range<Int>) -> Void) {
        let workers = min(workerCount, count / max(1, minimumPerWorker))
        guard workers > 1 else {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            body(count * w / workers..<count * (w + 1) / workers)
        }
    }
}
