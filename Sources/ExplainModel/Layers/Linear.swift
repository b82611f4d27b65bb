/// A dense layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored (out × in), as HuggingFace saves it.
///
/// At load W is reordered into oneDNN's blocked layouts, one copy for each direction of the pass (measured:
/// the backward's dy·W on its own packed copy runs 1.8× faster than on the forward's), and the original's
/// mapped pages are released: the packed copies replace it in memory.
struct Linear: Sendable {
    let inputSize: Int
    let outputSize: Int
    private let forwardProduct: PackedProduct    // x · Wᵀ + b
    private let backwardProduct: PackedProduct   // dx + dy · W

    init(weight: Weights, bias: [Float], inputSize: Int, outputSize: Int) throws {
        precondition(weight.count == inputSize * outputSize && bias.count == outputSize)
        self.inputSize = inputSize
        self.outputSize = outputSize
        let parts = Parallel.workerCount
        forwardProduct = try PackedProduct(depth: inputSize, columns: outputSize, b: weight.pointer, rowStride: 1, columnStride: inputSize,
                                           bias: bias, accumulates: false, parts: parts)
        backwardProduct = try PackedProduct(depth: outputSize, columns: inputSize, b: weight.pointer, rowStride: inputSize, columnStride: 1,
                                            bias: nil, accumulates: true, parts: parts)
        weight.releasePages(0..<weight.count)
    }

    /// Linears with the same input stacked into one (rows [W₁; W₂; …]), so Q, K and V come out of a single
    /// product.
    init(stacking parts: [(weight: Weights, bias: [Float])], inputSize: Int) throws {
        try self.init(weight: .concatenating(parts.map(\.weight)), bias: parts.flatMap(\.bias), inputSize: inputSize,
                      outputSize: parts.reduce(0) { $0 + $1.weight.count } / inputSize)
    }

    /// The oneDNN implementation that runs a sentence-sized forward product, for the benchmark.
    var implementation: String { forwardProduct.implementation }

    /// y (rows × out) = x (rows × in) · Wᵀ + b.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        forwardProduct.multiply(rows: rows, a: x, lda: inputSize, c: y, ldc: outputSize)
    }

    /// dx (rows × in) += dy (rows × out) · W. Input gradient only: explanations need no weight gradients.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        backwardProduct.multiply(rows: rows, a: dy, lda: outputSize, c: dx, ldc: inputSize)
    }
}
