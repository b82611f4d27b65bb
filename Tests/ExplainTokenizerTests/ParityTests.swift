import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// The tokenizer against HF's fast tokenizer on the fixture corpus: ids, tokens, offsets, special flags, words.
final class ParityTests: XCTestCase {
    func testCorpusFromTokenizerJSON() throws {
        let corpus = Fixtures.corpus
        XCTAssertGreaterThanOrEqual(corpus.strings.count, 250)
        assertParity(Fixtures.tokenizer, strings: corpus.strings, expected: corpus.expected, label: "tokenizer.json")
    }

    /// transformers builds the same fast tokenizer from a bare vocab.txt + tokenizer_config.json.
    func testCorpusFromVocabText() throws {
        let config = #"{"do_lower_case": true, "model_max_length": 512}"#
        let tokenizer = try Tokenizer.load(directory: try Fixtures.vocabOnlyDirectory(config: config, for: self))
        let corpus = Fixtures.corpus
        assertParity(tokenizer, strings: corpus.strings, expected: corpus.expected, label: "vocab.txt")
        XCTAssertEqual(tokenizer.maxLength, 512)
    }

    /// Without tokenizer_config.json the defaults are transformers' Tokenizer's: lowercase, strip accents.
    func testVocabTextWithoutConfigUsesDefaults() throws {
        let tokenizer = try Tokenizer.load(directory: try Fixtures.vocabOnlyDirectory(config: nil, for: self))
        let corpus = Fixtures.corpus
        assertParity(tokenizer, strings: corpus.strings, expected: corpus.expected, label: "vocab.txt, no config")
        XCTAssertEqual(tokenizer.maxLength, 512)
    }

    /// The slow (pure Python) Tokenizer's ids, where it agrees with the fast one; the fixture lists where
    /// HF's two tokenizers differ (final sigma, the CJK block ranges), and there we follow the fast one.
    func testSlowTokenizerIDsWhereHFAgrees() throws {
        let tokenizer = try Tokenizer.load(directory: try Fixtures.vocabOnlyDirectory(config: nil, for: self))
        let corpus = Fixtures.corpus
        let differing = Dictionary(uniqueKeysWithValues: corpus.slowTokenizerDiffers.map { ($0.index, $0.slowIDs) })
        XCTAssertLessThan(differing.count, 10, "HF's slow and fast tokenizers should rarely differ")
        for (index, text) in corpus.strings.enumerated() {
            let ids = tokenizer.encode(text).ids
            if let slow = differing[index] {
                XCTAssertNotEqual(ids, slow, "\"\(shown(text))\" is listed as differing")
            } else {
                XCTAssertEqual(ids, corpus.expected[index].ids, "\"\(shown(text))\"")
            }
        }
    }

    /// Other normalizer options through tokenizer_config.json (cased, accents kept or stripped, CJK not spaced).
    func testNormalizerOptionsFromConfig() throws {
        let corpus = Fixtures.corpus
        XCTAssertEqual(corpus.variants.count, 5)
        for variant in corpus.variants {
            let config = JSONSerializer.string(variant.tokenizerConfig.json)
            let tokenizer = try Tokenizer.load(directory: try Fixtures.vocabOnlyDirectory(config: config, for: self))
            assertParity(tokenizer, strings: corpus.variantStrings, expected: variant.expected, label: config)
        }
    }

    func testSpecialTokenIDsAndLookups() throws {
        let tokenizer = Fixtures.tokenizer
        XCTAssertEqual([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID, tokenizer.maskID],
                       [0, 100, 101, 102, 103])
        XCTAssertEqual(tokenizer.vocabularySize, 30522)
        XCTAssertEqual(tokenizer.maxLength, 512)
        XCTAssertEqual(tokenizer.id(forToken: "hello"), 7592)
        XCTAssertEqual(tokenizer.id(forToken: "##ing"), 2075)
        XCTAssertEqual(tokenizer.id(forToken: "[MASK]"), 103)
        XCTAssertNil(tokenizer.id(forToken: "definitelynotatoken"))
        XCTAssertEqual(tokenizer.token(forID: 7592), "hello")
        XCTAssertEqual(tokenizer.token(forID: 101), "[CLS]")
        XCTAssertNil(tokenizer.token(forID: 30522))
        XCTAssertNil(tokenizer.token(forID: -1))
    }
}
