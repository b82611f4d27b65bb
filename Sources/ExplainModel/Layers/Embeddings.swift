/// The input layer: word + absolute position (+ token type 0) embeddings, summed, then layer norm
/// (BertEmbeddings, DistilBERT's Embeddings, RobertaEmbeddings, ElectraEmbeddings, AlbertEmbeddings), then,
/// where the embeddings are narrower than the encoder, a linear map to the hidden size (ELECTRA's
/// `embeddings_project`, ALBERT's `embedding_hidden_mapping_in`). DebertaV2Embeddings map first (`embed_proj`,
/// no bias) and norm the hidden-size result, and leave the positions out when `position_biased_input` is
/// false. The word embeddings may be given instead of looked up: that is the `inputs_embeds` input
/// explanations differentiate against.
struct Embeddings: Sendable {
    /// How a token's position row is chosen.
    enum Positions: Sendable {
        /// 0, 1, 2, … (BERT, DistilBERT, ELECTRA, ALBERT).
        case sequential
        /// RoBERTa's create_position_ids_from_input_ids: a pad token takes row padding_idx, the others
        /// padding_idx + 1, + 2, … counting non-pad tokens only.
        case afterPadding(padID: Int)
    }

    let words: Weights          // (V, E)
    let positions: Weights?     // (P, E); nil when the model has none (DeBERTa-v3)
    let tokenType: [Float]?     // row 0 of (type_vocab, E); nil when the model has none
    let norm: LayerNorm         // over E, or over H when projectsBeforeNorm
    let projection: Linear?     // (H, E); nil when E = H
    let embeddingSize: Int      // E
    let positionRule: Positions
    /// DeBERTa: sum → projection → norm; the others: sum → norm → projection.
    var projectsBeforeNorm = false

    var outputSize: Int { projection?.outputSize ?? embeddingSize }

    final class Cache {
        let normalized: FloatBuffer, rstd: FloatBuffer   // LN's x̂ (N, norm width), rstd (N)
        init(rows: Int, width: Int) {
            normalized = FloatBuffer(count: rows * width, zeroed: false)
            rstd = FloatBuffer(count: rows, zeroed: false)
        }
    }

    func lookup(ids: [Int]) -> [Float] { words.rows(ids, width: embeddingSize) }

    /// The position row of each token of one sequence.
    func positionIDs(_ ids: [Int]) -> [Int] {
        switch positionRule {
        case .sequential:
            return Array(ids.indices)
        case .afterPadding(let padID):
            var counted = 0
            return ids.map { id in
                if id == padID { return padID }
                counted += 1
                return padID + counted
            }
        }
    }

    /// y (N × outputSize). `wordRows` holds each token's word embedding (N × E), looked up or given;
    /// `positionRows` each token's position row (N).
    func forward(_ y: UnsafeMutablePointer<Float>, wordRows: UnsafePointer<Float>, positionRows: [Int], cache: Cache) {
        let e = embeddingSize, rows = positionRows.count
        let sum = FloatBuffer(count: rows * e, zeroed: false)
        for (r, position) in positionRows.enumerated() {
            for j in 0..<e {
                sum.pointer[r * e + j] = wordRows[r * e + j] + (positions?[position * e + j] ?? 0) + (tokenType?[j] ?? 0)
            }
        }
        if let projection, projectsBeforeNorm {
            let projected = FloatBuffer(count: rows * projection.outputSize, zeroed: false)
            projection.forward(projected.pointer, sum.pointer, rows: rows)
            norm.forward(y, projected.pointer, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
            return
        }
        guard let projection else {
            norm.forward(y, sum.pointer, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
            return
        }
        let normed = FloatBuffer(count: rows * e, zeroed: false)
        norm.forward(normed.pointer, sum.pointer, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
        projection.forward(y, normed.pointer, rows: rows)
    }

    /// The gradient with respect to the word-embedding rows (N × E) from dy (N × outputSize): back
    /// through the projection, then the layer norm (the other way round for DeBERTa); the sum passes it on unchanged.
    func backward(dWords: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, cache: Cache) {
        if let projection, projectsBeforeNorm {
            let dProjected = FloatBuffer(count: rows * projection.outputSize)
            norm.backward(dx: dProjected.pointer, dy: dy, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
            dWords.update(repeating: 0, count: rows * embeddingSize)
            projection.backward(dx: dWords, dy: dProjected.pointer, rows: rows)
            return
        }
        var dNormed = dy
        let projected = FloatBuffer(count: projection == nil ? 0 : rows * embeddingSize)
        if let projection {
            projection.backward(dx: projected.pointer, dy: dy, rows: rows)
            dNormed = UnsafePointer(projected.pointer)
        }
        dWords.update(repeating: 0, count: rows * embeddingSize)
        norm.backward(dx: dWords, dy: dNormed, rows: rows, normalized: cache.normalized.pointer, rstd: cache.rstd.pointer)
    }
}
