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

    /// dx (rows × in) += dy (rows × out) · W. The input gradient; explanations need nothing else.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        BLAS.gemm(m: rows, n: inputSize, k: outputSize,
                  a: dy, lda: outputSize, b: weight.pointer, ldb: inputSize, beta: 1, c: dx, ldc: inputSize)
    }

    /// dW (out × in) += dyᵀ · x, db += Σ_rows dy: the weight gradients training needs, from the same dy as
    /// the input gradient and the forward's input x (rows × in).
    func accumulateWeightGradient(_ gradient: WeightGradient, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, rows: Int) {
        BLAS.gemm(transposeA: true, m: outputSize, n: inputSize, k: rows, a: dy, lda: outputSize, b: x, ldb: inputSize,
                  beta: 1, c: gradient.weight.pointer, ldc: inputSize)
        let db = gradient.bias.pointer
        for r in 0..<rows { for o in 0..<outputSize { db[o] += dy[r * outputSize + o] } }
    }
}
