@testable import ExplainTokenizer
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// Text pairs through every kind of post-processor (TemplateProcessing with type ids, BertProcessing,
/// RobertaProcessing, ByteLevel alone, a Sequence), against HF tokenizers on the pairs of
/// Scripts/reference/make_pair_fixtures.py: ids, tokens, offsets (each in its own text), special flags, word ids
/// (counted per sequence), type ids and sequence ids, whole and truncated longest first.
final class PairParityTests: XCTestCase {
    struct PairCorpus: JSONDecodable {
        struct Expected: JSONDecodable {
            var single: Corpus.Expected
            var typeIDs: [Int]
            var sequences: [Int?]
            init(json: JSONValue, at path: String) throws {
                single = try Corpus.Expected(json: json, at: path)
                let o = try ObjectReader(json, at: path)
                typeIDs = try o.required("type_ids")
                sequences = try o.required("sequences", as: [Int?].self)
            }
        }
        struct Truncated: JSONDecodable {
            var text: String, pair: String, maxLength: Int, expected: Expected
            init(json: JSONValue, at path: String) throws {
                let o = try ObjectReader(json, at: path)
                text = try o.required("text")
                pair = try o.required("pair")
                maxLength = try o.required("max_length")
                expected = try o.required("expected")
            }
        }
        struct Results: JSONDecodable {
            var expected: [Expected]; var truncated: [Truncated]
            init(json: JSONValue, at path: String) throws {
                let o = try ObjectReader(json, at: path)
                expected = try o.required("expected")
                truncated = try o.required("truncated")
            }
        }
        var pairs: [[String]]
        var tokenizers: [String: Results]
        init(json: JSONValue, at path: String) throws {
            let o = try ObjectReader(json, at: path)
            pairs = try o.required("pairs")
            tokenizers = try o.required("tokenizers")
        }
    }

    static let corpus: PairCorpus = {
        try! JSONFile.read(Fixtures.root.appendingPathComponent("pair-corpus.json"))
    }()

    /// The differences of a pair's encoding from HF's; empty when they agree.
    func pairDifferences(_ encoding: Encoding, _ expected: PairCorpus.Expected) -> [String] {
        var found = differences(encoding, expected.single)
        if encoding.tokens.map(\.typeID) != expected.typeIDs { found.append("type ids \(encoding.tokens.map(\.typeID)) != HF \(expected.typeIDs)") }
        if encoding.tokens.map(\.sequence) != expected.sequences {
            found.append("sequences \(encoding.tokens.map(\.sequence)) != HF \(expected.sequences)")
        }
        // Each sequence's words: as many as its largest word id + 1, their tokens those of the sequence.
        for (s, words) in [encoding.words, encoding.pairWords].enumerated() {
            let ids = zip(expected.sequences, expected.single.words).compactMap { $0 == s ? $1 : nil }
            if words.count != (ids.max() ?? -1) + 1 { found.append("sequence \(s): \(words.count) words, HF's last word id \(String(describing: ids.max()))") }
            for word in words where word.tokens.contains(where: { encoding.tokens[$0].sequence != s }) {
                found.append("sequence \(s): word \(word.text) holds another sequence's tokens")
            }
        }
        return found
    }

    func check(_ tokenizer: Tokenizer, _ results: PairCorpus.Results, label: String, file: StaticString = #filePath, line: UInt = #line) {
        var failures: [String] = []
        XCTAssertEqual(results.expected.count, Self.corpus.pairs.count, file: file, line: line)
        for (pair, expected) in zip(Self.corpus.pairs, results.expected) {
            let diff = pairDifferences(tokenizer.encode(pair[0], pair: pair[1]), expected)
            if !diff.isEmpty { failures.append("(\"\(shown(pair[0]))\", \"\(shown(pair[1]))\"): " + diff.joined(separator: "; ")) }
        }
        XCTAssertGreaterThan(results.truncated.count, 0, file: file, line: line)
        for truncated in results.truncated {
            let encoding = tokenizer.encode(truncated.text, pair: truncated.pair, maxLength: truncated.maxLength)
            let diff = pairDifferences(encoding, truncated.expected)
            if !diff.isEmpty { failures.append("max \(truncated.maxLength) (\"\(shown(truncated.text))\", \"\(shown(truncated.pair))\"): " + diff.joined(separator: "; ")) }
        }
        XCTAssert(failures.isEmpty, "\(label): \(failures.count) pairs differ from HF; first:\n" + failures.prefix(5).joined(separator: "\n"),
                  file: file, line: line)
    }

    func testEveryPostProcessorAgainstHF() throws {
        XCTAssertEqual(Self.corpus.tokenizers.count, 8)
        for (directory, results) in Self.corpus.tokenizers.sorted(by: { $0.key < $1.key }) {
            let tokenizer = try Tokenizer.load(directory: Fixtures.root.appendingPathComponent(directory))
            check(tokenizer, results, label: directory)
        }
    }

    /// The pair templates of the `.model`-alone conversions are the classes' own (XLM-R's </s> </s>, ALBERT's B of type 1).
    func testSentencePieceModelFilePairs() throws {
        for (family, file) in [("xlmr", "sentencepiece.bpe.model"), ("albert", "spiece.model")] {
            let directory = try scratchDirectory("explain-pairs")
            try FileManager.default.copyItem(at: Fixtures.root.appendingPathComponent("sentencepiece/\(family)/\(file)"),
                                             to: directory.appendingPathComponent(file))
            let results = try XCTUnwrap(Self.corpus.tokenizers["sentencepiece/\(family)"])
            check(try Tokenizer.load(directory: directory), results, label: "\(family) \(file) alone")
        }
    }

    /// HF's longest-first split of the room between the two sequences.
    func testLongestFirst() {
        XCTAssertEqual(Tokenizer.longestFirst(3, 10, room: 8).0, 3)
        XCTAssertEqual(Tokenizer.longestFirst(3, 10, room: 8).1, 5)
        XCTAssertEqual(Tokenizer.longestFirst(10, 3, room: 8).0, 5)
        XCTAssertEqual(Tokenizer.longestFirst(6, 7, room: 9).0, 4)
        XCTAssertEqual(Tokenizer.longestFirst(6, 7, room: 9).1, 5)
        XCTAssertEqual(Tokenizer.longestFirst(2, 2, room: 9).1, 2)
    }
}
