import ExplainProtocol
import ExplainTokenizer

/// Converts the tokenizer's offsets (Unicode scalar indices into the original text) into the negotiated
/// position encoding: UTF-8 bytes, UTF-16 code units (LSP's default) or UTF-32 code units (= scalars).
struct OffsetTable {
    private let prefix: [Int]?  // prefix[i] = offset of scalar i; nil when the encoding counts scalars

    init(text: String, encoding: PositionEncoding) {
        switch encoding {
        case .utf32:
            prefix = nil
        case .utf8, .utf16:
            var table = [0]
            table.reserveCapacity(text.unicodeScalars.count + 1)
            var offset = 0
            for scalar in text.unicodeScalars {
                offset += encoding == .utf8 ? UTF8.width(scalar) : UTF16.width(scalar)
                table.append(offset)
            }
            prefix = table
        }
    }

    func offset(_ scalarIndex: Int) -> Int {
        guard let prefix else { return scalarIndex }
        return prefix[min(max(scalarIndex, 0), prefix.count - 1)]
    }

    func tokens(_ encoding: Encoding) -> [TokenInfo] {
        encoding.tokens.map {
            TokenInfo(id: $0.id, text: $0.text, start: $0.start.map(offset), end: $0.end.map(offset),
                      special: $0.special, word: $0.word)
        }
    }

    func words(_ encoding: Encoding) -> [WordInfo] {
        encoding.words.map { WordInfo(text: $0.text, start: offset($0.start), end: offset($0.end), tokens: $0.tokens) }
    }
}
