import Foundation
import ExplainJSON

public enum Architecture: String, Sendable { case bert, distilbert }

/// The pointwise non-linearity of the feed-forward block.
public enum Activation: String, Sendable {
    case geluErf      // "gelu": x·Φ(x), the exact form
    case geluTanh     // "gelu_new", "gelu_pytorch_tanh", "gelu_fast": the tanh approximation
    case relu
}

/// The fields of a HuggingFace `config.json` that the forward pass needs, for both BERT and DistilBERT
/// (whose config uses other names: dim, n_layers, n_heads, hidden_dim, activation).
public struct ModelConfig: Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var activation: Activation
    public var layerNormEps: Float
    public var typeVocabSize: Int
    public var maxPositions: Int
    public var labels: [String]
    public var padTokenID: Int

    public var headSize: Int { hiddenSize / headCount }

    /// `weightValues`, when given, is asked (once the fields themselves are valid) for the number of values
    /// the weight file actually holds, and every size is checked against it before anything is allocated from
    /// it (a hostile `num_labels: 1e12` must not allocate a trillion names).
    public static func load(file url: URL, weightValues: (() throws -> Int)? = nil) throws -> ModelConfig {
        let file = url.lastPathComponent
        let data = try RegularFile.read(url)
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(data) } catch {
            throw ModelError.malformedConfig(file: file, reason: "not valid JSON: \(error)")
        }
        guard let object = parsed.objectValue else {
            throw ModelError.malformedConfig(file: file, reason: "not a JSON object")
        }
        return try ModelConfig(json: object, file: file, weightValues: weightValues)
    }

    public init(json: JSONObject, file: String = "config.json", weightValues: (() throws -> Int)? = nil) throws {
        func fail(_ reason: String) -> ModelError { .malformedConfig(file: file, reason: reason) }
        func integer(_ key: String, default fallback: Int? = nil) throws -> Int {
            guard let value = json[key] else {
                if let fallback { return fallback }
                throw fail("missing \(key)")
            }
            guard let number = value.intValue else { throw fail("\(key) must be an integer, found \(JSONSerializer.string(value))") }
            return number
        }
        func positive(_ key: String, default fallback: Int? = nil) throws -> Int {
            let value = try integer(key, default: fallback)
            guard value > 0 else { throw fail("\(key) must be positive, found \(value)") }
            return value
        }
        guard let modelType = json["model_type"]?.stringValue else { throw fail("missing model_type") }
        switch modelType {
        case "bert":
            architecture = .bert
            vocabSize = try positive("vocab_size")
            hiddenSize = try positive("hidden_size")
            layerCount = try positive("num_hidden_layers")
            headCount = try positive("num_attention_heads")
            intermediateSize = try positive("intermediate_size")
            typeVocabSize = try integer("type_vocab_size", default: 2)
            guard typeVocabSize >= 0 else { throw fail("type_vocab_size must not be negative") }
            maxPositions = try positive("max_position_embeddings", default: 512)
            let eps = json["layer_norm_eps"] ?? 1e-12
            guard let epsValue = eps.doubleValue, epsValue > 0 else { throw fail("layer_norm_eps must be a positive number") }
            layerNormEps = Float(epsValue)
            activation = try Self.activation(json["hidden_act"] ?? "gelu", key: "hidden_act", fail: fail)
            if let kind = json["position_embedding_type"]?.stringValue, kind != "absolute" {
                throw fail("position_embedding_type \(kind) is not supported (only absolute)")
            }
        case "distilbert":
            architecture = .distilbert
            vocabSize = try positive("vocab_size")
            hiddenSize = try positive("dim")
            layerCount = try positive("n_layers")
            headCount = try positive("n_heads")
            intermediateSize = try positive("hidden_dim")
            typeVocabSize = 0
            maxPositions = try positive("max_position_embeddings", default: 512)
            layerNormEps = 1e-12   // fixed in transformers' DistilBERT
            activation = try Self.activation(json["activation"] ?? "gelu", key: "activation", fail: fail)
        default:
            throw ModelError.unsupportedModelType(file: file, modelType: modelType)
        }
        guard hiddenSize % headCount == 0 else {
            throw fail("hidden size \(hiddenSize) is not a multiple of the head count \(headCount)")
        }
        padTokenID = try integer("pad_token_id", default: 0)
        let labelCount = try Self.labelCount(json, fail: fail)
        if let weightValues = try weightValues?() {
            // Each of these sizes is at least one hidden-wide row (or, for layers, an H × H matrix) of weights.
            let sizes = [("num_labels", labelCount, hiddenSize), ("vocab_size", vocabSize, hiddenSize),
                         ("max_position_embeddings", maxPositions, hiddenSize), ("intermediate_size", intermediateSize, hiddenSize),
                         ("type_vocab_size", typeVocabSize, hiddenSize), ("num_hidden_layers", layerCount, hiddenSize * hiddenSize),
                         ("hidden_size", hiddenSize, hiddenSize)]
            for (key, count, rowValues) in sizes {
                let (needed, overflow) = count.multipliedReportingOverflow(by: rowValues)
                guard !overflow, needed <= weightValues else {
                    throw fail("\(key) \(count) needs more weights than model.safetensors holds (\(weightValues) values)")
                }
            }
        }
        labels = try Self.labels(json, count: labelCount, fail: fail)
    }

    private static func activation(_ value: JSONValue, key: String, fail: (String) -> ModelError) throws -> Activation {
        switch value.stringValue {
        case "gelu": return .geluErf
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": return .geluTanh
        case "relu": return .relu
        default: throw fail("\(key) \(JSONSerializer.string(value)) is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }
    }

    /// How many labels: id2label's entries, else num_labels, else label2id's entries, else 2 (transformers'
    /// PretrainedConfig).
    private static func labelCount(_ json: JSONObject, fail: (String) -> ModelError) throws -> Int {
        if let raw = json["id2label"] {
            guard let map = raw.objectValue, !map.isEmpty else { throw fail("id2label must be a non-empty object") }
            if let count = json["num_labels"]?.intValue, count != map.count {
                throw fail("num_labels \(count) disagrees with id2label's \(map.count) entries")
            }
            return map.count
        }
        if let value = json["num_labels"] {
            guard let number = value.intValue, number > 0 else { throw fail("num_labels must be a positive integer") }
            return number
        }
        if let map = json["label2id"]?.objectValue, !map.isEmpty { return map.count }
        return 2
    }

    /// id2label in index order (each index once: "0", "00" and "-0" are the same label), else label2id's
    /// names, else transformers' LABEL_i defaults.
    private static func labels(_ json: JSONObject, count: Int, fail: (String) -> ModelError) throws -> [String] {
        if let map = json["id2label"]?.objectValue {
            var labels = [String?](repeating: nil, count: count)
            for (key, value) in map {
                guard let index = Int(key), index >= 0, index < count else {
                    throw fail("id2label keys must be 0..<\(count), found \"\(key)\"")
                }
                guard labels[index] == nil else { throw fail("id2label names label \(index) twice (key \"\(key)\")") }
                guard let name = value.stringValue else { throw fail("id2label[\(key)] must be a string") }
                labels[index] = name
            }
            return labels.map { $0! }  // count keys, each index once: every slot is filled
        }
        if json["num_labels"] == nil, let map = json["label2id"]?.objectValue, !map.isEmpty {
            var labels = [String?](repeating: nil, count: count)
            for (name, value) in map {
                guard let index = value.intValue, index >= 0, index < count else { throw fail("label2id[\(name)] out of range") }
                labels[index] = name
            }
            if !labels.contains(nil) { return labels.map { $0! } }
        }
        return (0..<count).map { "LABEL_\($0)" }
    }
}
