import Foundation
import ExplainJSON

/// The fields of a DeBERTa-v2/v3 `config.json` beyond the BERT-like ones, with DebertaV2Config's defaults and
/// the `getattr` defaults of transformers' modeling_deberta_v2.py where the config class has none.
public struct DebertaSettings: Sendable, Equatable {
    /// The pooler's non-linearity (ContextPooler applies ACT2FN[pooler_hidden_act]).
    public enum PoolerActivation: Sendable, Equatable { case tanh, activation(Activation) }

    /// Absolute position embeddings added to the word embeddings (v3: false).
    public var positionBiasedInput: Bool
    /// Disentangled attention on; off, attention is content-to-content only (still scaled by `scaleFactor`).
    public var relativeAttention: Bool
    /// Content→position and position→content terms (`pos_att_type` holds "c2p", "p2c").
    public var contentToPosition: Bool
    public var positionToContent: Bool
    /// The relative-position embeddings go through the layer's own query/key projections (v3: true).
    public var shareAttentionKey: Bool
    /// `norm_rel_ebd` contains "layer_norm": the relative embeddings are layer-normed (encoder.LayerNorm).
    public var normRelativeEmbeddings: Bool
    /// Log buckets (`position_buckets`, > 0) or none (-1); `max_relative_positions` (max_position_embeddings when < 1).
    public var positionBuckets: Int
    public var maxRelativePositions: Int
    public var poolerActivation: PoolerActivation

    /// Half the number of relative-embedding rows: position_buckets when bucketing, else max_relative_positions.
    public var span: Int { Self.span(positionBuckets: positionBuckets, maxRelativePositions: maxRelativePositions) }
    static func span(positionBuckets: Int, maxRelativePositions: Int) -> Int { positionBuckets > 0 ? positionBuckets : maxRelativePositions }
    /// 1 + the number of position terms: the scores are divided by √(head size · scaleFactor).
    public var scaleFactor: Int { 1 + (contentToPosition ? 1 : 0) + (positionToContent ? 1 : 0) }

    init(_ read: ConfigFields, hiddenSize: Int, headCount: Int, maxPositions: Int) throws {
        let json = read.json, fail = read.fail
        positionBiasedInput = try read.bool("position_biased_input", default: true)
        relativeAttention = try read.bool("relative_attention", default: false)
        shareAttentionKey = try read.bool("share_att_key", default: false)
        // DebertaV2Config splits a string on "|" (lower-cased); a list is taken as it is.
        var types: [String] = []
        switch json["pos_att_type"] {
        case nil, .null?: break
        case .string(let text)?: types = text.lowercased().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        case .array(let items)?:
            types = try items.map { item in
                guard let name = item.stringValue else { throw fail("pos_att_type must hold strings, found \(JSONSerializer.string(item))") }
                return name
            }
        case let other?: throw fail("pos_att_type must be a string or a list, found \(JSONSerializer.string(other))")
        }
        contentToPosition = types.contains("c2p")
        positionToContent = types.contains("p2c")
        let norms = (json["norm_rel_ebd"]?.stringValue ?? "none").lowercased().split(separator: "|")
        normRelativeEmbeddings = norms.contains { $0.trimmingCharacters(in: .whitespaces) == "layer_norm" }
        positionBuckets = try read.integer("position_buckets", default: -1)
        let maxRelative = try read.integer("max_relative_positions", default: -1)
        maxRelativePositions = maxRelative < 1 ? maxPositions : maxRelative
        if positionBuckets > 0 {
            // make_log_bucket_position divides by bucket_size / 2 and by log((max_relative_positions - 1) / (bucket_size / 2)).
            let mid = positionBuckets / 2
            guard mid >= 1, maxRelativePositions - 1 > mid else {
                throw fail("position_buckets \(positionBuckets) needs max_relative_positions above \(mid + 1), found \(maxRelativePositions)")
            }
        }
        poolerActivation = try Self.poolerActivation(json["pooler_hidden_act"] ?? "gelu", fail: fail)
        // What explaind does not run: the first layer's convolution (DeBERTa-v2-xlarge and larger), a pooler of
        // another width, heads of another size.
        if let kernel = json["conv_kernel_size"]?.intValue, kernel > 0 {
            throw ModelError.unsupported(file: "config.json", reason: "conv_kernel_size \(kernel): the convolution layer of DeBERTa-v2 (ConvLayer) is not supported; DeBERTa-v3 models have none")
        }
        if let pooler = json["pooler_hidden_size"], pooler.intValue != hiddenSize {
            throw ModelError.unsupported(file: "config.json", reason: "pooler_hidden_size \(JSONSerializer.string(pooler)) differs from hidden_size \(hiddenSize): not supported")
        }
        if let head = json["attention_head_size"], head.intValue != hiddenSize / max(headCount, 1) {
            throw ModelError.unsupported(file: "config.json", reason: "attention_head_size \(JSONSerializer.string(head)) differs from hidden_size / num_attention_heads: not supported")
        }
    }

    private static func poolerActivation(_ value: JSONValue, fail: (String) -> ModelError) throws -> PoolerActivation {
        if value.stringValue == "tanh" { return .tanh }
        return .activation(try ModelConfig.activation(value, key: "pooler_hidden_act", fail: fail))
    }
}
