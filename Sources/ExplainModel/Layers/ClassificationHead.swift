/// The sequence-classification head on the first ([CLS]) token: dense, a non-linearity, classifier.
/// BERT: pooler dense + tanh, then classifier. DistilBERT: pre_classifier + ReLU, then classifier.
struct ClassificationHead: Sendable {
    enum Squash: Sendable { case tanh, relu }
    let dense: Linear        // (H, H)
    let squash: Squash
    let classifier: Linear   // (C, H)

    final class Cache {
        let preActivation: FloatBuffer, activated: FloatBuffer   // (B, H)
        init(batch: Int, hidden: Int) {
            preActivation = FloatBuffer(count: batch * hidden, zeroed: false)
            activated = FloatBuffer(count: batch * hidden, zeroed: false)
        }
    }

    /// logits (B × C) from the first rows of each sequence, given packed (B × H).
    func forward(_ logits: UnsafeMutablePointer<Float>, first: UnsafePointer<Float>, batch: Int, cache: Cache) {
        let count = batch * dense.outputSize
        dense.forward(cache.preActivation.pointer, first, rows: batch)
        switch squash {
        case .tanh: Tanh.forward(cache.activated.pointer, cache.preActivation.pointer, count: count)
        case .relu: ReLU.forward(cache.activated.pointer, cache.preActivation.pointer, count: count)
        }
        classifier.forward(logits, cache.activated.pointer, rows: batch)
    }

    /// dFirst (B × H, overwritten) from dLogits (B × C).
    func backward(dFirst: UnsafeMutablePointer<Float>, dLogits: UnsafePointer<Float>, batch: Int, cache: Cache) {
        let count = batch * dense.outputSize
        let dActivated = FloatBuffer(count: count)
        classifier.backward(dx: dActivated.pointer, dy: dLogits, rows: batch)
        switch squash {
        case .tanh: Tanh.backward(dx: dActivated.pointer, dy: dActivated.pointer, y: cache.activated.pointer, count: count)
        case .relu: ReLU.backward(dx: dActivated.pointer, dy: dActivated.pointer, x: cache.preActivation.pointer, count: count)
        }
        dFirst.update(repeating: 0, count: count)
        dense.backward(dx: dFirst, dy: dActivated.pointer, rows: batch)
    }
}
