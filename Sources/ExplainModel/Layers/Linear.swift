/// A dense layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored (out × in), as HuggingFace saves it.
struct Linear: Sendable {
    let weight: Weights   // (out, in)
    let bias: [Float]     // (out)
    let inputSize: Int
    let outputSize: Int

    /// y (rows × out) = x (rows × in) · Wᵀ + b.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(transposeB: true, m: rows, n: outputSize, k: inputSize,
                      a: x, lda: inputSize, b: w.baseAddress!, ldb: inputSize, c: y, ldc: outputSize)
        }
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows {
                let row = y + r * outputSize
                for j in 0..<outputSize { row[j] += b[j] }
            }
        }
    }

    /// dx (rows × in) += dy (rows × out) · W. Input gradient only: explanations need no weight gradients.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        weight.withUnsafeBufferPointer { w in
            BLAS.gemm(m: rows, n: inputSize, k: outputSize,
                      a: dy, lda: outputSize, b: w.baseAddress!, ldb: inputSize, beta: 1, c: dx, ldc: inputSize)
        }
    }
}
