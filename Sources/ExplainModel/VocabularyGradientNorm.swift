import Foundation

/// ‖E g‖₂ for gradients g with respect to word embeddings, E the word-embedding matrix (V × H): the L2 norm
/// of the gradient with respect to a one-hot encoding of the token, since e = Eᵀx gives ∂f/∂x = E g.
/// With the Gram matrix G = EᵀE (H × H, computed once per model) it is √(gᵀ G g), with no V-sized tensor.
final class WordEmbeddingGram: @unchecked Sendable {
    private let lock = NSLock()
    private var matrix: [Float]?

    /// Rows of E per product: the mapped pages of each block are dropped once summed, so the whole
    /// matrix (47 MB for MiniLM's vocabulary) never sits in memory at once.
    static let blockRows = 2048

    func get(_ words: Weights, vocabulary: Int, hidden: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let matrix { return matrix }
        var gram = [Float](repeating: 0, count: hidden * hidden)
        gram.withUnsafeMutableBufferPointer { g in
            for start in stride(from: 0, to: vocabulary, by: Self.blockRows) {
                let rows = min(Self.blockRows, vocabulary - start)
                BLAS.gemm(transposeA: true, m: hidden, n: hidden, k: rows, a: words.pointer + start * hidden, lda: hidden,
                          b: words.pointer + start * hidden, ldb: hidden, beta: 1, c: g.baseAddress!, ldc: hidden)
                words.releasePages(start * hidden..<(start + rows) * hidden)
            }
        }
        matrix = gram
        return gram
    }
}

extension ClassifierModel {
    /// Per row of `gradient` (rows × H): ‖E g_row‖₂, the vanilla gradient of Simonyan et al. (2014) taken
    /// with respect to the one-hot input as the reference workflow does.
    public func oneHotGradientNorms(_ gradient: [Float]) -> [Float] {
        let h = config.embeddingSize, rows = gradient.count / h
        let gram = gramCache.get(network.wordEmbeddingTable, vocabulary: config.vocabSize, hidden: h)
        var projected = [Float](repeating: 0, count: gradient.count)
        gradient.withUnsafeBufferPointer { g in
            gram.withUnsafeBufferPointer { m in
                projected.withUnsafeMutableBufferPointer { y in
                    BLAS.gemm(m: rows, n: h, k: h, a: g.baseAddress!, lda: h, b: m.baseAddress!, ldb: h, c: y.baseAddress!, ldc: h)
                }
            }
        }
        return (0..<rows).map { r in
            var sum: Double = 0
            for j in 0..<h { sum += Double(gradient[r * h + j]) * Double(projected[r * h + j]) }
            return Float(max(0, sum).squareRoot())
        }
    }
}
