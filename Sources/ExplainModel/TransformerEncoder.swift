import Foundation

/// Embeddings and the stack of encoder layers: the part of BERT and DistilBERT shared by every head.
struct TransformerEncoder: Sendable {
    let config: ModelConfig
    let embeddings: Embeddings
    let layers: [EncoderLayer]

    /// HuggingFace's tensor names for one encoder layer, which differ between the two architectures.
    struct LayerNames {
        let prefix: String
        let query, key, value, attentionOutput, attentionNorm, expand, project, outputNorm: String

        static let bert = LayerNames(
            prefix: "encoder.layer.", query: "attention.self.query", key: "attention.self.key", value: "attention.self.value",
            attentionOutput: "attention.output.dense", attentionNorm: "attention.output.LayerNorm",
            expand: "intermediate.dense", project: "output.dense", outputNorm: "output.LayerNorm")
        static let distilbert = LayerNames(
            prefix: "transformer.layer.", query: "attention.q_lin", key: "attention.k_lin", value: "attention.v_lin",
            attentionOutput: "attention.out_lin", attentionNorm: "sa_layer_norm",
            expand: "ffn.lin1", project: "ffn.lin2", outputNorm: "output_layer_norm")
    }

    init(config: ModelConfig, loader: WeightLoader) throws {
        self.config = config
        let h = config.hiddenSize, inner = config.intermediateSize, eps = config.layerNormEps
        // DistilBERT has no token-type embeddings; BERT adds type 0's row to every token.
        var tokenType: [Float]? = nil
        if config.architecture == .bert && config.typeVocabSize > 0 {
            tokenType = Array(try loader.base("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h]).array[0..<h])
        }
        embeddings = Embeddings(
            words: try loader.base("embeddings.word_embeddings.weight", [config.vocabSize, h]),
            positions: try loader.base("embeddings.position_embeddings.weight", [config.maxPositions, h]),
            tokenType: tokenType,
            norm: try loader.layerNorm("embeddings.LayerNorm", size: h, eps: eps), hiddenSize: h)
        let names = config.architecture == .bert ? LayerNames.bert : .distilbert
        layers = try (0..<config.layerCount).map { i in
            let p = names.prefix + "\(i)."
            return EncoderLayer(
                attention: SelfAttention(
                    queryKeyValue: try Self.fused([loader.linear(p + names.query, outputs: h, inputs: h),
                                                   loader.linear(p + names.key, outputs: h, inputs: h),
                                                   loader.linear(p + names.value, outputs: h, inputs: h)]),
                    output: try loader.linear(p + names.attentionOutput, outputs: h, inputs: h),
                    headCount: config.headCount),
                attentionNorm: try loader.layerNorm(p + names.attentionNorm, size: h, eps: eps),
                feedForward: FeedForward(
                    expand: try loader.linear(p + names.expand, outputs: inner, inputs: h),
                    project: try loader.linear(p + names.project, outputs: h, inputs: inner),
                    activation: config.activation),
                outputNorm: try loader.layerNorm(p + names.outputNorm, size: h, eps: eps))
        }
    }

    /// Stacks linears with the same input into one, so Q, K and V come out of a single product.
    private static func fused(_ parts: [Linear]) -> Linear {
        Linear(weight: .concatenating(parts.map(\.weight)), bias: parts.flatMap(\.bias), inputSize: parts[0].inputSize,
               outputSize: parts.reduce(0) { $0 + $1.outputSize })
    }

    /// Packs sequences back to back (no padding) and fills their word-embedding rows, looked up or given.
    func pack(ids: [[Int]], wordEmbeddings: [[Float]]?) -> (spans: [SequenceSpan], wordRows: FloatBuffer) {
        let h = config.hiddenSize
        var spans: [SequenceSpan] = []
        var rows = 0
        for (s, sequence) in ids.enumerated() {
            precondition(!sequence.isEmpty && sequence.count <= config.maxPositions, "sequence length \(sequence.count) outside 1...\(config.maxPositions)")
            precondition(sequence.allSatisfy { $0 >= 0 && $0 < config.vocabSize }, "token id out of range")
            if let wordEmbeddings { precondition(wordEmbeddings[s].count == sequence.count * h, "word embeddings of sequence \(s) are not T × H") }
            spans.append(SequenceSpan(offset: rows, length: sequence.count))
            rows += sequence.count
        }
        let wordRows = FloatBuffer(count: rows * h, zeroed: false)
        for (s, span) in spans.enumerated() {
            let values = wordEmbeddings?[s] ?? embeddings.lookup(ids: ids[s])
            values.withUnsafeBufferPointer { (wordRows.pointer + span.offset * h).update(from: $0.baseAddress!, count: values.count) }
        }
        return (spans, wordRows)
    }

    /// Every layer writes all tokens but the last, which writes only the first token of each sequence.
    final class Cache {
        let embeddings: Embeddings.Cache
        let layers: [EncoderLayer.Cache]
        let spans: [SequenceSpan]
        init(encoder: TransformerEncoder, spans: [SequenceSpan]) {
            self.spans = spans
            let rows = spans.last.map { $0.offset + $0.length } ?? 0
            embeddings = .init(rows: rows, hidden: encoder.config.hiddenSize)
            layers = encoder.layers.indices.map { i in
                encoder.layers[i].makeCache(i == encoder.layers.count - 1 ? .firstTokens(spans) : .allTokens(spans))
            }
        }
    }

    /// The last hidden state of each sequence's first token ([CLS]), B × H.
    func forward(wordRows: UnsafePointer<Float>, cache: Cache) -> FloatBuffer {
        let spans = cache.spans
        let rows = spans.last.map { $0.offset + $0.length } ?? 0
        var current = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
        var next = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
        embeddings.forward(current.pointer, wordRows: wordRows, spans: spans, cache: cache.embeddings)
        for (layer, layerCache) in zip(layers, cache.layers) {
            layer.forward(next.pointer, current.pointer, cache: layerCache)
            swap(&current, &next)
        }
        return current
    }

    /// d(word-embedding rows) (N × H) from d(first-token states) (B × H).
    func backward(dFirst: FloatBuffer, cache: Cache) -> FloatBuffer {
        let rows = cache.spans.last.map { $0.offset + $0.length } ?? 0
        var current = dFirst
        for (layer, layerCache) in zip(layers, cache.layers).reversed() {
            let next = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
            layer.backward(dx: next.pointer, dy: current.pointer, cache: layerCache)
            current = next
        }
        let dWords = FloatBuffer(count: rows * config.hiddenSize, zeroed: false)
        embeddings.backward(dWords: dWords.pointer, dy: current.pointer, rows: rows, cache: cache.embeddings)
        return dWords
    }
}
