/// The layers of one model family between the word-embedding rows and the logits, forward and
/// input-gradient backward: BERT and its relatives (TransformerEncoder + ClassificationHead) or ModernBERT.
/// ClassifierModel packs the sequences, looks the ids up and hands the rows to its network.
protocol ClassifierNetwork: Sendable {
    /// The word-embedding matrix (V × E), the rows input gradients are taken against.
    var wordEmbeddingTable: Weights { get }

    /// The first layer's Q/K/V product, for reports of which implementation runs the dense products.
    var firstQueryKeyValue: Linear? { get }

    /// The logits (B × C) of packed sequences, from their word-embedding rows (N × E) and ids, and the
    /// backward of the same pass: d(word-embedding rows) (N × E) from dLogits (B × C).
    func forward(wordRows: UnsafePointer<Float>, ids: [[Int]], spans: [SequenceSpan]) -> NetworkPass
}

/// One pass of a ClassifierNetwork: its logits, the backward that reads the activations it kept, and every
/// layer's attention in order (the attention-based explanations read them; see AttentionMaps.swift).
struct NetworkPass {
    let logits: FloatBuffer   // (B, C)
    let attentionMaps: [any AttentionMapsRecorder]
    let backward: (UnsafePointer<Float>) -> FloatBuffer
    /// The BERT family's, for training: the same backward, also accumulating the head's weight gradients and
    /// those of the layers given (which the forward kept inputs for).
    var weightBackward: ((UnsafePointer<Float>, ClassificationHead.Gradients?, [Int: EncoderLayer.Gradients]) -> FloatBuffer)? = nil
    /// ModernBERT's, likewise.
    var modernBertWeightBackward: ((UnsafePointer<Float>, ModernBertNetwork.Gradients) -> FloatBuffer)? = nil
}

extension Weights {
    /// Rows `ids` of a (rows × width) matrix, back to back: a word-embedding lookup.
    func rows(_ ids: [Int], width: Int) -> [Float] {
        var values = [Float](repeating: 0, count: ids.count * width)
        values.withUnsafeMutableBufferPointer { out in
            for (t, id) in ids.enumerated() { (out.baseAddress! + t * width).update(from: pointer + id * width, count: width) }
        }
        return values
    }
}

/// BERT, DistilBERT, RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA, ALBERT: absolute positions, post-norm
/// encoder layers, a head on the first token.
struct BertFamilyNetwork: ClassifierNetwork {
    let encoder: TransformerEncoder
    let head: ClassificationHead

    var wordEmbeddingTable: Weights { encoder.embeddings.words }
    var firstQueryKeyValue: Linear? { encoder.layers.first?.attention.queryKeyValue }

    func forward(wordRows: UnsafePointer<Float>, ids: [[Int]], spans: [SequenceSpan]) -> NetworkPass {
        forward(wordRows: wordRows, ids: ids, spans: spans, trainedLayers: 0)
    }

    /// The pass with the last `trainedLayers` layers keeping their linears' inputs, for weight gradients.
    func forward(wordRows: UnsafePointer<Float>, ids: [[Int]], spans: [SequenceSpan], trainedLayers: Int) -> NetworkPass {
        let h = encoder.config.hiddenSize, labels = head.classifier.outputSize, batch = spans.count
        let encoderCache = TransformerEncoder.Cache(encoder: encoder, spans: spans, positions: ids.flatMap(encoder.embeddings.positionIDs),
                                                    trainedLayers: trainedLayers)
        let first = encoder.forward(wordRows: wordRows, cache: encoderCache)
        let headCache = ClassificationHead.Cache(batch: batch, hidden: h)
        let logits = FloatBuffer(count: batch * labels, zeroed: false)
        head.forward(logits.pointer, first: first.pointer, batch: batch, cache: headCache)
        let backward = { [encoder, head] (dLogits: UnsafePointer<Float>, headGradients: ClassificationHead.Gradients?,
                                          layerGradients: [Int: EncoderLayer.Gradients]) -> FloatBuffer in
            let dFirst = FloatBuffer(count: batch * h, zeroed: false)
            head.backward(dFirst: dFirst.pointer, dLogits: dLogits, batch: batch, cache: headCache, gradients: headGradients)
            return encoder.backward(dFirst: dFirst, cache: encoderCache, gradients: layerGradients)
        }
        return NetworkPass(logits: logits, attentionMaps: encoderCache.attentionMaps, backward: { backward($0, nil, [:]) },
                           weightBackward: backward)
    }
}
