import Foundation

/// BertForSequenceClassification's head as trainable parameters: the pooler (dense + tanh on the last
/// hidden state of [CLS], transformers' BertPooler) and the classifier (dense to the labels). Forward and
/// backward sit side by side; the backward gives the weight gradients that training needs. Dropout before
/// the classifier is left out: training is deterministic and inference never applies it.
struct PoolerClassifierHead: Equatable {
    let hiddenSize: Int
    let labelCount: Int
    var poolerWeight: [Float]       // (H, H), out × in as nn.Linear stores it
    var poolerBias: [Float]         // (H)
    var classifierWeight: [Float]   // (C, H)
    var classifierBias: [Float]     // (C)

    struct Gradients {
        var poolerWeight: [Float], poolerBias: [Float], classifierWeight: [Float], classifierBias: [Float]
    }

    /// What the backward needs from the forward.
    struct Activations {
        let batch: Int
        let input: [Float]     // (B, H) the [CLS] states
        let pooled: [Float]    // (B, H) tanh(input · Wpᵀ + bp)
        let logits: [Float]    // (B, C) pooled · Wcᵀ + bc
    }

    init(hiddenSize: Int, labelCount: Int, poolerWeight: [Float], poolerBias: [Float],
         classifierWeight: [Float], classifierBias: [Float]) {
        precondition(poolerWeight.count == hiddenSize * hiddenSize && poolerBias.count == hiddenSize, "pooler is not H × H")
        precondition(classifierWeight.count == labelCount * hiddenSize && classifierBias.count == labelCount, "classifier is not C × H")
        self.hiddenSize = hiddenSize
        self.labelCount = labelCount
        self.poolerWeight = poolerWeight
        self.poolerBias = poolerBias
        self.classifierWeight = classifierWeight
        self.classifierBias = classifierBias
    }

    func forward(_ input: [Float], batch: Int) -> Activations {
        let h = hiddenSize, c = labelCount
        precondition(input.count == batch * h, "input is not B × H")
        var pooled = Self.linear(input, rows: batch, weight: poolerWeight, bias: poolerBias, outputs: h, inputs: h)
        for i in pooled.indices { pooled[i] = tanhf(pooled[i]) }
        let logits = Self.linear(pooled, rows: batch, weight: classifierWeight, bias: classifierBias, outputs: c, inputs: h)
        return Activations(batch: batch, input: input, pooled: pooled, logits: logits)
    }

    /// The weight gradients of a scalar objective from its gradient with respect to the logits (B × C).
    func backward(_ activations: Activations, dLogits: [Float]) -> Gradients {
        let h = hiddenSize, c = labelCount, batch = activations.batch
        precondition(dLogits.count == batch * c, "dLogits is not B × C")
        let (dClassifierWeight, dClassifierBias) = Self.linearWeightGradients(dy: dLogits, x: activations.pooled, rows: batch, outputs: c, inputs: h)
        // d(pooled) = dLogits · Wc, then through tanh: d(pre) = d(pooled) · (1 − pooled²).
        var dPre = Self.product(m: batch, n: h, k: c, dLogits, lda: c, classifierWeight, ldb: h)
        for i in dPre.indices { dPre[i] *= 1 - activations.pooled[i] * activations.pooled[i] }
        let (dPoolerWeight, dPoolerBias) = Self.linearWeightGradients(dy: dPre, x: activations.input, rows: batch, outputs: h, inputs: h)
        return Gradients(poolerWeight: dPoolerWeight, poolerBias: dPoolerBias,
                         classifierWeight: dClassifierWeight, classifierBias: dClassifierBias)
    }

    /// One AdamW step over the four tensors; weights decay, biases do not.
    mutating func apply(_ gradients: Gradients, optimizer: inout AdamW) {
        optimizer.beginStep()
        optimizer.update(&poolerWeight, gradient: gradients.poolerWeight, slot: 0, decay: true)
        optimizer.update(&poolerBias, gradient: gradients.poolerBias, slot: 1, decay: false)
        optimizer.update(&classifierWeight, gradient: gradients.classifierWeight, slot: 2, decay: true)
        optimizer.update(&classifierBias, gradient: gradients.classifierBias, slot: 3, decay: false)
    }

    /// y (rows × out) = x · Wᵀ + b, nn.Linear.
    static func linear(_ x: [Float], rows: Int, weight: [Float], bias: [Float], outputs: Int, inputs: Int) -> [Float] {
        var y = product(transposeB: true, m: rows, n: outputs, k: inputs, x, lda: inputs, weight, ldb: inputs)
        for r in 0..<rows { for j in 0..<outputs { y[r * outputs + j] += bias[j] } }
        return y
    }

    /// dW (out × in) = dyᵀ · x and db (out) = Σ_rows dy, the weight gradients of y = x · Wᵀ + b.
    static func linearWeightGradients(dy: [Float], x: [Float], rows: Int, outputs: Int, inputs: Int) -> (weight: [Float], bias: [Float]) {
        let dWeight = product(transposeA: true, m: outputs, n: inputs, k: rows, dy, lda: outputs, x, ldb: inputs)
        var dBias = [Float](repeating: 0, count: outputs)
        for r in 0..<rows { for j in 0..<outputs { dBias[j] += dy[r * outputs + j] } }
        return (dWeight, dBias)
    }

    /// c (m × n) = op(a) · op(b), on arrays: MatrixProduct.gemm's pointers kept here.
    static func product(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
                        _ a: [Float], lda: Int, _ b: [Float], ldb: Int) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    MatrixProduct.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                       a: a.baseAddress!, lda: lda, b: b.baseAddress!, ldb: ldb, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return c
    }
}
