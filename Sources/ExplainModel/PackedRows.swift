/// Sequences packed back to back (no padding): each one's span of rows and its word-embedding rows
/// (N × E), looked up or given (`inputs_embeds`).
struct PackedRows {
    let spans: [SequenceSpan]
    let wordRows: FloatBuffer

    init(ids: [[Int]], wordEmbeddings: [[Float]]?, width e: Int, maxTokens: Int, vocabulary: Int, table: Weights) {
        var spans: [SequenceSpan] = []
        var rows = 0
        for (s, sequence) in ids.enumerated() {
            precondition(!sequence.isEmpty && sequence.count <= maxTokens, "sequence length \(sequence.count) outside 1...\(maxTokens)")
            precondition(sequence.allSatisfy { $0 >= 0 && $0 < vocabulary }, "token id out of range")
            if let wordEmbeddings { precondition(wordEmbeddings[s].count == sequence.count * e, "word embeddings of sequence \(s) are not T × E") }
            spans.append(SequenceSpan(offset: rows, length: sequence.count))
            rows += sequence.count
        }
        let wordRows = FloatBuffer(count: rows * e, zeroed: false)
        for (s, span) in spans.enumerated() {
            let values = wordEmbeddings?[s] ?? table.rows(ids[s], width: e)
            values.withUnsafeBufferPointer { (wordRows.pointer + span.offset * e).update(from: $0.baseAddress!, count: values.count) }
        }
        self.spans = spans
        self.wordRows = wordRows
    }
}
