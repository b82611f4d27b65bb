/// The character predicates of HF tokenizers' BERT normalizer and pre-tokenizer
/// (tokenizers/src/normalizers/bert.rs, tokenizers/src/pre_tokenizers/bert.rs), with ASCII answered inline.
enum CharacterClasses {
    /// `is_control`: the Unicode "Other" categories of the crate tokenizers uses, except tab, newline and CR,
    /// which count as whitespace.
    static func isControl(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return (v < 0x20 && v != 0x09 && v != 0x0A && v != 0x0D) || v == 0x7F }
        return contains(HuggingFaceCharacterTables.otherCategory, v)
    }

    /// `is_whitespace`: Rust's `char::is_whitespace`, the Unicode White_Space property (tab, newline and CR included).
    static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return c.properties.isWhitespace
    }

    /// `is_bert_punc`: ASCII punctuation (33–47, 58–64, 91–96, 123–126) or a Unicode P* category.
    static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x80 {
            return (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126)
        }
        return contains(HuggingFaceCharacterTables.punctuation, v)
    }

    /// Category Mn, which accent stripping removes after NFD.
    static func isNonspacingMark(_ c: Unicode.Scalar) -> Bool {
        c.value >= 0x300 && contains(HuggingFaceCharacterTables.nonspacingMark, c.value)
    }

    /// Characters Unicode decomposes that tokenizers' NFD leaves whole (added after its tables).
    static func isWithoutDecomposition(_ c: Unicode.Scalar) -> Bool {
        contains(HuggingFaceCharacterTables.withoutDecomposition, c.value)
    }

    /// `is_chinese_char`: the CJK ideograph blocks that get spaces around them (note 0x2B820–0x2B91F is not one).
    static func isChinese(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// Binary search in sorted, inclusive [first, last, first, last, ...] ranges.
    private static func contains(_ ranges: [UInt32], _ v: UInt32) -> Bool {
        var low = 0, high = ranges.count / 2
        while low < high {
            let mid = (low + high) / 2
            if ranges[2 * mid + 1] < v {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low < ranges.count / 2 && ranges[2 * low] <= v
    }
}
