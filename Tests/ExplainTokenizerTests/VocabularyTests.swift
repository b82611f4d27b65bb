import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport

/// Vocabulary keys are matched byte-exactly, as in HF, although Swift's String equality is canonical equivalence.
final class VocabularyTests: XCTestCase {
    func testCanonicallyEquivalentTokensStayDistinct() throws {
        // Escaped and raw spellings; "\u{212B}" (ANGSTROM SIGN) is canonically "\u{C5}".
        let json = ###"""
            {"normalizer": {"type": "BertNormalizer", "lowercase": false, "strip_accents": false},
             "model": {"vocab": {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "\u00e9": 5,
                                 "e\u0301": 6, "a\"b\\": 7, "\ud83d\ude00": 8, "\u212b": 9, "\u00c5": 10}},
             "pre_tokenizer": {"type": "BertPreTokenizer"},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]}}
            """###
        let url = try scratchDirectory("explain-tokenizer")
        try json.write(to: url.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        let tokenizer = try Tokenizer.load(directory: url)
        XCTAssertEqual(tokenizer.id(forToken: "\u{E9}"), 5)
        XCTAssertEqual(tokenizer.id(forToken: "e\u{301}"), 6)
        XCTAssertEqual(tokenizer.id(forToken: "a\"b\\"), 7)
        XCTAssertEqual(tokenizer.id(forToken: "😀"), 8)
        XCTAssertEqual(tokenizer.id(forToken: "\u{212B}"), 9)
        XCTAssertEqual(tokenizer.id(forToken: "\u{C5}"), 10)
        XCTAssertEqual(tokenizer.token(forID: 6).map { Array($0.unicodeScalars) }, ["e", "\u{301}"])
        XCTAssertEqual(tokenizer.vocabularySize, 11)
        XCTAssertEqual(tokenizer.encode("\u{E9} e\u{301} \u{212B} \u{C5}").ids, [2, 5, 6, 9, 10, 3])
    }
}
