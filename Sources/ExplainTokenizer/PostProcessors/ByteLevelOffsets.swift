/// HF's `ByteLevel` post-processor (tokenizers/src/processors/byte_level.rs `process_offsets`), also run by
/// `RobertaProcessing`: with `trim_offsets`, a token's offsets leave out the spaces its text starts or ends with
/// ("Ġ" or whitespace), except the one space `add_prefix_space` put before the first token.
struct ByteLevelOffsets: PostProcessor {
    var trimOffsets: Bool
    var addPrefixSpace: Bool

    init(trimOffsets: Bool, addPrefixSpace: Bool) {
        self.trimOffsets = trimOffsets
        self.addPrefixSpace = addPrefixSpace
    }

    init(json: JSONNode) throws {
        self.init(trimOffsets: try json.bool("trim_offsets", default: true),
                  addPrefixSpace: try json.bool("add_prefix_space", default: true))
    }

    func addedTokenCount(pair: Bool) -> Int { 0 }
    var specialTokens: [(token: String, id: Int)] { [] }

    /// Each sequence on its own: "the first token" is each sequence's first.
    func process(_ sequences: inout [[Token]]) {
        guard trimOffsets else { return }
        for s in sequences.indices { trim(&sequences[s]) }
    }

    private func trim(_ tokens: inout [Token]) {
        for i in tokens.indices {
            guard let start = tokens[i].start, let end = tokens[i].end else { continue }
            let isSpace = { (c: Unicode.Scalar) in c == "Ġ" || c.properties.isWhitespace }
            let scalars = tokens[i].text.unicodeScalars
            var leading = scalars.prefix(while: isSpace).count
            let trailing = scalars.reversed().prefix(while: isSpace).count
            guard leading > 0 || trailing > 0 else { continue }
            var newStart = start, newEnd = end
            if leading > 0 {
                if (i == 0 || start == 0) && addPrefixSpace && leading == 1 { leading = 0 }
                newStart = min(start + leading, end)
            }
            if trailing > 0 && end >= trailing { newEnd = max(end - trailing, newStart) }
            tokens[i].start = newStart
            tokens[i].end = newEnd
        }
    }
}
