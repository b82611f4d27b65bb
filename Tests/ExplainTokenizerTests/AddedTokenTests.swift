import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// Added tokens with every flag (lstrip/rstrip, single_word, normalized, one also in the vocabulary), with the
/// WhitespaceSplit + Punctuation pre-tokenizer and BertProcessing, against HF (Tests/Fixtures/tokenizer-added).
final class AddedTokenTests: XCTestCase {
    struct Reference: JSONRecord {
        var strings: [String]
        var expected: [Corpus.Expected]
        var vocabularySize: Int
        enum CodingKeys: String, CodingKey { case strings, expected, vocabularySize = "vocabulary_size" }
    }

    func testAddedTokensMatchHF() throws {
        let directory = Fixtures.root.appendingPathComponent("tokenizer-added")
        let reference: Reference = try JSONFile.read(directory.appendingPathComponent("expected.json"))
        let tokenizer = try Tokenizer.load(directory: directory)
        XCTAssertEqual(tokenizer.vocabularySize, reference.vocabularySize)
        XCTAssertEqual(tokenizer.id(forToken: "<special>"), 30522)
        XCTAssertEqual(tokenizer.token(forID: 30526), "Ñu")
        XCTAssertEqual(tokenizer.id(forToken: "hello"), 7592)
        assertParity(tokenizer, strings: reference.strings, expected: reference.expected, label: "added tokens")
    }
}
