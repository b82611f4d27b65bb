/// What training changes in ModernBERT (ModelTraining's counterpart for this network): the head (head.dense,
/// head.norm, classifier) and, with top-layers:K, every product and norm of the last K layers and the final
/// norm above them (a pre-norm stack's last norm sits outside its layers). Biases the checkpoint has none of
/// (attention_bias, mlp_bias, norm_bias, classifier_bias false) stay absent.
extension ModernBertNetwork {
    enum TrainedPart {
        case headDense, headNorm, classifier, finalNorm
        case attentionNorm(Int), queryKeyValue(Int), attentionOutput(Int), mlpNorm(Int), mlpInput(Int), mlpOutput(Int)
    }

    /// Every trained part in a fixed order, with its tensor-name stem.
    func trainedParts(_ trained: TrainedWeights) -> [(part: TrainedPart, stem: String)] {
        var parts: [(TrainedPart, String)] = []
        if trained.head { parts += [(.headDense, "head.dense"), (.headNorm, "head.norm"), (.classifier, "classifier")] }
        guard trained.topLayers > 0 else { return parts }
        let prefix = WeightLoader.basePrefix(.modernbert)
        for i in layers.count - trained.topLayers..<layers.count {
            let p = prefix + "layers.\(i)."
            if layers[i].attentionNorm != nil { parts.append((.attentionNorm(i), p + "attn_norm")) }
            parts += [(.queryKeyValue(i), p + "attn.Wqkv"), (.attentionOutput(i), p + "attn.Wo"), (.mlpNorm(i), p + "mlp_norm"),
                      (.mlpInput(i), p + "mlp.Wi"), (.mlpOutput(i), p + "mlp.Wo")]
        }
        parts.append((.finalNorm, prefix + "final_norm"))
        return parts
    }

    /// A part's products: one, or Wi's input and gate halves, which are one tensor.
    private func linears(_ part: TrainedPart) -> [Linear]? {
        switch part {
        case .headDense: return [headDense]
        case .classifier: return [classifier]
        case .queryKeyValue(let i): return [layers[i].attention.queryKeyValue]
        case .attentionOutput(let i): return [layers[i].attention.output]
        case .mlpInput(let i): return [layers[i].feedForward.input, layers[i].feedForward.gate]
        case .mlpOutput(let i): return [layers[i].feedForward.project]
        case .headNorm, .finalNorm, .attentionNorm, .mlpNorm: return nil
        }
    }

    private func norm(_ part: TrainedPart) -> LayerNorm? {
        switch part {
        case .headNorm: return headNorm
        case .finalNorm: return finalNorm
        case .attentionNorm(let i): return layers[i].attentionNorm
        case .mlpNorm(let i): return layers[i].mlpNorm
        default: return nil
        }
    }

    /// The part's weight and (when the checkpoint has one) bias as named tensors.
    private func tensors(_ part: TrainedPart, stem: String, weight: [Float], bias: [Float]) -> [NamedTensor] {
        let hasBias = linears(part).map { $0.allSatisfy(\.hasBias) } ?? settings.normBias
        let rows = bias.count
        let weightTensor = NamedTensor(name: stem + ".weight", shape: linears(part) != nil ? [rows, weight.count / rows] : [rows], values: weight)
        return hasBias ? [weightTensor, NamedTensor(name: stem + ".bias", shape: [rows], values: bias)] : [weightTensor]
    }

    func trainedTensors(_ trained: TrainedWeights) -> [NamedTensor] {
        trainedParts(trained).flatMap { part, stem -> [NamedTensor] in
            if let linears = linears(part) {
                return tensors(part, stem: stem, weight: linears.flatMap { $0.weight.array }, bias: linears.flatMap(\.bias))
            }
            let norm = norm(part)!
            return tensors(part, stem: stem, weight: norm.weight, bias: norm.bias)
        }
    }

    /// The trained weights' gradients as named tensors, in `trainedTensors`' order.
    func gradientTensors(_ gradients: Gradients, _ trained: TrainedWeights) -> [NamedTensor] {
        trainedParts(trained).flatMap { part, stem -> [NamedTensor] in
            let parts: [WeightGradient]
            switch part {
            case .headDense: parts = [gradients.headDense!]
            case .headNorm: parts = [gradients.headNorm!]
            case .classifier: parts = [gradients.classifier!]
            case .finalNorm: parts = [gradients.finalNorm!]
            case .attentionNorm(let i): parts = [gradients.layers[i]!.attentionNorm!]
            case .queryKeyValue(let i): parts = [gradients.layers[i]!.attention.queryKeyValue]
            case .attentionOutput(let i): parts = [gradients.layers[i]!.attention.output]
            case .mlpNorm(let i): parts = [gradients.layers[i]!.mlpNorm]
            case .mlpInput(let i): parts = [gradients.layers[i]!.feedForward.input, gradients.layers[i]!.feedForward.gate]
            case .mlpOutput(let i): parts = [gradients.layers[i]!.feedForward.project]
            }
            return tensors(part, stem: stem, weight: parts.flatMap { $0.weight.array }, bias: parts.flatMap { $0.bias.array })
        }
    }

    /// The same network with the trained weights replaced by `values(stem, suffix, count)`.
    func replacing(_ trained: TrainedWeights, values: (String, String, Int) throws -> [Float]) throws -> ModernBertNetwork {
        var copy = self
        for (part, stem) in trainedParts(trained) {
            if let old = linears(part) {
                let inputs = old[0].inputSize, outputs = old.reduce(0) { $0 + $1.outputSize }
                let weight = Weights(try values(stem, ".weight", inputs * outputs))
                let bias = old[0].hasBias ? try values(stem, ".bias", outputs) : nil
                var first = 0
                let updated = try old.map { part -> Linear in
                    defer { first += part.outputSize }
                    return try Linear(rows: first..<first + part.outputSize, of: weight, bias: bias.map { Array($0[first..<first + part.outputSize]) },
                                      inputSize: inputs, packInputGradient: part.hasInputGradientCopy)
                }
                switch part {
                case .headDense: copy.headDense = updated[0]
                case .classifier: copy.classifier = updated[0]
                case .queryKeyValue(let i): copy.layers[i].attention.queryKeyValue = updated[0]
                case .attentionOutput(let i): copy.layers[i].attention.output = updated[0]
                case .mlpInput(let i):
                    copy.layers[i].feedForward.input = updated[0]
                    copy.layers[i].feedForward.gate = updated[1]
                case .mlpOutput(let i): copy.layers[i].feedForward.project = updated[0]
                default: break
                }
            } else {
                let old = norm(part)!
                let updated = LayerNorm(weight: try values(stem, ".weight", old.size),
                                        bias: settings.normBias ? try values(stem, ".bias", old.size) : old.bias, eps: old.eps)
                switch part {
                case .headNorm: copy.headNorm = updated
                case .finalNorm: copy.finalNorm = updated
                case .attentionNorm(let i): copy.layers[i].attentionNorm = updated
                case .mlpNorm(let i): copy.layers[i].mlpNorm = updated
                default: break
                }
            }
        }
        return copy
    }
}
