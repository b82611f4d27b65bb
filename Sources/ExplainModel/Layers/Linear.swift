/// A dense layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored (out × in), as HuggingFace saves it.
struct Linear: Sendable {
    let weight: Weights   // (out, in)
    let bias: [Float]     // (out)
    let inputSize: Int
    let outputSize: Int

    /// y (rows × out) = x (rows × in) · Wᵀ + b. The bias is copied into y first and the product added to
    /// it: with beta = 0 OpenBLAS would clear y in a pass of its own.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        bias.withUnsafeBufferPointer { b in
            for r in 0..<rows { (y + r * outputSize).update(from: b.baseAddress!, count: outputSize) }
        }
        BLAS.gemm(transposeB: true, m: rows, n: outputSize, k: inputSize,
                  a: x, lda: inputSize, b: weight.pointer, ldb: inputSize, beta: 1, c: y, ldc: outputSize)
    }

    /// dx (rows × in) += dy (rows × out) · W. Input gradient only: explanations need no weight gradients.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        BLAS.gemm(m: rows, n: inputSize, k: outputSize,
                  a: dy, lda: outputSize, b: weight.pointer, ldb: inputSize, beta: 1, c: dx, ldc: inputSize)
    }
}
