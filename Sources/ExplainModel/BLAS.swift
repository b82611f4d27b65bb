import CBLAS
import Synchronization

/// Row-major single-precision matrix products through OpenBLAS. Every matrix product of the model goes
/// through here.
///
/// OpenBLAS itself runs on one thread; large products are split here by columns of C (or rows, when C is
/// narrow) across the worker pool, so the products and the element-wise work share one set of threads.
/// Splitting by columns also splits the weight packing OpenBLAS does on every call.
enum BLAS {
    /// Products below this many multiply-adds stay on the calling thread (about 10 µs of work).
    static let splitThreshold = 1 << 19

    /// C (m×n) = alpha · op(A) · op(B) + beta · C, all row-major with the given leading dimensions.
    static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                     alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if m == 0 || n == 0 { return }
        count(multiplyAdds: m * n * k)
        _ = singleThreadedLibrary
        let workers = Parallel.workerCount
        guard workers > 1, m * n * k >= splitThreshold else {
            sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
            return
        }
        if n >= 64 * workers {
            // Column blocks of C: op(B)'s columns are B's rows when transposed.
            let parts = workers, block = (n + parts - 1) / parts
            let aligned = (block + 15) / 16 * 16
            Parallel.forRanges(parts, minimumPerWorker: 1) { range in
                for part in range {
                    let n0 = part * aligned, n1 = min(n, n0 + aligned)
                    if n0 >= n1 { continue }
                    sgemm(transposeA, transposeB, m, n1 - n0, k, alpha, a, lda,
                          b + (transposeB ? n0 * ldb : n0), ldb, beta, c + n0, ldc)
                }
            }
        } else if m >= 8 * workers {
            // Row blocks of C: op(A)'s rows are A's columns when transposed.
            Parallel.forRanges(m, minimumPerWorker: m / workers) { rows in
                sgemm(transposeA, transposeB, rows.count, n, k, alpha, a + (transposeA ? rows.lowerBound : rows.lowerBound * lda),
                      lda, b, ldb, beta, c + rows.lowerBound * ldc, ldc)
            }
        } else {
            sgemm(transposeA, transposeB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
    }

    @inline(__always)
    private static func sgemm(_ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
                              _ a: UnsafePointer<Float>, _ lda: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                              _ beta: Float, _ c: UnsafeMutablePointer<Float>, _ ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Multiply-adds of every product `body` makes (on any thread): tests hold the benchmark's FLOP
    /// formula to the products the model really makes. Off, the count costs one relaxed load per product.
    static func countingMultiplyAdds(_ body: () throws -> Void) rethrows -> Int {
        counted.store(0, ordering: .relaxed)
        counting.store(true, ordering: .sequentiallyConsistent)
        defer { counting.store(false, ordering: .sequentiallyConsistent) }
        try body()
        return counted.load(ordering: .sequentiallyConsistent)
    }

    /// Counts the products that run outside (oneDNN's, on packed weights).
    @inline(__always)
    static func count(multiplyAdds: Int) {
        if counting.load(ordering: .relaxed) { counted.add(multiplyAdds, ordering: .relaxed) }
    }

    private static let counting = Atomic<Bool>(false)
    private static let counted = Atomic<Int>(0)

    /// OpenBLAS's own threads would compete with the pool's.
    private static let singleThreadedLibrary: Void = openblas_set_num_threads(1)

    /// Threads for the products and the element-wise work (the pool's size).
    static var threadCount: Int {
        get { Parallel.workerCount }
        set {
            _ = singleThreadedLibrary
            Parallel.workerCount = max(1, newValue)
        }
    }
}
