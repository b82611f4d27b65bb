import ExplainJSON
@_spi(Benchmark) import ExplainModel

/// The shapes that set an encoder classifier's arithmetic: hidden H, layers L, heads, intermediate I,
/// labels C, and what the newer families change: ModernBERT's gated feed-forward (three products, not two),
/// its sliding-window layers and its last layer on every token; DeBERTa's relative-position terms; the
/// embedding projection of ELECTRA, ALBERT and DeBERTa (E × H per token) where the embeddings are narrower.
public struct ModelShape: Sendable, Equatable {
    /// DeBERTa's content→position and position→content terms and the buckets that size them.
    public struct RelativePositions: Sendable, Equatable {
        public var positionBuckets: Int
        public var maxRelativePositions: Int
        public var contentToPosition: Bool
        public var positionToContent: Bool
    }

    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var labels: Int
    public var vocabulary: Int
    /// Products of H × I per token in a feed-forward: 2 (expand, project), 3 gated (input, gate, output).
    public var feedForwardProducts = 2
    /// Per layer, how far a token sees in a sliding-window layer (nil: every token); nil when all are global.
    public var halfWindows: [Int?]?
    /// The last layer carries only the first token past attention (the BERT-like encoders), or every token.
    public var lastLayerFirstTokenOnly = true
    public var relativePositions: RelativePositions?
    /// The embedding width E when a linear maps the embeddings to H (ELECTRA and DeBERTa when E ≠ H, ALBERT always).
    public var embeddingProjection: Int?

    public init(hidden: Int, layers: Int, heads: Int, intermediate: Int, labels: Int, vocabulary: Int) {
        self.hidden = hidden; self.layers = layers; self.heads = heads
        self.intermediate = intermediate; self.labels = labels; self.vocabulary = vocabulary
    }

    public init(_ config: ModelConfig) {
        self.init(hidden: config.hiddenSize, layers: config.layerCount, heads: config.headCount,
                  intermediate: config.intermediateSize, labels: config.labels.count, vocabulary: config.vocabSize)
        switch config.architecture {
        case .albert: embeddingProjection = config.embeddingSize
        case .electra, .debertaV2: embeddingProjection = config.embeddingSize == config.hiddenSize ? nil : config.embeddingSize
        default: break
        }
        if let modernBert = config.modernBert {
            feedForwardProducts = 3
            halfWindows = modernBert.globalLayers.map { $0 ? nil : modernBert.halfWindow }
            lastLayerFirstTokenOnly = false
        }
        if let deberta = config.deberta, deberta.relativeAttention, deberta.contentToPosition || deberta.positionToContent {
            relativePositions = RelativePositions(positionBuckets: deberta.positionBuckets, maxRelativePositions: deberta.maxRelativePositions,
                                                  contentToPosition: deberta.contentToPosition, positionToContent: deberta.positionToContent)
        }
    }
}

/// Floating-point operations of the matrix products of one pass, counted analytically (a multiply-add is 2
/// FLOPs; the element-wise work — layer norm, GELU, softmax, residual adds — is left out, as is usual for
/// GFLOP/s figures). Each sequence counts at its own length T: no padding.
///
/// Forward, per layer but the last, for a sequence of T tokens (d = H / heads):
///   fused Q, K, V projection  2·T·H·3H  = 6TH²
///   scores Q·Kᵀ, all heads    2·T·T·d·heads = 2T²H
///   context P·V               2T²H
///   output projection         2TH²
///   FFN expand + project      2·T·H·I · 2 = 4THI
///   → 8TH² + 4T²H + 4THI
/// The last layer carries only the [CLS] row past attention (the head reads nothing else): the fused
/// projection still runs on all T rows (keys and values need them), then one query row: scores and context
/// 2TH each, output projection 2H², FFN 4HI → 6TH² + 2H² + 4TH + 4HI.
/// Plus the head on the [CLS] row: pooler 2H², classifier 2HC.
///
/// Input-gradient backward (dx = dy·W for each linear, no weight gradients, as explanations need only
/// ∂f/∂embeddings), per layer but the last: Q/K/V and output projections 8TH², FFN 4THI, and the four
/// attention products dP = dC·Vᵀ, dV = Pᵀ·dC, dQ = dS·K, dK = dSᵀ·Q at 2T²d·heads each = 8T²H. The last
/// layer: fused projection 6TH², output 2H², FFN 4HI, the four attention products with one query row 8TH.
/// Plus the head's 2H² + 2HC.
///
/// The newer families, layer by layer with the same terms: ModernBERT's feed-forward is 6THI each way
/// (input, gate, output), its last layer keeps every token, and a sliding-window layer's attention products
/// run on the (query, key) scores of its blocks instead of T² (RotaryAttention's partition, about 1.25·T·window
/// past a window). DeBERTa adds its position terms: content→position Tq·W·H and position→content T·W·H
/// multiply-adds each way, W the relative-embedding rows the sequence reaches. An embedding projection adds
/// 2TEH each way.
public enum FlopCount {
    public static func forward(_ shape: ModelShape, length t: Int) -> Double {
        layerSum(shape, length: t) { layer, q, scores, relative in
            let (h, i, t, q) = (Double(shape.hidden), Double(shape.intermediate), Double(t), Double(q))
            return 6 * t * h * h + 4 * scores * h + 2 * q * h * h + 2 * Double(shape.feedForwardProducts) * q * h * i + 2 * relative * h
        } + embedding(shape, length: t) + head(shape)
    }

    public static func backward(_ shape: ModelShape, length t: Int) -> Double {
        layerSum(shape, length: t) { layer, q, scores, relative in
            let (h, i, t, q) = (Double(shape.hidden), Double(shape.intermediate), Double(t), Double(q))
            return 6 * t * h * h + 8 * scores * h + 2 * q * h * h + 2 * Double(shape.feedForwardProducts) * q * h * i + 2 * relative * h
        } + embedding(shape, length: t) + head(shape)
    }

    /// The embedding projection, the same count each way (the input gradient goes back through it).
    private static func embedding(_ shape: ModelShape, length t: Int) -> Double {
        shape.embeddingProjection.map { 2 * Double(t) * Double($0) * Double(shape.hidden) } ?? 0
    }

    /// Sums a layer's count over the layers, given per layer its query rows (T, or 1 in a BERT-like last layer),
    /// the (query, key) scores per head (q · T, or the sliding window's blocks) and the rows × relative-embedding
    /// rows of DeBERTa's position products (c2p: q · W, p2c: T · W).
    private static func layerSum(_ shape: ModelShape, length t: Int, _ layer: (Int, Int, Double, Double) -> Double) -> Double {
        (0..<shape.layers).reduce(0.0) { sum, index in
            let q = index == shape.layers - 1 && shape.lastLayerFirstTokenOnly ? 1 : t
            let scores = shape.halfWindows.map { Double(AttentionProductSizes.scoreCount(length: t, halfWindow: $0[index])) }
                ?? Double(q * t)
            var relative = 0.0
            if let r = shape.relativePositions {
                let w = Double(AttentionProductSizes.relativeRows(positionBuckets: r.positionBuckets, maxRelativePositions: r.maxRelativePositions,
                                                                  queries: q, keys: t))
                relative = (r.contentToPosition ? Double(q) * w : 0) + (r.positionToContent ? Double(t) * w : 0)
            }
            return sum + layer(index, q, scores, relative)
        }
    }

    /// Pooler and classifier on one row, the same count forward and backward.
    private static func head(_ shape: ModelShape) -> Double {
        let h = Double(shape.hidden)
        return 2 * h * h + 2 * h * Double(shape.labels)
    }

    /// A forward pass with its input-gradient backward.
    public static func gradient(_ shape: ModelShape, length t: Int) -> Double {
        forward(shape, length: t) + backward(shape, length: t)
    }

    /// ‖E g‖ through the Gram matrix: the T × H by H × H product per sequence (the Gram matrix EᵀE itself,
    /// 2VH², is computed once per model and not counted per request).
    public static func gramProjection(_ shape: ModelShape, length t: Int) -> Double {
        2 * Double(t) * Double(shape.hidden) * Double(shape.hidden)
    }
}

extension ModelShape: JSONValueCodable {
    public var json: JSONValue {
        var o = ObjectWriter()
        o.set("hidden", hidden)
        o.set("layers", layers)
        o.set("heads", heads)
        o.set("intermediate", intermediate)
        o.set("labels", labels)
        o.set("vocabulary", vocabulary)
        // What only the newer families change, written only for them.
        if feedForwardProducts != 2 { o.set("feedForwardProducts", feedForwardProducts) }
        o.set("halfWindows", halfWindows)
        if !lastLayerFirstTokenOnly { o.set("lastLayerFirstTokenOnly", false) }
        o.set("relativePositions", relativePositions)
        o.set("embeddingProjection", embeddingProjection)
        return o.json
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(hidden: try o.required("hidden"), layers: try o.required("layers"), heads: try o.required("heads"),
                  intermediate: try o.required("intermediate"), labels: try o.required("labels"), vocabulary: try o.required("vocabulary"))
        feedForwardProducts = try o.optional("feedForwardProducts") ?? 2
        halfWindows = try o.optional("halfWindows")
        lastLayerFirstTokenOnly = try o.optional("lastLayerFirstTokenOnly") ?? true
        relativePositions = try o.optional("relativePositions")
        embeddingProjection = try o.optional("embeddingProjection")
    }
}

extension ModelShape.RelativePositions: JSONRecord {}
