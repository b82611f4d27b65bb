import Foundation

/// ModernBertForSequenceClassification (Warner et al. 2024): word embeddings → norm (no position
/// embeddings: the attention rotates Q and K instead), pre-norm layers alternating global and
/// sliding-window attention, the final norm, then the head — pooling (the first token or the mean of the
/// tokens), dense → activation → norm, classifier.
struct ModernBertNetwork: ClassifierNetwork {
    let settings: ModernBertSettings
    let words: Weights              // (V, H): model.embeddings.tok_embeddings
    let embeddingNorm: LayerNorm
    var layers: [ModernBertLayer]
    var finalNorm: LayerNorm
    var headDense: Linear           // (H, H)
    var headNorm: LayerNorm
    var classifier: Linear          // (C, H)
    let globalRotary: RotaryEmbedding, localRotary: RotaryEmbedding

    var wordEmbeddingTable: Weights { words }
    var firstQueryKeyValue: Linear? { layers.first?.attention.queryKeyValue }
    var hiddenSize: Int { headDense.outputSize }

    init(config: ModelConfig, loader: WeightLoader) throws {
        guard let settings = config.modernBert else { preconditionFailure("a ModernBERT config without its settings") }
        self.settings = settings
        let h = config.hiddenSize, inner = config.intermediateSize, eps = config.layerNormEps, d = config.headSize
        func norm(_ name: String) throws -> LayerNorm { try loader.layerNorm(name, size: h, eps: eps, hasBias: settings.normBias) }
        words = try loader.base("embeddings.tok_embeddings.weight", [config.vocabSize, h])
        embeddingNorm = try norm("embeddings.norm")
        globalRotary = RotaryEmbedding(theta: settings.globalRopeTheta, headSize: d)
        localRotary = RotaryEmbedding(theta: settings.localRopeTheta, headSize: d)
        layers = try (0..<config.layerCount).map { [globalRotary, localRotary] i in
            let p = "layers.\(i)."
            let global = settings.globalLayers[i]
            let inputHalves = try loader.splitLinear(p + "mlp.Wi", outputs: [inner, inner], inputs: h, hasBias: settings.mlpBias)
            return ModernBertLayer(
                attentionNorm: i == 0 ? nil : try norm(p + "attn_norm"),
                attention: RotaryAttention(
                    queryKeyValue: try loader.linear(p + "attn.Wqkv", outputs: 3 * h, inputs: h, hasBias: settings.attentionBias),
                    output: try loader.linear(p + "attn.Wo", outputs: h, inputs: h, hasBias: settings.attentionBias),
                    headCount: config.headCount, rotary: global ? globalRotary : localRotary,
                    halfWindow: global ? nil : settings.halfWindow),
                mlpNorm: try norm(p + "mlp_norm"),
                feedForward: GatedFeedForward(
                    input: inputHalves[0], gate: inputHalves[1],
                    project: try loader.linear(p + "mlp.Wo", outputs: h, inputs: inner, hasBias: settings.mlpBias),
                    activation: config.activation))
        }
        finalNorm = try norm("final_norm")
        headDense = try loader.linear("head.dense", outputs: h, inputs: h, inBase: false, hasBias: settings.classifierBias)
        headNorm = try loader.layerNorm("head.norm", size: h, eps: eps, hasBias: settings.normBias)
        classifier = try loader.linear("classifier", outputs: config.labels.count, inputs: h, inBase: false)
    }

    /// Everything one pass keeps for its backward.
    final class Cache {
        let spans: [SequenceSpan]
        let embeddingNormalized: FloatBuffer, embeddingRstd: FloatBuffer   // (N, H), (N)
        let layers: [ModernBertLayer.Cache]
        let finalNormalized: FloatBuffer, finalRstd: FloatBuffer           // (N, H), (N)
        let headPreActivation: FloatBuffer, headActivated: FloatBuffer     // (B, H)
        let headNormalized: FloatBuffer, headRstd: FloatBuffer             // (B, H), (B)
        let pooled: FloatBuffer, normed: FloatBuffer                       // (B, H): head.dense's and classifier's inputs
        /// `trainedLayers`: the last K layers keep their products' inputs, for weight gradients.
        init(network: ModernBertNetwork, spans: [SequenceSpan], trainedLayers: Int = 0) {
            let h = network.hiddenSize, rows = spans.last.map { $0.offset + $0.length } ?? 0, batch = spans.count
            let longest = spans.map(\.length).max() ?? 0
            let global = network.globalRotary.table(positions: longest), local = network.localRotary.table(positions: longest)
            self.spans = spans
            embeddingNormalized = FloatBuffer(count: rows * h, zeroed: false)
            embeddingRstd = FloatBuffer(count: rows, zeroed: false)
            layers = network.layers.enumerated().map { i, layer in
                .init(layer: layer, spans: spans, rotation: layer.attention.halfWindow == nil ? global : local,
                      keepsInputs: i >= network.layers.count - trainedLayers)
            }
            finalNormalized = FloatBuffer(count: rows * h, zeroed: false)
            finalRstd = FloatBuffer(count: rows, zeroed: false)
            headPreActivation = FloatBuffer(count: batch * h, zeroed: false)
            headActivated = FloatBuffer(count: batch * h, zeroed: false)
            headNormalized = FloatBuffer(count: batch * h, zeroed: false)
            headRstd = FloatBuffer(count: batch, zeroed: false)
            pooled = FloatBuffer(count: batch * h)
            normed = FloatBuffer(count: batch * h, zeroed: false)
        }
    }

    /// Training's weight gradients: the head's (head.dense, head.norm, classifier), the final norm's and the
    /// top layers', by index.
    final class Gradients {
        let headDense: WeightGradient?, headNorm: WeightGradient?, classifier: WeightGradient?
        let finalNorm: WeightGradient?
        let layers: [Int: ModernBertLayer.Gradients]
        init(_ network: ModernBertNetwork, head: Bool, topLayers: Int) {
            headDense = head ? WeightGradient(network.headDense) : nil
            headNorm = head ? WeightGradient(network.headNorm) : nil
            classifier = head ? WeightGradient(network.classifier) : nil
            finalNorm = topLayers > 0 ? WeightGradient(network.finalNorm) : nil
            layers = Dictionary(uniqueKeysWithValues: (network.layers.count - topLayers..<network.layers.count).map { ($0, ModernBertLayer.Gradients(network.layers[$0])) })
        }
    }

    func forward(wordRows: UnsafePointer<Float>, ids: [[Int]], spans: [SequenceSpan]) -> NetworkPass {
        forward(wordRows: wordRows, ids: ids, spans: spans, trainedLayers: 0)
    }

    /// The pass with the last `trainedLayers` layers keeping their products' inputs, for weight gradients.
    func forward(wordRows: UnsafePointer<Float>, ids: [[Int]], spans: [SequenceSpan], trainedLayers: Int) -> NetworkPass {
        let h = hiddenSize, rows = spans.last.map { $0.offset + $0.length } ?? 0, batch = spans.count
        let cache = Cache(network: self, spans: spans, trainedLayers: trainedLayers)
        var current = FloatBuffer(count: rows * h, zeroed: false), next = FloatBuffer(count: rows * h, zeroed: false)
        embeddingNorm.forward(current.pointer, wordRows, rows: rows, normalized: cache.embeddingNormalized.pointer, rstd: cache.embeddingRstd.pointer)
        for (layer, layerCache) in zip(layers, cache.layers) {
            layer.forward(next.pointer, current.pointer, cache: layerCache)
            swap(&current, &next)
        }
        finalNorm.forward(next.pointer, current.pointer, rows: rows, normalized: cache.finalNormalized.pointer, rstd: cache.finalRstd.pointer)
        let pooled = cache.pooled
        for (b, span) in spans.enumerated() {
            let out = pooled.pointer + b * h
            switch settings.pooling {
            case .cls: out.update(from: next.pointer + span.offset * h, count: h)
            case .mean:
                for t in 0..<span.length { for j in 0..<h { out[j] += next.pointer[(span.offset + t) * h + j] } }
                let inverse = 1 / Float(span.length)
                for j in 0..<h { out[j] *= inverse }
            }
        }
        let count = batch * h
        headDense.forward(cache.headPreActivation.pointer, pooled.pointer, rows: batch)
        settings.classifierActivation.forward(cache.headActivated.pointer, cache.headPreActivation.pointer, count: count)
        let normed = cache.normed
        headNorm.forward(normed.pointer, cache.headActivated.pointer, rows: batch, normalized: cache.headNormalized.pointer, rstd: cache.headRstd.pointer)
        let logits = FloatBuffer(count: batch * classifier.outputSize, zeroed: false)
        classifier.forward(logits.pointer, normed.pointer, rows: batch)
        var pass = NetworkPass(logits: logits, attentionMaps: cache.layers.map(\.attention)) { dLogits in backward(dLogits: dLogits, cache: cache) }
        pass.modernBertWeightBackward = { dLogits, gradients in backward(dLogits: dLogits, cache: cache, gradients: gradients) }
        return pass
    }

    /// d(word-embedding rows) (N × H) from dLogits (B × C); with `gradients`, also the weight gradients it
    /// holds (of layers the forward kept inputs for).
    func backward(dLogits: UnsafePointer<Float>, cache: Cache, gradients: Gradients? = nil) -> FloatBuffer {
        let h = hiddenSize, spans = cache.spans, batch = spans.count, count = batch * h
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        let dNormed = FloatBuffer(count: count)
        classifier.backward(dx: dNormed.pointer, dy: dLogits, rows: batch)
        if let g = gradients?.classifier { classifier.accumulateWeightGradient(g, dy: dLogits, x: cache.normed.pointer, rows: batch) }
        let dActivated = FloatBuffer(count: count)
        headNorm.backward(dx: dActivated.pointer, dy: dNormed.pointer, rows: batch, normalized: cache.headNormalized.pointer, rstd: cache.headRstd.pointer)
        if let g = gradients?.headNorm { headNorm.accumulateWeightGradient(g, dy: dNormed.pointer, rows: batch, normalized: cache.headNormalized.pointer) }
        let d = dActivated.pointer
        settings.classifierActivation.backward(dx: d, dy: d, x: cache.headPreActivation.pointer, count: count)
        let dPooled = FloatBuffer(count: count)
        headDense.backward(dx: dPooled.pointer, dy: d, rows: batch)
        if let g = gradients?.headDense { headDense.accumulateWeightGradient(g, dy: d, x: cache.pooled.pointer, rows: batch) }
        // Pooling's backward: the first token takes the whole gradient, or every token an equal share.
        let dFinal = FloatBuffer(count: rows * h)
        for (b, span) in spans.enumerated() {
            let g = dPooled.pointer + b * h
            switch settings.pooling {
            case .cls: (dFinal.pointer + span.offset * h).update(from: g, count: h)
            case .mean:
                let share = 1 / Float(span.length)
                for t in 0..<span.length { for j in 0..<h { dFinal.pointer[(span.offset + t) * h + j] = g[j] * share } }
            }
        }
        var current = FloatBuffer(count: rows * h)
        finalNorm.backward(dx: current.pointer, dy: dFinal.pointer, rows: rows, normalized: cache.finalNormalized.pointer, rstd: cache.finalRstd.pointer)
        if let g = gradients?.finalNorm { finalNorm.accumulateWeightGradient(g, dy: dFinal.pointer, rows: rows, normalized: cache.finalNormalized.pointer) }
        var next = FloatBuffer(count: rows * h, zeroed: false)
        for (index, (layer, layerCache)) in zip(layers, cache.layers).enumerated().reversed() {
            layer.backward(dx: next.pointer, dy: current.pointer, cache: layerCache, gradients: gradients?.layers[index])
            swap(&current, &next)
        }
        let dWords = FloatBuffer(count: rows * h)
        embeddingNorm.backward(dx: dWords.pointer, dy: current.pointer, rows: rows, normalized: cache.embeddingNormalized.pointer, rstd: cache.embeddingRstd.pointer)
        return dWords
    }
}
