import Foundation

/// Softmax cross-entropy averaged over the batch, as torch.nn.functional.cross_entropy with its default
/// mean reduction, and its gradient with respect to the logits: (softmax − one-hot) / B.
enum CrossEntropy {
    /// logits (B × C) and each row's class; the loss and dLogits (B × C).
    static func lossAndGradient(logits: [Float], labels: [Int], classCount: Int) -> (loss: Float, dLogits: [Float]) {
        let batch = labels.count
        precondition(logits.count == batch * classCount, "logits are not B × C")
        var dLogits = [Float](repeating: 0, count: logits.count)
        var total: Double = 0
        for b in 0..<batch {
            let row = b * classCount
            // Subtracting the row's maximum keeps exp() finite; log-sum-exp gives the loss directly.
            let top = logits[row..<row + classCount].max()!
            var sum: Double = 0
            for c in 0..<classCount { sum += exp(Double(logits[row + c] - top)) }
            let logSum = Double(top) + log(sum)
            total += logSum - Double(logits[row + labels[b]])
            for c in 0..<classCount {
                let probability = exp(Double(logits[row + c]) - logSum)
                dLogits[row + c] = Float((probability - (c == labels[b] ? 1 : 0)) / Double(batch))
            }
        }
        return (Float(total / Double(max(batch, 1))), dLogits)
    }
}
