import ExplainTokenizer
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// Paths of the reference fixtures written by Scripts/reference/make_tokenizer_fixtures.py.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let tokenizerDirectory = root.appendingPathComponent("tokenizer")

    static let corpus: Corpus = {
        try! JSONFile.read(root.appendingPathComponent("tokenizer-corpus.json"))
    }()

    static let tokenizer: Tokenizer = try! Tokenizer.load(directory: tokenizerDirectory)

    /// A scratch directory of `test` holding the fixture's vocab.txt and the given tokenizer_config.json text (none if nil).
    static func vocabOnlyDirectory(config: String?, for test: XCTestCase) throws -> URL {
        let directory = try test.scratchDirectory("explain-tokenizer")
        try FileManager.default.copyItem(at: tokenizerDirectory.appendingPathComponent("vocab.txt"),
                                         to: directory.appendingPathComponent("vocab.txt"))
        if let config {
            try config.write(to: directory.appendingPathComponent("tokenizer_config.json"), atomically: true,
                             encoding: .utf8)
        }
        return directory
    }
}

extension XCTestCase {
    /// A temporary directory with the given files (name -> contents).
    func directory(_ files: [String: String]) throws -> URL {
        let url = try scratchDirectory("explain-tokenizer")
        for (name, text) in files {
            try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return url
    }

    /// Loads and expects `malformed` for `file` with a reason containing `reasonPart`.
    func assertMalformed(_ files: [String: String], file: String = "tokenizer.json", reason reasonPart: String,
                         line: UInt = #line) throws {
        let url = try directory(files)
        XCTAssertThrowsError(try Tokenizer.load(directory: url), line: line) { error in
            guard case TokenizerError.malformed(let path, let reason)? = error as? TokenizerError else {
                return XCTFail("expected malformed, got \(error)", line: line)
            }
            XCTAssertEqual(path, url.appendingPathComponent(file).path, line: line)
            XCTAssert(reason.contains(reasonPart), "reason \"\(reason)\" lacks \"\(reasonPart)\"", line: line)
            let description = (error as! TokenizerError).description
            XCTAssert(description.contains(file) && description.contains(reason), description, line: line)
        }
    }
}

struct Corpus: JSONRecord {
    var strings: [String]
    var expected: [Expected]
    var slowTokenizerDiffers: [SlowDifference]
    var truncated: [TruncationCase]
    var variantStrings: [String]
    var variants: [Variant]

    enum CodingKeys: String, CodingKey {
        case strings, expected, slowTokenizerDiffers = "slow_tokenizer_differs", truncated, variantStrings = "variant_strings", variants
    }

    struct Expected: JSONRecord {
        var ids: [Int]
        var tokens: [String]
        var offsets: [[Int]]
        var special: [Bool]
        var words: [Int?]
    }

    struct SlowDifference: JSONRecord {
        var index: Int
        var slowIDs: [Int]
        enum CodingKeys: String, CodingKey { case index, slowIDs = "slow_ids" }
    }

    struct TruncationCase: JSONRecord {
        var text: String
        var maxLength: Int
        var expected: Expected
        enum CodingKeys: String, CodingKey { case text, maxLength = "max_length", expected }
    }

    struct Variant: JSONRecord {
        var tokenizerConfig: [String: Bool]
        var expected: [Expected]
        enum CodingKeys: String, CodingKey { case tokenizerConfig = "tokenizer_config", expected }
    }
}

/// Swift's escaping of a string, which shows invisible characters.
func shown(_ text: String) -> String {
    text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? String($0) : "\\u{\(String($0.value, radix: 16))}" }
        .joined()
}

/// The differences between an encoding and HF's, field by field; empty when they agree.
func differences(_ encoding: Encoding, _ expected: Corpus.Expected) -> [String] {
    var found: [String] = []
    let tokens = encoding.tokens
    if tokens.map(\.id) != expected.ids { found.append("ids \(tokens.map(\.id)) != HF \(expected.ids)") }
    if tokens.map(\.text) != expected.tokens { found.append("tokens \(tokens.map(\.text)) != HF \(expected.tokens)") }
    // HF gives (0, 0) where we give nil (special tokens).
    let offsets = tokens.map { [$0.start ?? 0, $0.end ?? 0] }
    if offsets != expected.offsets { found.append("offsets \(offsets) != HF \(expected.offsets)") }
    if tokens.map(\.special) != expected.special { found.append("special \(tokens.map(\.special)) != HF \(expected.special)") }
    // HF numbers words by pre-tokenizer split, leaving a gap where a split got no token: so do we.
    if tokens.map(\.word) != expected.words {
        found.append("words \(tokens.map { $0.word.map(String.init) ?? "nil" }) != HF \(expected.words.map { $0.map(String.init) ?? "nil" })")
    }
    // (A pair's words are counted per sequence: PairParityTests checks them.)
    if encoding.pairWords.isEmpty && encoding.words.count != (expected.words.compactMap { $0 }.max() ?? -1) + 1 {
        found.append("\(encoding.words.count) words, HF's last word id is \(String(describing: expected.words.compactMap { $0 }.max()))")
    }
    for token in tokens where token.special && (token.start != nil || token.end != nil || token.word != nil) {
        found.append("special token \(token.text) has offsets or a word")
    }
    return found
}

/// Fails with the first few mismatching strings, each with what differs.
func assertParity(_ tokenizer: Tokenizer, strings: [String], expected: [Corpus.Expected], label: String,
                  file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(strings.count, expected.count, file: file, line: line)
    var failures: [String] = []
    for (text, want) in zip(strings, expected) {
        let diff = differences(tokenizer.encode(text), want)
        if !diff.isEmpty { failures.append("\"\(shown(text))\": " + diff.joined(separator: "; ")) }
    }
    XCTAssert(failures.isEmpty, "\(label): \(failures.count) of \(strings.count) strings differ from HF; first:\n"
              + failures.prefix(5).joined(separator: "\n"), file: file, line: line)
}
