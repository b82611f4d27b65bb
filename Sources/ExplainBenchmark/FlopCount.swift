import ExplainJSON
import ExplainModel

/// The shapes that set an encoder classifier's arithmetic: hidden H, layers L, heads, intermediate I,
/// labels C. (ELECTRA's and ALBERT's embedding projection, E × H per token, is left out: a small term.)
public struct ModelShape: Sendable, Equatable {
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    public var intermediate: Int
    public var labels: Int
    public var vocabulary: Int

    public init(hidden: Int, layers: Int, heads: Int, intermediate: Int, labels: Int, vocabulary: Int) {
        self.hidden = hidden; self.layers = layers; self.heads = heads
        self.intermediate = intermediate; self.labels = labels; self.vocabulary = vocabulary
    }

    public init(_ config: ModelConfig) {
        self.init(hidden: config.hiddenSize, layers: config.layerCount, heads: config.headCount,
                  intermediate: config.intermediateSize, labels: config.labels.count, vocabulary: config.vocabSize)
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
public enum FlopCount {
    public static func forward(_ shape: ModelShape, length t: Int) -> Double {
        let (h, i, t) = (Double(shape.hidden), Double(shape.intermediate), Double(t))
        let layer = 8 * t * h * h + 4 * t * t * h + 4 * t * h * i
        let lastLayer = 6 * t * h * h + 2 * h * h + 4 * t * h + 4 * h * i
        return Double(shape.layers - 1) * layer + lastLayer + head(shape)
    }

    public static func backward(_ shape: ModelShape, length t: Int) -> Double {
        let (h, i, t) = (Double(shape.hidden), Double(shape.intermediate), Double(t))
        let layer = 8 * t * h * h + 8 * t * t * h + 4 * t * h * i
        let lastLayer = 6 * t * h * h + 2 * h * h + 8 * t * h + 4 * h * i
        return Double(shape.layers - 1) * layer + lastLayer + head(shape)
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

extension ModelShape: JSONEncodable, JSONDecodable {
    public var json: JSONValue {
        ["hidden": hidden.json, "layers": layers.json, "heads": heads.json, "intermediate": intermediate.json,
         "labels": labels.json, "vocabulary": vocabulary.json]
    }
    public init(json: JSONValue, at path: String) throws {
        let o = try ObjectReader(json, at: path)
        self.init(hidden: try o.required("hidden"), layers: try o.required("layers"), heads: try o.required("heads"),
                  intermediate: try o.required("intermediate"), labels: try o.required("labels"), vocabulary: try o.required("vocabulary"))
    }
}
