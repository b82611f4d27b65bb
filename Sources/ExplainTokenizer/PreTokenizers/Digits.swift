/// HF's `Digits` (tokenizers/src/pre_tokenizers/digits.rs): numeric characters split from the rest, each alone
/// (`individual_digits`) or in runs.
struct Digits: PreTokenizer {
    var individualDigits: Bool

    init(json: JSONNode) throws {
        individualDigits = try json.bool("individual_digits", default: false)
    }

    /// Rust's `char::is_numeric`: categories Nd, Nl, No.
    static func isNumeric(_ c: Unicode.Scalar) -> Bool {
        if c.value < 0x80 { return c.value >= 0x30 && c.value <= 0x39 }
        switch c.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    func preTokenize(_ text: inout PreTokenizedString) {
        let behavior: SplitDelimiterBehavior = individualDigits ? .isolated : .contiguous
        text.split { $0.split(ScalarPattern(test: Self.isNumeric), behavior) }
    }
}
