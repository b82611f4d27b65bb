import Foundation

/// One tensor by its HuggingFace name (base-model tensors with the family's prefix, `bert.` …), row-major.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// Which weights training changes besides the word-embedding rows it is given: the head (the dense layer
/// and the output layer) and the last `topLayers` encoder layers (every linear and layer norm in them).
public struct TrainedWeights: Sendable, Equatable {
    public var head: Bool
    public var topLayers: Int

    public init(head: Bool, topLayers: Int = 0) {
        self.head = head
        self.topLayers = topLayers
    }
}

/// The gradients of a loss from one backward pass: per sequence with respect to its word-embedding rows
/// (T_i × E, as `inputGradient`), and with respect to every trained weight, by name.
public struct LossGradients: Sendable {
    public var wordEmbeddings: [[Float]]
    public var weights: [NamedTensor]
}

/// Training on top of the forward and backward passes: weight gradients of the head and the top layers
/// (each layer computes its own next to its input gradient), and the model with updated weights.
extension ClassifierModel {
    /// The trained parts, each a linear or a layer norm of the head or of a layer.
    enum TrainedPart {
        case headDense, headClassifier
        case queryKeyValue(Int), attentionOutput(Int), attentionNorm(Int), expand(Int), project(Int), outputNorm(Int)
    }

    /// The BERT family's encoder and head, which training updates (ModernBERT trains its new rows only).
    var bertFamily: BertFamilyNetwork? { network as? BertFamilyNetwork }
    var encoder: TransformerEncoder { bertFamily!.encoder }
    var head: ClassificationHead { bertFamily!.head }

    /// Refuses what cannot be trained: ALBERT's shared layers, DeBERTa's layers when they share their key and
    /// query projections with the position terms, more layers than there are, ModernBERT's weights.
    public func checkTrainable(_ trained: TrainedWeights) throws {
        guard trained.head || trained.topLayers > 0 else { return }
        guard bertFamily != nil else {
            throw ModelError.unsupported(file: "config.json", reason: "\(config.architecture.rawValue): only the new embedding rows can be trained (--train embeddings)")
        }
        guard trained.topLayers > 0 else { return }
        guard config.architecture != .albert else {
            throw ModelError.unsupported(file: "config.json", reason: "ALBERT shares its layers' weights between layers; train the embeddings or the head only")
        }
        if let deberta = config.deberta, deberta.relativeAttention, deberta.contentToPosition || deberta.positionToContent,
           deberta.shareAttentionKey {
            // The position terms then go through the layer's own key_proj and query_proj too: their weight
            // gradients would need the position keys' and queries' gradients, which are not written yet.
            throw ModelError.unsupported(file: "config.json", reason: "DeBERTa with share_att_key: its layers cannot be trained yet (the key and query projections' gradients through the relative-position terms are not written); train the embeddings or the head")
        }
        guard trained.topLayers <= config.layerCount else {
            throw ModelError.unsupported(file: "config.json", reason: "the model has \(config.layerCount) layers, cannot train the top \(trained.topLayers)")
        }
    }

    /// Every trained part in a fixed order, with its tensor-name stems (the fused Q/K/V has three: query, key, value).
    func trainedParts(_ trained: TrainedWeights) -> [(part: TrainedPart, stems: [String])] {
        var parts: [(TrainedPart, [String])] = []
        let prefix = WeightLoader.basePrefix(config.architecture)
        if trained.head {
            let names = ClassificationHead.tensorNames(config.architecture)
            parts.append((.headDense, [(names.denseInBase ? prefix : "") + names.dense]))
            parts.append((.headClassifier, [names.classifier]))
        }
        for i in max(0, config.layerCount - trained.topLayers)..<config.layerCount where trained.topLayers > 0 {
            guard let (stem, names) = TransformerEncoder.layerNames(config.architecture, layer: i) else { continue }
            let p = prefix + stem
            parts += [(.queryKeyValue(i), [p + names.query, p + names.key, p + names.value]),
                      (.attentionOutput(i), [p + names.attentionOutput]), (.attentionNorm(i), [p + names.attentionNorm]),
                      (.expand(i), [p + names.expand]), (.project(i), [p + names.project]), (.outputNorm(i), [p + names.outputNorm])]
        }
        return parts
    }

    private func linear(_ part: TrainedPart) -> Linear? {
        switch part {
        case .headDense: return head.dense
        case .headClassifier: return head.classifier
        case .queryKeyValue(let i): return encoder.layers[i].attention.queryKeyValue
        case .attentionOutput(let i): return encoder.layers[i].attention.output
        case .expand(let i): return encoder.layers[i].feedForward.expand
        case .project(let i): return encoder.layers[i].feedForward.project
        case .attentionNorm, .outputNorm: return nil
        }
    }

    private func norm(_ part: TrainedPart) -> LayerNorm? {
        switch part {
        case .attentionNorm(let i): return encoder.layers[i].attentionNorm
        case .outputNorm(let i): return encoder.layers[i].outputNorm
        default: return nil
        }
    }

    /// A part's weight and bias as named tensors; a linear's rows are split evenly between its stems.
    private func tensors(stems: [String], weight: [Float], bias: [Float], isLinear: Bool) -> [NamedTensor] {
        let rows = bias.count / stems.count, columns = weight.count / bias.count
        return stems.enumerated().flatMap { k, stem -> [NamedTensor] in
            let w = Array(weight[k * rows * columns..<(k + 1) * rows * columns]), b = Array(bias[k * rows..<(k + 1) * rows])
            return [NamedTensor(name: stem + ".weight", shape: isLinear ? [rows, columns] : [rows], values: w),
                    NamedTensor(name: stem + ".bias", shape: [rows], values: b)]
        }
    }

    /// The current values of the trained weights, by name.
    public func trainedTensors(_ trained: TrainedWeights) -> [NamedTensor] {
        guard trained.head || trained.topLayers > 0 else { return [] }
        return trainedParts(trained).flatMap { part, stems -> [NamedTensor] in
            if let linear = linear(part) { return tensors(stems: stems, weight: linear.weight.array, bias: linear.bias, isLinear: true) }
            let norm = norm(part)!
            return tensors(stems: stems, weight: norm.weight, bias: norm.bias, isLinear: false)
        }
    }

    /// The forward pass training needs: the trained layers keep their linears' inputs.
    public func trainingForward(_ input: ModelInput, _ trained: TrainedWeights) -> ForwardPass {
        forward(input, trainedLayers: trained.topLayers)
    }

    /// The gradients of a loss whose gradient with respect to the logits is `dLogits` (B × C), from a pass
    /// made by `trainingForward` with the same `trained`.
    public func lossGradients(_ pass: ForwardPass, dLogits: [[Float]], _ trained: TrainedWeights) -> LossGradients {
        guard trained.head || trained.topLayers > 0 else {
            return LossGradients(wordEmbeddings: inputGradient(pass, logitWeights: dLogits), weights: [])
        }
        let e = config.embeddingSize, labels = config.labels.count, batch = pass.spans.count
        precondition(dLogits.count == batch && dLogits.allSatisfy { $0.count == labels }, "dLogits are not B × C")
        let dLogitsBuffer = FloatBuffer(count: batch * labels, zeroed: false)
        for b in 0..<batch { for c in 0..<labels { dLogitsBuffer.pointer[b * labels + c] = dLogits[b][c] } }
        let headGradients = trained.head ? ClassificationHead.Gradients(head) : nil
        var layerGradients: [Int: EncoderLayer.Gradients] = [:]
        for i in max(0, encoder.layers.count - trained.topLayers)..<encoder.layers.count where trained.topLayers > 0 {
            layerGradients[i] = EncoderLayer.Gradients(encoder.layers[i])
        }
        let dWords = pass.network.weightBackward!(dLogitsBuffer.pointer, headGradients, layerGradients)
        let words = zip(pass.spans, pass.emptied).map { span, emptied in
            emptied ? [] : Array(UnsafeBufferPointer(start: dWords.pointer + span.offset * e, count: span.length * e))
        }
        let weights = trainedParts(trained).flatMap { part, stems -> [NamedTensor] in
            let gradient: WeightGradient
            switch part {
            case .headDense: gradient = headGradients!.dense
            case .headClassifier: gradient = headGradients!.classifier
            case .queryKeyValue(let i): gradient = layerGradients[i]!.attention.queryKeyValue
            case .attentionOutput(let i): gradient = layerGradients[i]!.attention.output
            case .attentionNorm(let i): gradient = layerGradients[i]!.attentionNorm
            case .expand(let i): gradient = layerGradients[i]!.feedForward.expand
            case .project(let i): gradient = layerGradients[i]!.feedForward.project
            case .outputNorm(let i): gradient = layerGradients[i]!.outputNorm
            }
            return tensors(stems: stems, weight: gradient.weight.array, bias: gradient.bias.array, isLinear: linear(part) != nil)
        }
        return LossGradients(wordEmbeddings: words, weights: weights)
    }

    /// The same model with the trained weights replaced by `tensors` (every one of `trainedTensors(trained)`,
    /// by name and shape); the word embeddings and the rest stay shared with this model.
    public func replacing(_ tensors: [NamedTensor], _ trained: TrainedWeights) throws -> ClassifierModel {
        guard trained.head || trained.topLayers > 0 else { return self }
        let byName = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        func values(_ stems: [String], _ suffix: String, count: Int) throws -> [Float] {
            let joined = try stems.flatMap { stem -> [Float] in
                guard let tensor = byName[stem + suffix] else { throw ModelError.missingTensor(file: "trained weights", name: stem + suffix) }
                return tensor.values
            }
            guard joined.count == count, joined.allSatisfy(\.isFinite) else {
                throw ModelError.malformedCheckpoint(file: "trained weights", reason: "\(stems[0])\(suffix): \(joined.count) values, expected \(count), or not finite")
            }
            return joined
        }
        var newHead = head
        var layers: [Int: EncoderLayer] = [:]
        func layer(_ i: Int) -> EncoderLayer { layers[i] ?? encoder.layers[i] }
        for (part, stems) in trainedParts(trained) {
            if let old = linear(part) {
                let updated = try Linear(weight: Weights(try values(stems, ".weight", count: old.inputSize * old.outputSize)),
                                         bias: try values(stems, ".bias", count: old.outputSize), inputSize: old.inputSize, outputSize: old.outputSize)
                switch part {
                case .headDense: newHead = ClassificationHead(dense: updated, squash: newHead.squash, classifier: newHead.classifier)
                case .headClassifier: newHead = ClassificationHead(dense: newHead.dense, squash: newHead.squash, classifier: updated)
                case .queryKeyValue(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention.replacing(queryKeyValue: updated),
                                             attentionNorm: l.attentionNorm, feedForward: l.feedForward, outputNorm: l.outputNorm)
                case .attentionOutput(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention.replacing(output: updated),
                                             attentionNorm: l.attentionNorm, feedForward: l.feedForward, outputNorm: l.outputNorm)
                case .expand(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention, attentionNorm: l.attentionNorm,
                                             feedForward: FeedForward(expand: updated, project: l.feedForward.project, activation: l.feedForward.activation),
                                             outputNorm: l.outputNorm)
                case .project(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention, attentionNorm: l.attentionNorm,
                                             feedForward: FeedForward(expand: l.feedForward.expand, project: updated, activation: l.feedForward.activation),
                                             outputNorm: l.outputNorm)
                case .attentionNorm, .outputNorm: break
                }
            } else {
                let old = norm(part)!
                let updated = LayerNorm(weight: try values(stems, ".weight", count: old.size), bias: try values(stems, ".bias", count: old.size), eps: old.eps)
                switch part {
                case .attentionNorm(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention, attentionNorm: updated, feedForward: l.feedForward, outputNorm: l.outputNorm)
                case .outputNorm(let i):
                    let l = layer(i)
                    layers[i] = EncoderLayer(attention: l.attention, attentionNorm: l.attentionNorm, feedForward: l.feedForward, outputNorm: updated)
                default: break
                }
            }
        }
        return ClassifierModel(directory: directory, config: config, tokenizer: tokenizer,
                               network: BertFamilyNetwork(encoder: encoder.replacing(layers: layers), head: newHead), weights: weights)
    }

    /// The name of the word-embedding matrix (V × E).
    public var wordEmbeddingName: String { WeightLoader.basePrefix(config.architecture) + "embeddings.word_embeddings.weight" }

    /// Every floating-point tensor of the checkpoint as Float32, by the name it has there (integer buffers
    /// such as `position_ids` are left out), sorted by name.
    public func checkpointTensors() -> [NamedTensor] {
        weights.tensors.keys.sorted().compactMap { name in
            let tensor = weights.tensors[name]!
            guard tensor.dtype.isReadableAsFloat, let values = tensor.read() else { return nil }
            return NamedTensor(name: name, shape: tensor.shape, values: values.array)
        }
    }

    /// The checkpoint's own name for a tensor named as `trainedTensors` names it: with or without the base
    /// prefix, `gamma`/`beta` for old layer norms.
    public func checkpointName(of name: String) -> String? {
        let prefix = WeightLoader.basePrefix(config.architecture)
        let bare = name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
        var candidates = [name, bare]
        if bare.hasSuffix(".weight") { candidates += [prefix + bare.dropLast(7) + ".gamma", bare.dropLast(7) + ".gamma"] }
        if bare.hasSuffix(".bias") { candidates += [prefix + bare.dropLast(5) + ".beta", bare.dropLast(5) + ".beta"] }
        return candidates.first { weights.tensors[$0] != nil }
    }
}
