import Foundation

/// Embeddings and the stack of encoder layers: the part of every supported model shared by every head.
struct TransformerEncoder: Sendable {
    let config: ModelConfig
    let embeddings: Embeddings
    /// One entry per layer run; ALBERT's entries repeat its shared groups (weights shared, caches not).
    let layers: [EncoderLayer]
    /// DeBERTa's relative-position embeddings, which every layer's position terms project; nil elsewhere.
    let relative: RelativeEmbeddings?

    /// HuggingFace's tensor names for one encoder layer, which differ between the families.
    struct LayerNames {
        let query, key, value, attentionOutput, attentionNorm, expand, project, outputNorm: String

        static let bert = LayerNames(
            query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
            attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
            expand: "intermediate.dense", project: "output.dense", outputNorm: "output.LayerNorm")
        static let distilbert = LayerNames(
            query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
            attentionOutput: "attention.out_lin", attentionNorm: "sa_layer_norm",
            expand: "ffn.lin1", project: "ffn.lin2", outputNorm: "output_layer_norm")
        static let albert = LayerNames(
            query: "attention.query", key: "attention.key", value: "attention.value",
            attentionOutput: "attention.dense", attentionNorm: "attention.LayerNorm",
            expand: "ffn", project: "ffn_output", outputNorm: "full_layer_layer_norm")
        static let deberta = LayerNames(
            query: "attention.self.query_proj", key: "attention.self.key_proj", value: "attention.self.value_proj",
            attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
            expand: "intermediate.dense", project: "output.dense", outputNorm: "output.LayerNorm")
    }

    /// Layer i's tensor-name prefix (inside the base model) and names; nil for ALBERT, whose layers share
    /// the weights of their group.
    static func layerNames(_ architecture: Architecture, layer i: Int) -> (prefix: String, names: LayerNames)? {
        switch architecture {
        case .distilbert: return ("transformer.layer.\(i).", .distilbert)
        case .albert: return nil
        case .debertaV2: return ("encoder.layer.\(i).", .deberta)
        default: return ("encoder.layer.\(i).", .bert)
        }
    }

    /// The tensor-name prefix (inside the base model) of ALBERT's shared layer `inner` of group `group`.
    static func albertLayerPrefix(group: Int, inner: Int) -> String { "encoder.albert_layer_groups.\(group).albert_layers.\(inner)." }

    init(config: ModelConfig, loader: WeightLoader) throws {
        self.config = config
        let h = config.hiddenSize, e = config.embeddingSize, eps = config.layerNormEps
        // DistilBERT has no token-type embeddings; the others add type 0's row to every token.
        var tokenType: [Float]? = nil
        if config.architecture != .distilbert && config.typeVocabSize > 0 {
            tokenType = Array(try loader.base("embeddings.token_type_embeddings.weight", [config.typeVocabSize, e]).array[0..<e])
        }
        var projection: Linear? = nil
        switch config.architecture {
        case .electra where e != h: projection = try loader.linear("embeddings_project", outputs: h, inputs: e)
        case .albert: projection = try loader.linear("encoder.embedding_hidden_mapping_in", outputs: h, inputs: e)
        case .debertaV2 where e != h: projection = try loader.linear("embeddings.embed_proj", outputs: h, inputs: e, hasBias: false)
        default: break
        }
        let deberta = config.deberta
        let hasPositions = deberta?.positionBiasedInput ?? true
        embeddings = Embeddings(
            words: try loader.base("embeddings.word_embeddings.weight", [config.vocabSize, e]),
            positions: hasPositions ? try loader.base("embeddings.position_embeddings.weight", [config.maxPositions, e]) : nil,
            tokenType: tokenType,
            norm: try loader.layerNorm("embeddings.LayerNorm", size: deberta == nil ? e : h, eps: eps),
            projection: projection, embeddingSize: e,
            positionRule: config.architecture.isRoberta ? .afterPadding(padID: config.padTokenID) : .sequential,
            projectsBeforeNorm: deberta != nil)

        func layer(_ p: String, _ names: LayerNames, scaleFactor: Int = 1,
                   positionBias: ((Linear) throws -> DisentangledPositionBias)? = nil) throws -> EncoderLayer {
            let queryKeyValue = try loader.stackedLinear([p + names.query, p + names.key, p + names.value], outputs: h, inputs: h)
            return EncoderLayer(
                attention: SelfAttention(
                    queryKeyValue: queryKeyValue,
                    output: try loader.linear(p + names.attentionOutput, outputs: h, inputs: h),
                    headCount: config.headCount, scaleFactor: scaleFactor, positionBias: try positionBias?(queryKeyValue)),
                attentionNorm: try loader.layerNorm(p + names.attentionNorm, size: h, eps: eps),
                feedForward: FeedForward(
                    expand: try loader.linear(p + names.expand, outputs: config.intermediateSize, inputs: h),
                    project: try loader.linear(p + names.project, outputs: h, inputs: config.intermediateSize),
                    activation: config.activation),
                outputNorm: try loader.layerNorm(p + names.outputNorm, size: h, eps: eps))
        }
        switch config.architecture {
        case .albert:
            // AlbertTransformer: layer i runs group i / (layers / groups), each group its inner layers in turn.
            let groups = try (0..<config.layerGroupCount).map { g in
                try (0..<config.layersPerGroup).map { try layer(Self.albertLayerPrefix(group: g, inner: $0), .albert) }
            }
            let perGroup = config.layerCount / config.layerGroupCount
            layers = (0..<config.layerCount).flatMap { groups[$0 / perGroup] }
            relative = nil
        case .debertaV2:
            let settings = config.deberta!
            let relative = try Self.relativeEmbeddings(settings, config: config, loader: loader)
            let buckets = RelativePositionBuckets(settings: settings, longest: config.maxTokens)
            layers = try (0..<config.layerCount).map { i in
                let p = "encoder.layer.\(i)."
                // Each layer's position terms: R through its own key and query projections with share_att_key, else
                // through pos_key_proj (content→position) and pos_query_proj (position→content).
                func projection(_ name: String, _ used: Bool) throws -> Linear? {
                    guard used, !settings.shareAttentionKey else { return nil }
                    return try loader.linear(p + "attention.self." + name, outputs: h, inputs: h)
                }
                let bias = relative.map { relative in
                    { (queryKeyValue: Linear) in
                        DisentangledPositionBias(relative: relative, queryKeyValue: queryKeyValue,
                                                 keyProjection: try projection("pos_key_proj", settings.contentToPosition),
                                                 queryProjection: try projection("pos_query_proj", settings.positionToContent),
                                                 contentToPosition: settings.contentToPosition, positionToContent: settings.positionToContent,
                                                 buckets: buckets)
                    }
                }
                return try layer(p, .deberta, scaleFactor: settings.scaleFactor, positionBias: bias)
            }
            self.relative = relative
        default:
            layers = try (0..<config.layerCount).map { i in
                let (prefix, names) = Self.layerNames(config.architecture, layer: i)!
                return try layer(prefix, names)
            }
            relative = nil
        }
    }

    /// DeBERTa's relative-position embeddings (2·span × H), layer-normed when norm_rel_ebd says so; nil when
    /// the model has no position terms.
    private static func relativeEmbeddings(_ settings: DebertaSettings, config: ModelConfig, loader: WeightLoader) throws -> RelativeEmbeddings? {
        guard settings.relativeAttention, settings.contentToPosition || settings.positionToContent else { return nil }
        let h = config.hiddenSize, rows = 2 * settings.span
        let table = try loader.base("encoder.rel_embeddings.weight", [rows, h])
        let norm = settings.normRelativeEmbeddings ? try loader.layerNorm("encoder.LayerNorm", size: h, eps: config.layerNormEps) : nil
        return RelativeEmbeddings(table: table, rows: rows, norm: norm)
    }

    /// The same encoder with some layers replaced (training's updated weights), by index, and DeBERTa's relative
    /// embeddings (every layer's position terms then follow them).
    func replacing(layers replaced: [Int: EncoderLayer], relative newRelative: RelativeEmbeddings? = nil) -> TransformerEncoder {
        let updated = layers.indices.map { i -> EncoderLayer in
            var layer = replaced[i] ?? layers[i]
            if let newRelative { layer.attention = layer.attention.replacing(relative: newRelative) }
            return layer
        }
        return TransformerEncoder(config: config, embeddings: embeddings, layers: updated, relative: newRelative ?? relative)
    }

    private init(config: ModelConfig, embeddings: Embeddings, layers: [EncoderLayer], relative: RelativeEmbeddings?) {
        self.config = config
        self.embeddings = embeddings
        self.layers = layers
        self.relative = relative
    }

    /// Every layer writes all tokens but the last, which writes only the first token of each sequence.
    final class Cache {
        let embeddings: Embeddings.Cache
        let layers: [EncoderLayer.Cache]
        let spans: [SequenceSpan]
        let positions: [Int]
        /// `trainedLayers`: the last K layers keep their linears' inputs, for weight gradients.
        init(encoder: TransformerEncoder, spans: [SequenceSpan], positions: [Int], trainedLayers: Int = 0) {
            self.spans = spans
            self.positions = positions
            let rows = spans.last.map { $0.offset + $0.length } ?? 0
            embeddings = .init(rows: rows, width: encoder.embeddings.norm.size)
            layers = encoder.layers.indices.map { i in
                encoder.layers[i].makeCache(i == encoder.layers.count - 1 ? .firstTokens(spans) : .allTokens(spans),
                                            keepsInputs: i >= encoder.layers.count - trainedLayers)
            }
        }

        /// Every layer's attention, in order, for the attention-based explanations.
        var attentionMaps: [any AttentionMapsRecorder] { layers.map(\.attentionMaps) }
    }

    /// The last hidden state of each sequence's first token ([CLS]), B × H.
    func forward(wordRows: UnsafePointer<Float>, cache: Cache) -> FloatBuffer {
        let spans = cache.spans
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        var current = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
        var next = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
        embeddings.forward(current.pointer, wordRows: wordRows, positionRows: cache.positions, cache: cache.embeddings)
        for (layer, layerCache) in zip(layers, cache.layers) {
            layer.forward(next.pointer, current.pointer, cache: layerCache)
            swap(&current, &next)
        }
        return current
    }

    /// d(word-embedding rows) (N × E) from d(first-token states) (B × H); the layers with an entry in
    /// `gradients` (by index) also accumulate their weight gradients there.
    func backward(dFirst: FloatBuffer, cache: Cache, gradients: [Int: EncoderLayer.Gradients] = [:]) -> FloatBuffer {
        let rows = cache.spans.last.map { $0.offset + $0.length } ?? 0
        var current = dFirst
        for (index, (layer, layerCache)) in zip(layers, cache.layers).enumerated().reversed() {
            let next = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
            layer.backward(dx: next.pointer, dy: current.pointer, cache: layerCache, gradients: gradients[index])
            current = next
        }
        let dWords = FloatBuffer(count: rows * config.embeddingSize, zeroed: false)
        embeddings.backward(dWords: dWords.pointer, dy: current.pointer, rows: rows, cache: cache.embeddings)
        return dWords
    }
}
