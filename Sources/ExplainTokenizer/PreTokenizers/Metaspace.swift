/// HF's `Metaspace` pre-tokenizer (tokenizers/src/pre_tokenizers/metaspace.rs): every space becomes the
/// replacement ("▁", aligned to the space), a replacement is prepended to a split that does not start with one
/// (`always`; `first`: only to the split that starts the text; `never`), and with `split` each split is cut
/// before every replacement (HF `MergedWithNext`), so each word carries the "▁" that opens it.
struct Metaspace: PreTokenizer {
    enum PrependScheme: String, CaseIterable, Sendable {
        case always, first, never
    }

    let replacement: Unicode.Scalar
    let prependScheme: PrependScheme
    let split: Bool

    init(replacement: Unicode.Scalar = "\u{2581}", prependScheme: PrependScheme = .always, split: Bool = true) {
        self.replacement = replacement
        self.prependScheme = prependScheme
        self.split = split
    }

    init(json: JSONNode) throws {
        let replacement = try json.string("replacement") ?? "\u{2581}"
        guard replacement.unicodeScalars.count == 1, let scalar = replacement.unicodeScalars.first else {
            throw json.error("replacement must be one character, not \"\(replacement)\"")
        }
        var scheme = PrependScheme.always
        if let name = try json.string("prepend_scheme") {
            guard let known = PrependScheme(rawValue: name) else {
                throw json.error("unknown prepend_scheme \"\(name)\" (one of always, first, never)")
            }
            scheme = known
        } else if let addPrefixSpace = try json.bool("add_prefix_space") {
            // Files written before prepend_scheme existed (HF reads them the same way).
            scheme = addPrefixSpace ? .always : .never
        }
        self.init(replacement: scalar, prependScheme: scheme, split: try json.bool("split", default: true))
    }

    func preTokenize(_ text: inout PreTokenizedString) {
        let replacement = replacement
        text.split { piece in
            var piece = piece
            piece.mapScalars { $0 == " " ? [replacement] : nil }
            let startsWithReplacement = piece.scalars.first == replacement
            switch prependScheme {
            case .always where !startsWithReplacement,
                 .first where !startsWithReplacement && piece.original.lowerBound == 0:
                piece.prepend([replacement])
            default:
                break
            }
            guard split else { return [piece] }
            return piece.split(ScalarPattern { $0 == replacement }, .mergedWithNext)
        }
    }
}
