import Foundation

/// The encoder of a checkpoint without a classification head (HuggingFace `BertModel`, `DistilBertModel`):
/// embeddings and encoder layers only, read from `config.json` + `model.safetensors`. The head trainer
/// uses it to compute the frozen encoder's [CLS] states once per text.
public final class SentenceEncoder: @unchecked Sendable {
    public let config: ModelConfig
    let encoder: TransformerEncoder

    public static func load(directory: URL) throws -> SentenceEncoder {
        let config = try ModelConfig.load(file: directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw ModelError.missingFile(weightsURL.path) }
        let loader = WeightLoader(file: try SafeTensorsFile(url: weightsURL), architecture: config.architecture)
        return SentenceEncoder(config: config, encoder: try TransformerEncoder(config: config, loader: loader))
    }

    init(config: ModelConfig, encoder: TransformerEncoder) {
        self.config = config
        self.encoder = encoder
    }

    /// The last hidden state of each sequence's first token ([CLS]), H values per sequence — what the
    /// BERT pooler reads (BertPooler takes hidden_states[:, 0]).
    public func firstTokenStates(ids: [[Int]]) -> [[Float]] {
        let h = config.hiddenSize
        var spans: [SequenceSpan] = []
        var rows = 0
        for sequence in ids {
            precondition(!sequence.isEmpty && sequence.count <= config.maxPositions, "sequence length \(sequence.count) outside 1...\(config.maxPositions)")
            precondition(sequence.allSatisfy { $0 >= 0 && $0 < config.vocabSize }, "token id out of range")
            spans.append(SequenceSpan(offset: rows, length: sequence.count))
            rows += sequence.count
        }
        let wordRows = FloatBuffer(count: rows * h, zeroed: false)
        for (sequence, span) in zip(ids, spans) {
            let values = encoder.embeddings.lookup(ids: sequence)
            values.withUnsafeBufferPointer { (wordRows.pointer + span.offset * h).update(from: $0.baseAddress!, count: values.count) }
        }
        let cache = TransformerEncoder.Cache(encoder: encoder, rows: rows, spans: spans)
        let hidden = encoder.forward(wordRows: wordRows.pointer, spans: spans, cache: cache)
        return spans.map { Array(UnsafeBufferPointer(start: hidden.pointer + $0.offset * h, count: h)) }
    }
}
