/// A dense layer as PyTorch's nn.Linear: y = x·Wᵀ + b with W stored (out × in), as HuggingFace saves it.
///
/// At load W is reordered once into oneDNN's blocked layout (`PackedProduct`) and the original's mapped pages
/// are released: the packed copy replaces it in memory. That copy serves both directions of the pass; a layer
/// may also get a second copy packed for the input gradient (`packInputGradient`, given while the model's
/// memory budget allows it), on which dy·W runs as fast as the forward instead of at about two thirds.
struct Linear: Sendable {
    let inputSize: Int
    let outputSize: Int
    private let product: PackedProduct                 // B = Wᵀ (in × out)
    private let inputGradientProduct: PackedProduct?   // B = W (out × in), accumulating
    private let biasTerm: [Float]?

    /// `bias` nil: no bias term (ModernBERT's layers when its config says so, DeBERTa's embed_proj).
    init(weight: Weights, bias: [Float]?, inputSize: Int, outputSize: Int, packInputGradient: Bool = false) throws {
        precondition(weight.count == inputSize * outputSize)
        try self.init(rows: 0..<outputSize, of: weight, bias: bias, inputSize: inputSize, packInputGradient: packInputGradient)
    }

    /// Rows `rows` of a (· × in) weight as a layer of its own (ModernBERT's Wi: its input and gate halves,
    /// so each comes out of its own product contiguous).
    init(rows: Range<Int>, of weight: Weights, bias: [Float]?, inputSize: Int, packInputGradient: Bool = false) throws {
        precondition(rows.upperBound * inputSize <= weight.count && (bias?.count ?? rows.count) == rows.count)
        self.inputSize = inputSize
        outputSize = rows.count
        biasTerm = bias
        let elements = rows.lowerBound * inputSize..<rows.upperBound * inputSize
        let w = weight.pointer + elements.lowerBound
        product = try PackedProduct(depth: inputSize, columns: outputSize, b: w, rowStride: 1, columnStride: inputSize, bias: bias,
                                    parts: Parallel.workerCount)
        inputGradientProduct = packInputGradient
            ? try PackedProduct(depth: outputSize, columns: inputSize, b: w, rowStride: inputSize, columnStride: 1, bias: nil,
                                parts: Parallel.workerCount)
            : nil
        try product.preparePrimitives(transposed: inputGradientProduct == nil)
        try inputGradientProduct?.preparePrimitives(transposed: false)
        weight.releasePages(elements)
    }

    /// Bytes a second copy for the input gradient takes (what `packInputGradient` asks of the budget).
    static func inputGradientCopyBytes(inputSize: Int, outputSize: Int) -> Int { inputSize * outputSize * MemoryLayout<Float>.size }

    var hasInputGradientCopy: Bool { inputGradientProduct != nil }

    /// Linears with the same input stacked into one (rows [W₁; W₂; …]), so Q, K and V come out of a single
    /// product.
    init(stacking parts: [(weight: Weights, bias: [Float])], inputSize: Int, packInputGradient: Bool = false) throws {
        try self.init(weight: .concatenating(parts.map(\.weight)), bias: parts.flatMap(\.bias), inputSize: inputSize,
                      outputSize: parts.reduce(0) { $0 + $1.weight.count } / inputSize, packInputGradient: packInputGradient)
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
    func implementations() throws -> (forward: String, backward: String) {
        let backward = try inputGradientProduct.map { "matmul \(try $0.implementation(transposed: false)) on its own copy" }
            ?? "inner product \(try product.implementation(transposed: true)) on the shared copy"
        return (try product.implementation(transposed: false), backward)
    }

    /// y (rows × out) = x (rows × in) · Wᵀ + b.
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        product.multiply(rows: rows, a: x, lda: inputSize, c: y, ldc: outputSize)
    }

    /// dx (rows × in) += dy (rows × out) · W. The input gradient; explanations need nothing else.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        BLAS.count(multiplyAdds: rows * inputSize * outputSize)
        if let inputGradientProduct {
            inputGradientProduct.multiply(rows: rows, a: dy, lda: outputSize, c: dx, ldc: inputSize, accumulate: true)
        } else {
            product.multiplyTransposed(rows: rows, a: dy, lda: outputSize, c: dx, ldc: inputSize)
        }
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
