/// The sequence-classification head on the first token ([CLS], <s>): dense, a non-linearity, output layer.
/// BERT, ALBERT: pooler dense + tanh, then classifier. DistilBERT: pre_classifier + ReLU, then classifier.
/// RoBERTa family: classifier.dense + tanh, then classifier.out_proj. ELECTRA: classifier.dense + GELU
/// (exact, whatever hidden_act says, as ElectraClassificationHead), then classifier.out_proj. DeBERTa-v2:
/// ContextPooler's pooler.dense + pooler_hidden_act (dropout is off at inference), then classifier.
struct ClassificationHead: Sendable {
    enum Squash: Sendable { case tanh, relu, gelu, geluTanh }
    let dense: Linear        // (H, H)
    let squash: Squash
    let classifier: Linear   // (C, H)

    init(dense: Linear, squash: Squash, classifier: Linear) {
        self.dense = dense
        self.squash = squash
        self.classifier = classifier
    }

    /// The family's head, by its tensor names.
    init(config: ModelConfig, loader: WeightLoader) throws {
        let h = config.hiddenSize, labels = config.labels.count
        switch config.architecture {
        case .bert, .albert:
            // BertPooler's linear is pooler.dense; AlbertModel's is the pooler itself.
            self.init(dense: try loader.linear(config.architecture == .bert ? "pooler.dense" : "pooler", outputs: h, inputs: h), squash: .tanh,
                      classifier: try loader.linear("classifier", outputs: labels, inputs: h, inBase: false))
        case .distilbert:
            self.init(dense: try loader.linear("pre_classifier", outputs: h, inputs: h, inBase: false), squash: .relu,
                      classifier: try loader.linear("classifier", outputs: labels, inputs: h, inBase: false))
        case .roberta, .xlmRoberta, .camembert, .electra:
            self.init(dense: try loader.linear("classifier.dense", outputs: h, inputs: h, inBase: false),
                      squash: config.architecture == .electra ? .gelu : .tanh,
                      classifier: try loader.linear("classifier.out_proj", outputs: labels, inputs: h, inBase: false))
        case .modernbert:
            throw ModelError.unsupported(file: "config.json", reason: "ModernBERT's head is part of ModernBertNetwork")
        case .debertaV2:
            let squash: Squash
            switch config.deberta?.poolerActivation ?? .geluErf {
            case .geluErf: squash = .gelu
            case .geluTanh: squash = .geluTanh
            case .relu: squash = .relu
            case .tanh: squash = .tanh
            }
            self.init(dense: try loader.linear("pooler.dense", outputs: h, inputs: h, inBase: false), squash: squash,
                      classifier: try loader.linear("classifier", outputs: labels, inputs: h, inBase: false))
        }
    }

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
        case .gelu: GELU.forward(cache.activated.pointer, cache.preActivation.pointer, count: count, tanhForm: false)
        case .geluTanh: GELU.forward(cache.activated.pointer, cache.preActivation.pointer, count: count, tanhForm: true)
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
        case .gelu: GELU.backward(dx: dActivated.pointer, dy: dActivated.pointer, x: cache.preActivation.pointer, count: count, tanhForm: false)
        case .geluTanh: GELU.backward(dx: dActivated.pointer, dy: dActivated.pointer, x: cache.preActivation.pointer, count: count, tanhForm: true)
        }
        dFirst.update(repeating: 0, count: count)
        dense.backward(dx: dFirst, dy: dActivated.pointer, rows: batch)
    }
}
