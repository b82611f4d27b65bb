import Foundation

/// The encoder of a checkpoint without a classification head (HuggingFace `BertModel`, `DistilBertModel`, …):
/// embeddings and encoder layers only, read from `config.json` and the weights (Checkpoint). The head trainer
/// uses it to compute the frozen encoder's [CLS] states once per text.
public final class SentenceEncoder: @unchecked Sendable {
    public let config: ModelConfig
    let encoder: TransformerEncoder

    public static func load(directory: URL) throws -> SentenceEncoder {
        let (config, checkpoint) = try ModelFiles.open(directory: directory)
        // Forward passes only: no copies for the input gradient.
        let loader = WeightLoader(checkpoint: checkpoint, config: config, inputGradientCopyBytes: 0)
        let encoder = try TransformerEncoder(config: config, loader: loader)
        checkpoint.releasePages()
        return SentenceEncoder(config: config, encoder: encoder)
    }

    init(config: ModelConfig, encoder: TransformerEncoder) {
        self.config = config
        self.encoder = encoder
    }

    /// The last hidden state of each sequence's first token ([CLS]), H values per sequence — what the
    /// BERT pooler reads (BertPooler takes hidden_states[:, 0]).
    public func firstTokenStates(ids: [[Int]]) -> [[Float]] {
        let h = config.hiddenSize
        let packed = PackedRows(ids: ids, wordEmbeddings: nil, width: config.embeddingSize, maxTokens: config.maxTokens,
                                vocabulary: config.vocabSize, table: encoder.embeddings.words)
        let cache = TransformerEncoder.Cache(encoder: encoder, spans: packed.spans, positions: ids.flatMap(encoder.embeddings.positionIDs))
        let first = encoder.forward(wordRows: packed.wordRows.pointer, cache: cache)
        return packed.spans.indices.map { Array(UnsafeBufferPointer(start: first.pointer + $0 * h, count: h)) }
    }
}
