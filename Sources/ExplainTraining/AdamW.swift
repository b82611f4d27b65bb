import Foundation

/// Adam with decoupled weight decay (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", 2019),
/// step for step as PyTorch's torch.optim.AdamW: p ← p − lr·λ·p, then the bias-corrected Adam step
/// p ← p − lr · m̂ / (√v̂ + ε).
struct AdamW {
    var learningRate: Float
    var beta1: Float = 0.9
    var beta2: Float = 0.999
    var epsilon: Float = 1e-8
    var weightDecay: Float = 0.01
    /// Steps taken; the bias corrections use it.
    private(set) var step = 0
    private var firstMoments: [Int: [Float]] = [:]
    private var secondMoments: [Int: [Float]] = [:]

    init(learningRate: Float, weightDecay: Float = 0.01) {
        self.learningRate = learningRate
        self.weightDecay = weightDecay
    }

    /// Starts an optimizer step: every tensor updated until the next call shares its bias correction.
    mutating func beginStep() { step += 1 }

    /// Updates one parameter tensor, identified by `slot`, from its gradient. Biases are usually updated
    /// with `decay: false`, as the HuggingFace Trainer leaves them out of weight decay.
    mutating func update(_ parameters: inout [Float], gradient: [Float], slot: Int, decay: Bool) {
        precondition(step > 0, "beginStep() before update")
        precondition(parameters.count == gradient.count, "gradient and parameters differ in size")
        var m = firstMoments[slot] ?? [Float](repeating: 0, count: parameters.count)
        var v = secondMoments[slot] ?? [Float](repeating: 0, count: parameters.count)
        let correction1 = 1 - pow(beta1, Float(step))
        let correction2 = 1 - pow(beta2, Float(step))
        let shrink = decay ? 1 - learningRate * weightDecay : 1
        for i in parameters.indices {
            let g = gradient[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            let mHat = m[i] / correction1
            let vHat = v[i] / correction2
            parameters[i] = parameters[i] * shrink - learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
        firstMoments[slot] = m
        secondMoments[slot] = v
    }
}
