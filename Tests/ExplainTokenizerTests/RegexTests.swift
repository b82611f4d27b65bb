@testable import ExplainTokenizer
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// The regex engine's syntax and its bound on backtracking.
final class RegexTests: XCTestCase {
    func split(_ pattern: String, _ text: String, behavior: String = "Isolated", invert: Bool = false) throws -> [String] {
        let json = #"{"pre_tokenizer": {"type": "Split", "pattern": {"Regex": \#(JSONSerializer.string(.string(pattern)))}, "behavior": "\#(behavior)", "invert": \#(invert)}, "model": {"type": "WordPiece", "vocab": {"[UNK]": 0}}}"#
        let url = try scratchDirectory("explain-regex")
        try json.write(to: url.appendingPathComponent("tokenizer.json"), atomically: true, encoding: .utf8)
        return try Tokenizer.load(directory: url).encode(text).words.map(\.text)
    }

    func testSyntax() throws {
        XCTAssertEqual(try split(#"\s+"#, "a  b\tc"), ["a", "  ", "b", "\t", "c"])
        XCTAssertEqual(try split(#"\p{N}+"#, "ab12cd٣"), ["ab", "12", "cd", "٣"])
        XCTAssertEqual(try split(#"(?i:hello)"#, "xHeLLoy"), ["x", "HeLLo", "y"])
        XCTAssertEqual(try split(#"a{2,3}"#, "aaaaa"), ["aaa", "aa"])
        XCTAssertEqual(try split(#"a+?"#, "aa"), ["a", "a"])
        XCTAssertEqual(try split(#"\s+(?!\S)"#, "a   b"), ["a", "  ", " b"])
        XCTAssertEqual(try split(#"(?<=a)b"#, "abcb"), ["a", "b", "cb"])
        XCTAssertEqual(try split(#"[^a-c\d]+"#, "abxy12z"), ["ab", "xy", "12", "z"])
        XCTAssertEqual(try split(#"\bis\b"#, "this is"), ["this ", "is"])
        XCTAssertEqual(try split(#"x"#, "axbxc", behavior: "Removed"), ["a", "b", "c"])
        XCTAssertEqual(try split(#"x"#, "axbxc", behavior: "MergedWithPrevious"), ["ax", "bx", "c"])
        XCTAssertEqual(try split(#"x"#, "axbxc", behavior: "MergedWithNext"), ["a", "xb", "xc"])
        XCTAssertEqual(try split(#"x"#, "axxb", behavior: "Contiguous"), ["a", "xx", "b"])
        XCTAssertEqual(try split(#"\w+"#, "hi, you", behavior: "Removed", invert: true), ["hi", "you"])
    }

    /// Catastrophic backtracking stops at the retry limit (Oniguruma's, 10 million steps, by default) instead of
    /// hanging: no match, the text stays whole.
    func testBacktrackingIsBounded() throws {
        let text = Array(String(repeating: "a", count: 60).unicodeScalars)
        XCTAssertEqual(try Regex(#"(a|aa)+b"#, backtrackLimit: 20_000).matches(in: text), [])
        XCTAssertEqual(try Regex(#"(a|aa)+b"#, backtrackLimit: 20_000).matches(in: text + ["b"]), [0..<61])
        XCTAssertEqual(try Regex(#"(a|aa)+b"#).matches(in: Array("aaab".unicodeScalars)), [0..<4])
    }
}
