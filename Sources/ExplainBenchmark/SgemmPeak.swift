import ExplainJSON
import CBLAS

/// The machine's single-precision matrix-product peak as OpenBLAS reaches it: a large square cblas_sgemm,
/// timed in the same process (and so with the same library, thread count and clock speed) as the benchmark.
/// OpenBLAS runs on its own threads here; the model keeps it single-threaded under its own pool.
public struct SgemmPeak: Sendable {
    public var size: Int
    public var threads: Int
    /// Best and median GFLOP/s over the timed runs (2n³ FLOPs each), after one untimed run.
    public var bestGFLOPS: Double
    public var medianGFLOPS: Double

    public static func measure(size n: Int = 2048, threads: Int, runs: Int = 5) -> SgemmPeak {
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        let count = n * n
        let a = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: count)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<count {
            a[i] = Float(i % 7) * 0.1 - 0.3
            b[i] = Float(i % 5) * 0.1 - 0.2
            c[i] = 0
        }
        func product() {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                        1, a, Int32(n), b, Int32(n), 0, c, Int32(n))
        }
        product()
        let flops = 2 * Double(n) * Double(n) * Double(n)
        let rates = (0..<max(1, runs)).map { _ in flops / Stopwatch.measure(product).seconds / 1e9 }
        return SgemmPeak(size: n, threads: threads, bestGFLOPS: rates.max()!,
                         medianGFLOPS: TimingSummary(rates).median)
    }
}

extension SgemmPeak: JSONRecord {}
