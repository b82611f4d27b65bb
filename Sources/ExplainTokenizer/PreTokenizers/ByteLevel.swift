/// HF's `ByteLevel` pre-tokenizer (tokenizers/src/pre_tokenizers/byte_level.rs): a space before each piece that
/// lacks one (`add_prefix_space`), GPT-2's split pattern (`use_regex`), then every UTF-8 byte as the character
/// GPT-2's byte-to-unicode table gives it, each aligned to the whole character it came from.
struct ByteLevel: PreTokenizer {
    var addPrefixSpace: Bool
    var useRegex: Bool

    init(addPrefixSpace: Bool = true, useRegex: Bool = true) {
        self.addPrefixSpace = addPrefixSpace
        self.useRegex = useRegex
    }

    init(json: JSONNode) throws {
        self.init(addPrefixSpace: try json.bool("add_prefix_space", default: true),
                  useRegex: try json.bool("use_regex", default: true))
    }

    /// GPT-2's pattern, as HF runs it (with Oniguruma).
    static let splitPattern = RegexPattern(regex: try! Regex(
        #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#))

    /// GPT-2's `bytes_to_unicode`: printable Latin-1 bytes stand for themselves, the others for 256 + n in order.
    static let byteToScalar: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var n: UInt32 = 0
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt32(b))!
            } else {
                table[b] = Unicode.Scalar(256 + n)!
                n += 1
            }
        }
        return table
    }()

    func preTokenize(_ text: inout PreTokenizedString) {
        text.split { piece in
            var piece = piece
            if addPrefixSpace && piece.scalars.first != " " { piece.prepend([" "]) }
            return useRegex ? piece.split(Self.splitPattern, .isolated) : [piece]
        }
        text.normalize { $0.mapScalars(Self.byteCharacters) }
    }

    /// The characters of `c`'s UTF-8 bytes; nil where that is `c` itself.
    static func byteCharacters(_ c: Unicode.Scalar) -> [Unicode.Scalar]? {
        let v = c.value
        if v >= 0x21 && v <= 0x7E { return nil }
        if v < 0x80 { return [byteToScalar[Int(v)]] }
        return String(c).utf8.map { byteToScalar[Int($0)] }
    }
}
