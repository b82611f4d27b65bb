/// The rows a layer reads and the rows it writes. Every layer reads all tokens (they are the keys and
/// values of attention), and writes either all of them or, in the last layer, only each sequence's first
/// token: the classification head reads nothing else, so the last layer's queries, feed-forward block and
/// layer norms run on one row per sequence. Output rows are a prefix of each sequence, packed.
struct RowLayout: Sendable {
    let inputs: [SequenceSpan]
    let outputs: [SequenceSpan]

    var inputRows: Int { inputs.last.map { $0.offset + $0.length } ?? 0 }
    var outputRows: Int { outputs.last.map { $0.offset + $0.length } ?? 0 }

    static func allTokens(_ spans: [SequenceSpan]) -> RowLayout { RowLayout(inputs: spans, outputs: spans) }

    static func firstTokens(_ spans: [SequenceSpan]) -> RowLayout {
        RowLayout(inputs: spans, outputs: spans.indices.map { SequenceSpan(offset: $0, length: 1) })
    }

    /// Calls body(outputRow, inputRow) for every output row and the input row it continues.
    func forEachOutputRow(_ body: (Int, Int) -> Void) {
        for (input, output) in zip(inputs, outputs) {
            for i in 0..<output.length { body(output.offset + i, input.offset + i) }
        }
    }
}
