import Foundation
import ExplainJSON

/// The encoder families explaind runs, by their `model_type`.
public enum Architecture: String, Sendable, CaseIterable {
    case bert, distilbert, roberta, xlmRoberta = "xlm-roberta", camembert, electra, albert, modernbert, debertaV2 = "deberta-v2"

    /// For error messages: every supported `model_type`.
    public static var supportedList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// RoBERTa's embeddings (also XLM-RoBERTa's and CamemBERT's): position ids count from padding_idx + 1
    /// over the non-pad tokens, one token type.
    public var isRoberta: Bool { self == .roberta || self == .xlmRoberta || self == .camembert }
}

/// What the classifier's logits mean (`problem_type`): one class of many (softmax over the labels), or
/// each label on its own (a sigmoid per label; transformers trains these with BCEWithLogitsLoss).
public enum ProblemType: String, Sendable, CaseIterable {
    case singleLabel = "single_label_classification", multiLabel = "multi_label_classification"
}

/// The fields of a HuggingFace `config.json` that the forward pass needs, for every supported family
/// (DistilBERT's config uses other names: dim, n_layers, n_heads, hidden_dim, activation). A field the
/// file leaves out takes the default of the family's transformers config class.
public struct ModelConfig: Sendable, Equatable {
    public var architecture: Architecture
    public var vocabSize: Int
    /// The width of the word embeddings: the hidden size, except ELECTRA's and ALBERT's `embedding_size`,
    /// which a linear maps to the hidden size. Input gradients are taken at this width.
    public var embeddingSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var activation: Activation
    public var layerNormEps: Float
    public var typeVocabSize: Int
    public var maxPositions: Int
    public var labels: [String]
    /// single_label_classification when the file says nothing, as transformers infers for integer labels.
    public var problemType: ProblemType = .singleLabel
    public var padTokenID: Int
    /// ALBERT: layers share the weights of `layerGroupCount` groups of `layersPerGroup` layers each.
    public var layerGroupCount: Int = 1
    public var layersPerGroup: Int = 1
    /// ModernBERT's rotary, local-attention, bias and head settings; nil for the other families.
    public var modernBert: ModernBertSettings? = nil
    /// DeBERTa-v2/v3: the disentangled attention's and the pooler's settings.
    public var deberta: DebertaSettings? = nil

    /// The id of a sequence's first position row: RoBERTa's padding_idx + 1, else 0.
    public var firstPosition: Int { architecture.isRoberta ? padTokenID + 1 : 0 }
    /// The longest sequence the position table serves (RoBERTa's 514 rows give 512).
    public var maxTokens: Int { max(0, maxPositions - firstPosition) }

    public var headSize: Int { hiddenSize / headCount }

    /// `weightValues`, when given, is asked (once the fields themselves are valid) for the number of values
    /// the weight file actually holds, and every size is checked against it before anything is allocated from
    /// it (a hostile `num_labels: 1e12` must not allocate a trillion names).
    public static func load(file url: URL, weightValues: (() throws -> (count: Int, file: String))? = nil) throws -> ModelConfig {
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

    public init(json: JSONObject, file: String = "config.json", weightValues: (() throws -> (count: Int, file: String))? = nil) throws {
        func fail(_ reason: String) -> ModelError { .malformedConfig(file: file, reason: reason) }
        let read = ConfigFields(json: json, fail: fail)
        guard let modelType = json["model_type"]?.stringValue else { throw fail("missing model_type") }
        guard let architecture = Architecture(rawValue: modelType) else {
            throw ModelError.unsupportedModelType(file: file, modelType: modelType)
        }
        self.architecture = architecture
        let problemType = try Self.checkHead(json, file: file)
        if architecture == .modernbert {
            self = try Self(modernBert: read, weightValues: weightValues)
            self.problemType = problemType
            return
        }
        self.problemType = problemType
        if architecture == .distilbert {
            vocabSize = try read.positive("vocab_size", default: 30522)
            hiddenSize = try read.positive("dim", default: 768)
            layerCount = try read.positive("n_layers", default: 6)
            headCount = try read.positive("n_heads", default: 12)
            intermediateSize = try read.positive("hidden_dim", default: 3072)
            typeVocabSize = 0
            maxPositions = try read.positive("max_position_embeddings", default: 512)
            layerNormEps = 1e-12   // fixed in transformers' DistilBERT
            activation = try Self.activation(json["activation"] ?? "gelu", key: "activation", fail: fail)
            embeddingSize = hiddenSize
        } else {
            // Each family's transformers config defaults (BertConfig, RobertaConfig, ElectraConfig, AlbertConfig,
            // DebertaV2Config).
            let defaults: (vocab: Int, hidden: Int, embedding: Int?, heads: Int, inner: Int, act: String)
            let isDeberta = architecture == .debertaV2
            switch architecture {
            case .debertaV2: defaults = (128100, 1536, nil, 24, 6144, "gelu")
            case .electra: defaults = (30522, 256, 128, 4, 1024, "gelu")
            case .albert: defaults = (30000, 4096, 128, 64, 16384, "gelu_new")
            case .roberta: defaults = (50265, 768, nil, 12, 3072, "gelu")
            default: defaults = (30522, 768, nil, 12, 3072, "gelu")
            }
            vocabSize = try read.positive("vocab_size", default: defaults.vocab)
            hiddenSize = try read.positive("hidden_size", default: defaults.hidden)
            // DeBERTa reads embedding_size when present (getattr, default hidden_size).
            embeddingSize = defaults.embedding == nil && !isDeberta ? hiddenSize : try read.positive("embedding_size", default: defaults.embedding ?? hiddenSize)
            layerCount = try read.positive("num_hidden_layers", default: isDeberta ? 24 : 12)
            headCount = try read.positive("num_attention_heads", default: defaults.heads)
            intermediateSize = try read.positive("intermediate_size", default: defaults.inner)
            typeVocabSize = try read.integer("type_vocab_size", default: isDeberta ? 0 : 2)
            guard typeVocabSize >= 0 else { throw fail("type_vocab_size must not be negative") }
            maxPositions = try read.positive("max_position_embeddings", default: 512)
            layerNormEps = try read.number("layer_norm_eps", default: isDeberta ? 1e-7 : 1e-12)
            activation = try Self.activation(json["hidden_act"] ?? .string(defaults.act), key: "hidden_act", fail: fail)
            if let kind = json["position_embedding_type"]?.stringValue, kind != "absolute" {
                throw fail("position_embedding_type \(kind) is not supported (only absolute)")
            }
            if isDeberta {
                deberta = try DebertaSettings(read, hiddenSize: hiddenSize, headCount: headCount, maxPositions: maxPositions)
            }
            if architecture == .albert {
                layerGroupCount = try read.positive("num_hidden_groups", default: 1)
                layersPerGroup = try read.positive("inner_group_num", default: 1)
                guard layerCount % layerGroupCount == 0 else {
                    throw fail("num_hidden_layers \(layerCount) is not a multiple of num_hidden_groups \(layerGroupCount)")
                }
            }
        }
        guard hiddenSize % headCount == 0 else {
            throw fail("hidden size \(hiddenSize) is not a multiple of the head count \(headCount)")
        }
        padTokenID = try read.integer("pad_token_id", default: architecture.isRoberta ? 1 : 0)
        if architecture.isRoberta {
            guard padTokenID >= 0, padTokenID + 1 < maxPositions else {
                throw fail("pad_token_id \(padTokenID) leaves no position rows of max_position_embeddings \(maxPositions)")
            }
        }
        let labelCount = try Self.labelCount(json, fail: fail)
        // Each of these sizes is at least one row of weights: an embedding-wide one for the embedding
        // tables, hidden-wide for the rest, an H × H matrix per distinct layer (ALBERT's are shared).
        let distinctLayers = architecture == .albert ? layerGroupCount * layersPerGroup : layerCount
        try Self.checkSizes([("num_labels", labelCount, hiddenSize), ("vocab_size", vocabSize, embeddingSize),
                             ("max_position_embeddings", maxPositions, embeddingSize), ("intermediate_size", intermediateSize, hiddenSize),
                             ("type_vocab_size", typeVocabSize, embeddingSize), ("num_hidden_layers", distinctLayers, hiddenSize * hiddenSize),
                             ("hidden_size", hiddenSize, hiddenSize)], weightValues: weightValues, fail: fail)
        labels = try Self.labels(json, count: labelCount, fail: fail)
    }

    /// Each (key, count, values per count) must fit in the weight file: checked before anything is
    /// allocated from a size.
    static func checkSizes(_ sizes: [(String, Int, Int)], weightValues: (() throws -> (count: Int, file: String))?,
                           fail: (String) -> ModelError) throws {
        guard let (weightValues, weightFile) = try weightValues?() else { return }
        for (key, count, rowValues) in sizes {
            let (needed, overflow) = count.multipliedReportingOverflow(by: rowValues)
            guard !overflow, needed <= weightValues else {
                throw fail("\(key) \(count) needs more weights than \(weightFile) holds (\(weightValues) values)")
            }
        }
    }

    /// Only sequence classification is run, single- or multi-label: another head (or regression) would give
    /// numbers that mean something else.
    private static func checkHead(_ json: JSONObject, file: String) throws -> ProblemType {
        if let architectures = json["architectures"]?.arrayValue, !architectures.isEmpty {
            let names = architectures.compactMap(\.stringValue)
            if !names.contains(where: { $0.hasSuffix("ForSequenceClassification") }) {
                throw ModelError.unsupported(file: file, reason: "architectures \(names.joined(separator: ", ")) has no sequence-classification head (supported: <Family>ForSequenceClassification of \(Architecture.supportedList))")
            }
        }
        guard let value = json["problem_type"], value != .null else { return .singleLabel }
        guard let problem = value.stringValue.flatMap(ProblemType.init(rawValue:)) else {
            throw ModelError.unsupported(file: file, reason: "problem_type \(JSONSerializer.string(value)) is not supported (supported: "
                                         + ProblemType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        return problem
    }

    static func activation(_ value: JSONValue, key: String, fail: (String) -> ModelError) throws -> Activation {
        switch value.stringValue {
        case "gelu": return .geluErf
        case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": return .geluTanh
        case "relu": return .relu
        default: throw fail("\(key) \(JSONSerializer.string(value)) is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu)")
        }
    }

    /// How many labels: id2label's entries, else num_labels, else label2id's entries, else 2 (transformers'
    /// PretrainedConfig).
    static func labelCount(_ json: JSONObject, fail: (String) -> ModelError) throws -> Int {
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
    static func labels(_ json: JSONObject, count: Int, fail: (String) -> ModelError) throws -> [String] {
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

/// Typed reads of config.json's fields, each with its transformers default; a wrong type or range is a
/// ModelError naming the key.
struct ConfigFields {
    let json: JSONObject
    let fail: (String) -> ModelError

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

    func number(_ key: String, default fallback: Double) throws -> Float {
        guard let value = json[key] else { return Float(fallback) }
        guard let number = value.doubleValue, number > 0 else { throw fail("\(key) must be a positive number") }
        return Float(number)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let value = json[key] else { return fallback }
        guard let flag = value.boolValue else { throw fail("\(key) must be true or false, found \(JSONSerializer.string(value))") }
        return flag
    }
}
