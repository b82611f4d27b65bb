import Foundation

/// Reads the tensors a model needs from its checkpoint by their HuggingFace names, accepting keys with
/// and without the base-model prefix (`bert.`, `roberta.`, …) and the old `gamma`/`beta` layer-norm names,
/// and checks each one's shape against the config.
struct WeightLoader {
    let checkpoint: Checkpoint
    let prefix: String
    /// Second copies of dense weights for the input gradient, granted in load order.
    let inputGradientCopies: InputGradientBudget

    /// `inputGradientCopyBytes` nil: the checkpoint's own allowance.
    init(checkpoint: Checkpoint, config: ModelConfig, inputGradientCopyBytes: Int? = nil) {
        self.checkpoint = checkpoint
        prefix = Self.basePrefix(config.architecture)
        inputGradientCopies = inputGradientCopyBytes.map(InputGradientBudget.init(bytes:))
            ?? InputGradientBudget(config: config, weightValues: checkpoint.valueCount, passes: ClassifierModel.concurrentPasses,
                                   tokensPerPass: ClassifierModel.passTokenLimit)
    }

    /// The base model's attribute name in <Family>ForSequenceClassification (its base_model_prefix).
    static func basePrefix(_ architecture: Architecture) -> String {
        switch architecture {
        case .bert: return "bert."
        case .distilbert: return "distilbert."
        case .roberta, .xlmRoberta, .camembert: return "roberta."
        case .electra: return "electra."
        case .albert: return "albert."
        case .modernbert: return "model."
        case .debertaV2: return "deberta."
        }
    }

    /// A base-model tensor: `prefix + name`, or `name` alone.
    func base(_ name: String, _ shape: [Int]) throws -> Weights {
        try tensor(candidates: [prefix + name, name], shape: shape)
    }

    /// A head tensor (classifier, classifier.out_proj, pre_classifier), never prefixed.
    func head(_ name: String, _ shape: [Int]) throws -> Weights {
        try tensor(candidates: [name], shape: shape)
    }

    func has(_ name: String) -> Bool { checkpoint.tensors[prefix + name] != nil || checkpoint.tensors[name] != nil }

    /// `hasBias` false (ModernBERT's `attention_bias`, `mlp_bias`, `classifier_bias`; DeBERTa's `embed_proj`): no bias term.
    func linear(_ name: String, outputs: Int, inputs: Int, inBase: Bool = true, hasBias: Bool = true) throws -> Linear {
        let load = inBase ? base : head
        return try Linear(weight: try load(name + ".weight", [outputs, inputs]), bias: hasBias ? try load(name + ".bias", [outputs]).array : nil,
                          inputSize: inputs, outputSize: outputs, packInputGradient: grantCopy(outputs: outputs, inputs: inputs))
    }

    /// Linears with the same input as one, their weight rows stacked (Q, K and V: one product).
    func stackedLinear(_ names: [String], outputs: Int, inputs: Int) throws -> Linear {
        let parts = try names.map { (try base($0 + ".weight", [outputs, inputs]), try base($0 + ".bias", [outputs]).array) }
        return try Linear(stacking: parts, inputSize: inputs, packInputGradient: grantCopy(outputs: outputs * names.count, inputs: inputs))
    }

    private func grantCopy(outputs: Int, inputs: Int) -> Bool {
        inputGradientCopies.grant(bytes: Linear.inputGradientCopyBytes(inputSize: inputs, outputSize: outputs))
    }

    /// One checkpoint linear as consecutive layers of `outputs[i]` rows each, each its own product with its
    /// output contiguous (ModernBERT's Wi: its input and gate halves).
    func splitLinear(_ name: String, outputs: [Int], inputs: Int, hasBias: Bool = true) throws -> [Linear] {
        let total = outputs.reduce(0, +)
        let weight = try base(name + ".weight", [total, inputs])
        let bias = hasBias ? try base(name + ".bias", [total]).array : nil
        var first = 0
        return try outputs.map { count in
            defer { first += count }
            return try Linear(rows: first..<first + count, of: weight, bias: bias.map { Array($0[first..<first + count]) }, inputSize: inputs,
                              packInputGradient: grantCopy(outputs: count, inputs: inputs))
        }
    }

    /// `hasBias` false (ModernBERT's `norm_bias`): a zero bias.
    func layerNorm(_ name: String, size: Int, eps: Float, hasBias: Bool = true) throws -> LayerNorm {
        let weight = try tensor(candidates: [prefix + name + ".weight", name + ".weight", prefix + name + ".gamma", name + ".gamma"], shape: [size])
        let bias = hasBias ? try tensor(candidates: [prefix + name + ".bias", name + ".bias", prefix + name + ".beta", name + ".beta"], shape: [size]).array
            : [Float](repeating: 0, count: size)
        return LayerNorm(weight: weight.array, bias: bias, eps: eps)
    }

    private func tensor(candidates: [String], shape: [Int]) throws -> Weights {
        guard let name = candidates.first(where: { checkpoint.tensors[$0] != nil }), let tensor = checkpoint.tensors[name] else {
            throw ModelError.missingTensor(file: checkpoint.name, name: candidates[0])
        }
        guard tensor.shape == shape else {
            throw ModelError.wrongShape(file: tensor.file, name: name, expected: shape, found: tensor.shape)
        }
        guard tensor.dtype.isReadableAsFloat, let weights = tensor.read() else {
            throw ModelError.malformedCheckpoint(file: tensor.file, reason: "tensor \(name): dtype \(tensor.dtype.rawValue) is not a float type (F32, F16, BF16)")
        }
        if let bad = weights.firstNonFinite() {
            throw ModelError.nonFiniteWeights(file: tensor.file, name: name, index: bad)
        }
        // The check read every page: drop them again, so only what a pass reads counts towards memory.
        weights.releasePages(0..<weights.count)
        return weights
    }
}
