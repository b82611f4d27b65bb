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
///
/// Weights several layers share train as one, with the sum of the gradients of the layers that use them, and
/// only when all of those layers train: ALBERT's layer groups (top-layers:K takes whole groups), DeBERTa's
/// relative embeddings and their norm (with top-layers:all).
extension ClassifierModel {
    /// The trained parts, each a linear, a layer norm or a table of the head or the layers. A layer's part is
    /// named by the first encoder layer that runs it.
    enum TrainedPart {
        case headDense, headClassifier
        case queryKeyValue(Int), attentionOutput(Int), attentionNorm(Int), expand(Int), project(Int), outputNorm(Int)
        /// DeBERTa without share_att_key: the layer's pos_key_proj and pos_query_proj.
        case positionKey(Int), positionQuery(Int)
        /// DeBERTa: encoder.rel_embeddings and encoder.LayerNorm, shared by every layer.
        case relativeEmbeddings, relativeNorm
    }

    /// One trained layer's weights: its tensor-name prefix and names, and the entries of `encoder.layers` that
    /// run them — one, but an ALBERT group's layer runs in every layer of its group.
    struct TrainedLayer {
        let prefix: String
        let names: TransformerEncoder.LayerNames
        let runs: [Int]
    }

    /// The BERT family's encoder and head, which training updates here (ModernBERT's: ModernBertTraining.swift).
    var bertFamily: BertFamilyNetwork? { network as? BertFamilyNetwork }
    var modernBert: ModernBertNetwork? { network as? ModernBertNetwork }
    var encoder: TransformerEncoder { bertFamily!.encoder }
    var head: ClassificationHead { bertFamily!.head }

    /// ALBERT: layers in a group, which all run the group's weights.
    private var albertGroupSize: Int { config.layerCount / config.layerGroupCount }

    /// Refuses what cannot be trained: more layers than there are, part of an ALBERT group.
    public func checkTrainable(_ trained: TrainedWeights) throws {
        guard trained.topLayers > 0 else { return }
        guard trained.topLayers <= config.layerCount else {
            throw ModelError.unsupported(file: "config.json", reason: "the model has \(config.layerCount) layers, cannot train the top \(trained.topLayers)")
        }
        if config.architecture == .albert, trained.topLayers % albertGroupSize != 0 {
            let groups = config.layerGroupCount == 1 ? "one group of weights" : "\(config.layerGroupCount) groups of weights, \(albertGroupSize) layers each"
            throw ModelError.unsupported(file: "config.json", reason: "ALBERT's \(config.layerCount) layers share \(groups): training a group changes every layer that runs it, so top-layers:K takes whole groups (K a multiple of \(albertGroupSize); top-layers:\(config.layerCount) trains them all)")
        }
    }

    /// The layers `trained` trains, from the top.
    func trainedLayers(_ trained: TrainedWeights) -> [TrainedLayer] {
        guard trained.topLayers > 0 else { return [] }
        let prefix = WeightLoader.basePrefix(config.architecture)
        guard config.architecture == .albert else {
            return (config.layerCount - trained.topLayers..<config.layerCount).compactMap { i in
                TransformerEncoder.layerNames(config.architecture, layer: i).map { TrainedLayer(prefix: prefix + $0.prefix, names: $0.names, runs: [i]) }
            }
        }
        // Layer i runs group i / groupSize, each group its inner layers in turn: encoder.layers[i · inner + j].
        let size = albertGroupSize, inner = config.layersPerGroup
        return (config.layerGroupCount - trained.topLayers / size..<config.layerGroupCount).flatMap { g in
            (0..<inner).map { j in
                TrainedLayer(prefix: prefix + TransformerEncoder.albertLayerPrefix(group: g, inner: j), names: .albert,
                             runs: (g * size..<(g + 1) * size).map { $0 * inner + j })
            }
        }
    }

    /// DeBERTa's relative embeddings (and their norm) train when every layer, each of which projects them, does.
    func trainsRelativeEmbeddings(_ trained: TrainedWeights) -> Bool {
        bertFamily?.encoder.relative != nil && trained.topLayers == config.layerCount
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
        for layer in trainedLayers(trained) {
            let p = layer.prefix, names = layer.names, i = layer.runs[0]
            parts += [(.queryKeyValue(i), [p + names.query, p + names.key, p + names.value]),
                      (.attentionOutput(i), [p + names.attentionOutput]), (.attentionNorm(i), [p + names.attentionNorm]),
                      (.expand(i), [p + names.expand]), (.project(i), [p + names.project]), (.outputNorm(i), [p + names.outputNorm])]
            if let bias = encoder.layers[i].attention.positionBias {
                if bias.keyProjection != nil { parts.append((.positionKey(i), [p + "attention.self.pos_key_proj"])) }
                if bias.queryProjection != nil { parts.append((.positionQuery(i), [p + "attention.self.pos_query_proj"])) }
            }
        }
        if trainsRelativeEmbeddings(trained) {
            parts.append((.relativeEmbeddings, [prefix + "encoder.rel_embeddings"]))
            if encoder.relative!.norm != nil { parts.append((.relativeNorm, [prefix + "encoder.LayerNorm"])) }
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
        case .positionKey(let i): return encoder.layers[i].attention.positionBias!.keyProjection
        case .positionQuery(let i): return encoder.layers[i].attention.positionBias!.queryProjection
        case .attentionNorm, .outputNorm, .relativeEmbeddings, .relativeNorm: return nil
        }
    }

    private func norm(_ part: TrainedPart) -> LayerNorm? {
        switch part {
        case .attentionNorm(let i): return encoder.layers[i].attentionNorm
        case .outputNorm(let i): return encoder.layers[i].outputNorm
        case .relativeNorm: return encoder.relative!.norm
        default: return nil
        }
    }

    /// A part's weight and bias as named tensors; a linear's rows are split evenly between its stems. The
    /// relative embeddings are a table: a weight alone.
    private func tensors(_ part: TrainedPart, stems: [String], weight: [Float], bias: [Float]) -> [NamedTensor] {
        if case .relativeEmbeddings = part {
            let h = config.hiddenSize
            return [NamedTensor(name: stems[0] + ".weight", shape: [weight.count / h, h], values: weight)]
        }
        let isLinear = linear(part) != nil
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
        if let modernBert { return modernBert.trainedTensors(trained) }
        return trainedParts(trained).flatMap { part, stems -> [NamedTensor] in
            if let linear = linear(part) { return tensors(part, stems: stems, weight: linear.weight.array, bias: linear.bias) }
            if case .relativeEmbeddings = part { return tensors(part, stems: stems, weight: encoder.relative!.table.array, bias: []) }
            let norm = norm(part)!
            return tensors(part, stems: stems, weight: norm.weight, bias: norm.bias)
        }
    }

    /// The forward pass training needs: the trained layers keep their linears' inputs.
    public func trainingForward(_ input: ModelInput, _ trained: TrainedWeights) -> ForwardPass {
        forward(input, trainedLayers: modernBert != nil ? trained.topLayers : trainedLayers(trained).reduce(0) { $0 + $1.runs.count })
    }

    /// The gradients of a loss whose gradient with respect to the logits is `dLogits` (B × C), from a pass
    /// made by `trainingForward` with the same `trained`.
    public func lossGradients(_ pass: ForwardPass, dLogits: [[Float]], _ trained: TrainedWeights) -> LossGradients {
        let floatControl = Subnormals.flushToZero()
        defer { Subnormals.restore(floatControl) }
        guard trained.head || trained.topLayers > 0 else {
            return LossGradients(wordEmbeddings: inputGradient(pass, logitWeights: dLogits), weights: [])
        }
        let e = config.embeddingSize, labels = config.labels.count, batch = pass.spans.count
        precondition(dLogits.count == batch && dLogits.allSatisfy { $0.count == labels }, "dLogits are not B × C")
        let dLogitsBuffer = FloatBuffer(count: batch * labels, zeroed: false)
        for b in 0..<batch { for c in 0..<labels { dLogitsBuffer.pointer[b * labels + c] = dLogits[b][c] } }
        func words(_ dWords: FloatBuffer) -> [[Float]] {
            zip(pass.spans, pass.emptied).map { span, emptied in
                emptied ? [] : Array(UnsafeBufferPointer(start: dWords.pointer + span.offset * e, count: span.length * e))
            }
        }
        if let modernBert {
            let gradients = ModernBertNetwork.Gradients(modernBert, head: trained.head, topLayers: trained.topLayers)
            let dWords = pass.network.modernBertWeightBackward!(dLogitsBuffer.pointer, gradients)
            return LossGradients(wordEmbeddings: words(dWords), weights: modernBert.gradientTensors(gradients, trained))
        }
        let headGradients = trained.head ? ClassificationHead.Gradients(head) : nil
        let relativeGradients = trainsRelativeEmbeddings(trained) ? RelativeEmbeddings.Gradients(encoder.relative!) : nil
        // A layer run several times (ALBERT) has one set of gradients, which each run adds to.
        var layerGradients: [Int: EncoderLayer.Gradients] = [:]
        for layer in trainedLayers(trained) {
            let gradients = EncoderLayer.Gradients(encoder.layers[layer.runs[0]], relative: relativeGradients)
            for i in layer.runs { layerGradients[i] = gradients }
        }
        let dWords = pass.network.weightBackward!(dLogitsBuffer.pointer, headGradients, layerGradients)
        if let relativeGradients { encoder.relative!.backward(relativeGradients) }
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
            case .positionKey(let i): gradient = layerGradients[i]!.attention.positionKey!
            case .positionQuery(let i): gradient = layerGradients[i]!.attention.positionQuery!
            case .relativeEmbeddings: gradient = relativeGradients!.table
            case .relativeNorm: gradient = relativeGradients!.norm!
            }
            return tensors(part, stems: stems, weight: gradient.weight.array, bias: gradient.bias.array)
        }
        return LossGradients(wordEmbeddings: words(dWords), weights: weights)
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
        if let modernBert {
            return ClassifierModel(directory: directory, config: config, tokenizer: tokenizer,
                                   network: try modernBert.replacing(trained) { try values([$0], $1, count: $2) }, weights: weights,
                                   inputGradientCopies: inputGradientCopies)
        }
        var newHead = head
        var layers: [Int: EncoderLayer] = [:]
        let runs = Dictionary(trainedLayers(trained).map { ($0.runs[0], $0.runs) }, uniquingKeysWith: { first, _ in first })
        /// Changes the layer named by `i` in every run of it.
        func update(_ i: Int, _ change: (inout EncoderLayer) -> Void) {
            var changed = layers[i] ?? encoder.layers[i]
            change(&changed)
            for run in runs[i] ?? [i] { layers[run] = changed }
        }
        var relativeTable: Weights? = nil, relativeNorm: LayerNorm? = encoder.relative?.norm
        for (part, stems) in trainedParts(trained) {
            if let old = linear(part) {
                let updated = try Linear(weight: Weights(try values(stems, ".weight", count: old.inputSize * old.outputSize)),
                                         bias: try values(stems, ".bias", count: old.outputSize), inputSize: old.inputSize, outputSize: old.outputSize,
                                         packInputGradient: old.hasInputGradientCopy)
                switch part {
                case .headDense: newHead = ClassificationHead(dense: updated, squash: newHead.squash, classifier: newHead.classifier)
                case .headClassifier: newHead = ClassificationHead(dense: newHead.dense, squash: newHead.squash, classifier: updated)
                case .queryKeyValue(let i): update(i) { $0.attention = $0.attention.replacing(queryKeyValue: updated) }
                case .attentionOutput(let i): update(i) { $0.attention = $0.attention.replacing(output: updated) }
                case .positionKey(let i): update(i) { $0.attention = $0.attention.replacing(positionKey: updated) }
                case .positionQuery(let i): update(i) { $0.attention = $0.attention.replacing(positionQuery: updated) }
                case .expand(let i): update(i) { $0.feedForward.expand = updated }
                case .project(let i): update(i) { $0.feedForward.project = updated }
                case .attentionNorm, .outputNorm, .relativeEmbeddings, .relativeNorm: break
                }
            } else if case .relativeEmbeddings = part {
                let old = encoder.relative!
                relativeTable = Weights(try values(stems, ".weight", count: old.rows * old.hiddenSize))
            } else {
                let old = norm(part)!
                let updated = LayerNorm(weight: try values(stems, ".weight", count: old.size), bias: try values(stems, ".bias", count: old.size), eps: old.eps)
                switch part {
                case .attentionNorm(let i): update(i) { $0.attentionNorm = updated }
                case .outputNorm(let i): update(i) { $0.outputNorm = updated }
                case .relativeNorm: relativeNorm = updated
                default: break
                }
            }
        }
        let relative = relativeTable.map { RelativeEmbeddings(table: $0, rows: encoder.relative!.rows, norm: relativeNorm) }
        return ClassifierModel(directory: directory, config: config, tokenizer: tokenizer,
                               network: BertFamilyNetwork(encoder: encoder.replacing(layers: layers, relative: relative), head: newHead),
                               weights: weights, inputGradientCopies: inputGradientCopies)
    }

    /// The name of the word-embedding matrix (V × E).
    public var wordEmbeddingName: String {
        WeightLoader.basePrefix(config.architecture) + (modernBert != nil ? "embeddings.tok_embeddings.weight" : "embeddings.word_embeddings.weight")
    }

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
