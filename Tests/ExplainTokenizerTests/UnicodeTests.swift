@testable import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// Every code point through the normalizer and the punctuation test, against what HF's compiled tokenizers does
/// with it (Tests/Fixtures/tokenizer-unicode.json). This covers the probed tables, Foundation's NFD and Swift's
/// lowercase mappings together.
final class UnicodeTests: XCTestCase {
    struct Reference: JSONRecord {
        var removed: [[UInt32]]
        var spaced: [[UInt32]]
        var mapped: [String: [UInt32]]
        var punctuation: [[UInt32]]
    }

    func testEveryCodePointNormalizesAsHF() throws {
        let reference: Reference = try JSONFile.read(Fixtures.root.appendingPathComponent("tokenizer-unicode.json"))
        var expected: [UInt32: [UInt32]] = [:]
        for range in reference.removed { for v in range[0]...range[1] { expected[v] = [] } }
        for range in reference.spaced { for v in range[0]...range[1] { expected[v] = [0x20, v, 0x20] } }
        for (hex, form) in reference.mapped { expected[UInt32(hex, radix: 16)!] = form }
        var punctuation = Set<UInt32>()
        for range in reference.punctuation { for v in range[0]...range[1] { punctuation.insert(v) } }

        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true)
        var mismatches: [String] = []
        var checked = 0
        for v in UInt32(0)...0x10FFFF {
            guard let c = Unicode.Scalar(v) else { continue }
            checked += 1
            let got = normalizer.normalizedForm(of: c).map(\.value)
            let want = expected[v] ?? [v]
            if got != want {
                mismatches.append(String(format: "U+%04X -> %@ (HF %@)", v, hex(got), hex(want)))
            }
            if CharacterClasses.isPunctuation(c) != punctuation.contains(v) {
                mismatches.append(String(format: "U+%04X punctuation %@ (HF %@)", v,
                                         "\(CharacterClasses.isPunctuation(c))", "\(punctuation.contains(v))"))
            }
        }
        XCTAssertEqual(checked, 0x110000 - 0x800)
        XCTAssert(mismatches.isEmpty, "\(mismatches.count) code points differ from HF; first:\n"
                  + mismatches.prefix(20).joined(separator: "\n"))
    }

    private func hex(_ values: [UInt32]) -> String {
        "[" + values.map { String(format: "%04X", $0) }.joined(separator: " ") + "]"
    }
}
