/// HF's `Replace` (tokenizers/src/normalizers/replace.rs): every match of a string or a regex replaced by `content`;
/// the new characters all take the alignment of the last character replaced (HF `NormalizedString::replace`).
struct Replace: Normalizer {
    var pattern: any SplitPattern & Sendable
    var content: [Unicode.Scalar]

    init(json: JSONNode) throws {
        pattern = try Self.pattern(json.required("pattern"))
        content = Array(try json.required("content").string.unicodeScalars)
    }

    /// `{"String": "…"}` or `{"Regex": "…"}`, as Replace and Split spell their patterns.
    static func pattern(_ json: JSONNode) throws -> any SplitPattern & Sendable {
        if let literal = try json.string("String") { return LiteralPattern(literal: Array(literal.unicodeScalars)) }
        if let regex = json["Regex"] {
            do {
                return RegexPattern(regex: try Regex(try regex.string))
            } catch let error as Regex.SyntaxError {
                throw regex.error(error.message)
            }
        }
        throw json.error("a pattern is {\"String\": …} or {\"Regex\": …}")
    }

    func normalize(_ text: inout NormalizedString) {
        let matches = pattern.matches(in: text.scalars)
        guard matches.contains(where: { $0.isMatch && !$0.range.isEmpty }) else { return }
        var scalars: [Unicode.Scalar] = [], alignments: [Alignment] = []
        scalars.reserveCapacity(text.count)
        alignments.reserveCapacity(text.count)
        for m in matches {
            if !m.isMatch || m.range.isEmpty {
                scalars.append(contentsOf: text.scalars[m.range])
                alignments.append(contentsOf: text.alignments[m.range])
                continue
            }
            let alignment = text.alignments[m.range.upperBound - 1]
            scalars.append(contentsOf: content)
            alignments.append(contentsOf: repeatElement(alignment, count: content.count))
        }
        text.scalars = scalars
        text.alignments = alignments
    }
}
