/// A dense layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored (out × in), as HuggingFace saves it.
///
/// At load W is reordered once into oneDNN's blocked layout (`PackedProduct`), which serves both directions
/// of the pass, and the original's mapped pages are released: the packed copy replaces it in memory.
struct Linear: Sendable {
    let inputSize: Int
    let outputSize: Int
    private let product: PackedProduct   // B = Wᵀ (in × out)
    private let biasTerm: [Float]?

    /// `bias` nil: no bias term (ModernBERT's layers when its config says so, DeBERTa's embed_proj).
    init(weight: Weights, bias: [Float]?, inputSize: Int, outputSize: Int) throws {
        precondition(weight.count == inputSize * outputSize)
        try self.init(rows: 0..<outputSize, of: weight, bias: bias, inputSize: inputSize)
    }

    /// Rows `rows` of a (· × in) weight as a layer of its own (ModernBERT's Wi: its input and gate halves,
    /// so each comes out of its own product contiguous).
    init(rows: Range<Int>, of weight: Weights, bias: [Float]?, inputSize: Int) throws {
        precondition(rows.upperBound * inputSize <= weight.count && (bias?.count ?? rows.count) == rows.count)
        self.inputSize = inputSize
        outputSize = rows.count
        biasTerm = bias
        let elements = rows.lowerBound * inputSize..<rows.upperBound * inputSize
        product = try PackedProduct(depth: inputSize, columns: outputSize, b: weight.pointer + elements.lowerBound, rowStride: 1,
                                    columnStride: inputSize, bias: bias, parts: Parallel.workerCount)
        weight.releasePages(elements)
    }

    /// Linears with the same input stacked into one (rows [W₁; W₂; …]), so Q, K and V come out of a single
    /// product.
    init(stacking parts: [(weight: Weights, bias: [Float])], inputSize: Int) throws {
        try self.init(weight: .concatenating(parts.map(\.weight)), bias: parts.flatMap(\.bias), inputSize: inputSize,
                      outputSize: parts.reduce(0) { $0 + $1.weight.count } / inputSize)
    }

    /// W (out × in) read back from the packed copy, for training (which updates it); passes never read it.
    var weight: Weights {
        var values = [Float](repeating: 0, count: outputSize * inputSize)
        // A failure here is a broken oneDNN install, as for a primitive made on first use.
        do { try values.withUnsafeMutableBufferPointer { try product.unpack(into: $0.baseAddress!, rowStride: 1, columnStride: inputSize) } }
        catch { fatalError("\(error)") }
        return Weights(values)
    }

    /// b, zeros for a layer without a bias term.
    var bias: [Float] { biasTerm ?? [Float](repeating: 0, count: outputSize) }
    var hasBias: Bool { biasTerm != nil }

    /// The oneDNN implementations that run a sentence-sized product, forward and backward, for the benchmark.
    func implementations() throws -> (forward: String, transposed: String) { try product.implementations() }

    /// y (rows × out) = x (rows × in) · Wᵀ + b.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        product.multiply(rows: rows, a: x, lda: inputSize, c: y, ldc: outputSize)
    }

    /// dx (rows × in) += dy (rows × out) · W. The input gradient; explanations need nothing else.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        product.multiplyTransposed(rows: rows, a: dy, lda: outputSize, c: dx, ldc: inputSize)
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
