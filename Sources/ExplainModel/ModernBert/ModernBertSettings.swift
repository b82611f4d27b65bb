import ExplainJSON

/// What ModernBERT's config.json says beyond the fields every family shares, with ModernBertConfig's
/// defaults (transformers 5; the names of 4.x configs, `global_attn_every_n_layers`, `global_rope_theta` and
/// `local_rope_theta`, are read too).
public struct ModernBertSettings: Sendable, Equatable {
    public enum Pooling: String, Sendable { case cls, mean }

    /// Per layer: global attention (every token sees every token) or sliding-window attention.
    public var globalLayers: [Bool]
    /// The rotary bases of the global and the local layers.
    public var globalRopeTheta: Float, localRopeTheta: Float
    /// `local_attention`: a token of a local layer sees the tokens at most localAttention / 2 away.
    public var localAttention: Int
    public var normBias, attentionBias, mlpBias, classifierBias: Bool
    public var classifierActivation: Activation
    public var pooling: Pooling

    public var halfWindow: Int { localAttention / 2 }
}

extension ModelConfig {
    init(modernBert read: ConfigFields, weightValues: (() throws -> (count: Int, file: String))?) throws {
        let json = read.json, fail = read.fail
        architecture = .modernbert
        vocabSize = try read.positive("vocab_size", default: 50368)
        hiddenSize = try read.positive("hidden_size", default: 768)
        embeddingSize = hiddenSize
        layerCount = try read.positive("num_hidden_layers", default: 22)
        headCount = try read.positive("num_attention_heads", default: 12)
        intermediateSize = try read.positive("intermediate_size", default: 1152)
        activation = try Self.activation(json["hidden_activation"] ?? "gelu", key: "hidden_activation", fail: fail)
        layerNormEps = try read.number("norm_eps", default: 1e-5)
        typeVocabSize = 0
        maxPositions = try read.positive("max_position_embeddings", default: 8192)
        padTokenID = try read.integer("pad_token_id", default: 50283)
        guard hiddenSize % headCount == 0, (hiddenSize / headCount) % 2 == 0 else {
            throw fail("hidden size \(hiddenSize) over \(headCount) heads does not give an even head size (rotary embeddings rotate pairs)")
        }
        let globalLayers: [Bool]
        if let types = json["layer_types"] {
            guard let names = types.arrayValue?.compactMap(\.stringValue), names.count == layerCount,
                  names.allSatisfy({ $0 == "full_attention" || $0 == "sliding_attention" }) else {
                throw fail("layer_types must list full_attention or sliding_attention for each of the \(layerCount) layers")
            }
            globalLayers = names.map { $0 == "full_attention" }
        } else {
            let every = try read.positive("global_attn_every_n_layers", default: 3)
            globalLayers = (0..<layerCount).map { $0 % every == 0 }
        }
        if let scaling = json["rope_scaling"], scaling != .null { throw fail("rope_scaling is not supported (default rotary embeddings only)") }
        func theta(_ layerType: String, legacyKey: String, fallback: Double) throws -> Float {
            guard let parameters = json["rope_parameters"]?.objectValue?[layerType] else {
                return try read.number(legacyKey, default: fallback)
            }
            guard let object = parameters.objectValue else { throw fail("rope_parameters.\(layerType) must be an object") }
            if let type = object["rope_type"], type.stringValue != "default" {
                throw fail("rope_parameters.\(layerType).rope_type \(JSONSerializer.string(type)) is not supported (default only)")
            }
            return try ConfigFields(json: object, fail: { fail("rope_parameters.\(layerType): \($0)") }).number("rope_theta", default: fallback)
        }
        let pooling = json["classifier_pooling"]?.stringValue ?? "cls"
        guard let poolingRule = ModernBertSettings.Pooling(rawValue: pooling) else {
            throw fail("classifier_pooling \"\(pooling)\" is not supported (cls, mean)")
        }
        modernBert = ModernBertSettings(
            globalLayers: globalLayers,
            globalRopeTheta: try theta("full_attention", legacyKey: "global_rope_theta", fallback: 160_000),
            localRopeTheta: try theta("sliding_attention", legacyKey: "local_rope_theta", fallback: 10_000),
            localAttention: try read.positive("local_attention", default: 128),
            normBias: try read.bool("norm_bias", default: false), attentionBias: try read.bool("attention_bias", default: false),
            mlpBias: try read.bool("mlp_bias", default: false), classifierBias: try read.bool("classifier_bias", default: false),
            classifierActivation: try Self.activation(json["classifier_activation"] ?? "gelu", key: "classifier_activation", fail: fail),
            pooling: poolingRule)
        let labelCount = try Self.labelCount(json, fail: fail)
        try Self.checkSizes([("num_labels", labelCount, hiddenSize), ("vocab_size", vocabSize, hiddenSize),
                             ("intermediate_size", intermediateSize, hiddenSize), ("num_hidden_layers", layerCount, hiddenSize * hiddenSize),
                             ("hidden_size", hiddenSize, hiddenSize)], weightValues: weightValues, fail: fail)
        labels = try Self.labels(json, count: labelCount, fail: fail)
    }
}
