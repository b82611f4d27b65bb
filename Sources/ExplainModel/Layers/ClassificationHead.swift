/// The sequence-classification head on the first token ([CLS], <s>): dense, a non-linearity, output layer.
/// BERT, ALBERT: pooler dense + tanh, then classifier. DistilBERT: pre_classifier + ReLU, then classifier.
/// RoBERTa family: classifier.dense + tanh, then classifier.out_proj. ELECTRA: classifier.dense + GELU
/// (exact, whatever hidden_act says, as ElectraClassificationHead), then classifier.out_proj. DeBERTa-v2:
/// ContextPooler's pooler.dense + pooler_hidden_act (dropout is off at inference), then classifier.
struct ClassificationHead: Sendable {
    /// tanh (BERT's pooler, RoBERTa's head), or an activation (DistilBERT's ReLU, ELECTRA's and DeBERTa's GELU).
    enum Squash: Sendable { case tanh, activation(Activation) }
    let dense: Linear        // (H, H)
    let squash: Squash
    let classifier: Linear   // (C, H)

    init(dense: Linear, squash: Squash, classifier: Linear) {
        self.dense = dense
        self.squash = squash
        self.classifier = classifier
    }

    /// The HuggingFace names of the dense layer and the output layer (the dense one inside the base model
    /// for BERT's and ALBERT's poolers).
    static func tensorNames(_ architecture: Architecture) -> (dense: String, denseInBase: Bool, classifier: String) {
        switch architecture {
        case .bert: return ("pooler.dense", true, "classifier")
        case .albert: return ("pooler", true, "classifier")
        case .distilbert: return ("pre_classifier", false, "classifier")
        case .roberta, .xlmRoberta, .camembert, .electra: return ("classifier.dense", false, "classifier.out_proj")
        case .modernbert: return ("head.dense", false, "classifier")   // ModernBertNetwork's own head
        case .debertaV2: return ("pooler.dense", false, "classifier")     // ContextPooler
        }
    }

    /// The family's head, by its tensor names.
    init(config: ModelConfig, loader: WeightLoader) throws {
        let h = config.hiddenSize, labels = config.labels.count
        let names = Self.tensorNames(config.architecture)
        let squash: Squash
        switch config.architecture {
        case .distilbert: squash = .activation(.relu)
        case .electra: squash = .activation(.geluErf)   // exact, whatever hidden_act says, as ElectraClassificationHead
        case .modernbert: throw ModelError.unsupported(file: "config.json", reason: "ModernBERT's head is part of ModernBertNetwork")
        case .debertaV2:
            switch config.deberta?.poolerActivation ?? .activation(.geluErf) {
            case .tanh: squash = .tanh
            case .activation(let activation): squash = .activation(activation)
            }
        case .bert, .albert, .roberta, .xlmRoberta, .camembert: squash = .tanh
        }
        self.init(dense: try loader.linear(names.dense, outputs: h, inputs: h, inBase: names.denseInBase), squash: squash,
                  classifier: try loader.linear(names.classifier, outputs: labels, inputs: h, inBase: false))
    }

    final class Cache {
        let preActivation: FloatBuffer, activated: FloatBuffer   // (B, H)
        let input: FloatBuffer                                   // (B, H): the first tokens' states, for dW
        init(batch: Int, hidden: Int) {
            input = FloatBuffer(count: batch * hidden, zeroed: false)
            preActivation = FloatBuffer(count: batch * hidden, zeroed: false)
            activated = FloatBuffer(count: batch * hidden, zeroed: false)
        }
    }

    /// logits (B × C) from the first rows of each sequence, given packed (B × H).
    func forward(_ logits: UnsafeMutablePointer<Float>, first: UnsafePointer<Float>, batch: Int, cache: Cache) {
        let count = batch * dense.outputSize
        cache.input.pointer.update(from: first, count: batch * dense.inputSize)
        dense.forward(cache.preActivation.pointer, first, rows: batch)
        switch squash {
        case .tanh: Tanh.forward(cache.activated.pointer, cache.preActivation.pointer, count: count)
        case .activation(let activation): activation.forward(cache.activated.pointer, cache.preActivation.pointer, count: count)
        }
        classifier.forward(logits, cache.activated.pointer, rows: batch)
    }

    /// The weight gradients of both linears.
    struct Gradients {
        let dense: WeightGradient
        let classifier: WeightGradient
        init(_ head: ClassificationHead) {
            dense = WeightGradient(head.dense)
            classifier = WeightGradient(head.classifier)
        }
    }

    /// dFirst (B × H, overwritten) from dLogits (B × C); with `gradients`, also accumulates both linears' dW, db.
    func backward(dFirst: UnsafeMutablePointer<Float>, dLogits: UnsafePointer<Float>, batch: Int, cache: Cache,
                  gradients: Gradients? = nil) {
        let count = batch * dense.outputSize
        let dActivated = FloatBuffer(count: count)
        classifier.backward(dx: dActivated.pointer, dy: dLogits, rows: batch)
        if let gradients { classifier.accumulateWeightGradient(gradients.classifier, dy: dLogits, x: cache.activated.pointer, rows: batch) }
        switch squash {
        case .tanh: Tanh.backward(dx: dActivated.pointer, dy: dActivated.pointer, y: cache.activated.pointer, count: count)
        case .activation(let activation):
            activation.backward(dx: dActivated.pointer, dy: dActivated.pointer, x: cache.preActivation.pointer, count: count)
        }
        dFirst.update(repeating: 0, count: count)
        dense.backward(dx: dFirst, dy: dActivated.pointer, rows: batch)
        if let gradients { dense.accumulateWeightGradient(gradients.dense, dy: dActivated.pointer, x: cache.input.pointer, rows: batch) }
    }
}
