import XCTest
@testable import ExplainJSON

final class JSONParserTests: XCTestCase {
    func parse(_ bytes: [UInt8]) throws -> JSONValue { try JSONParser.parse(bytes) }

    func assertFails(_ text: String, _ reason: JSONParseError.Reason, at offset: Int,
                     file: StaticString = #filePath, line: UInt = #line) {
        assertFails(Array(text.utf8), reason, at: offset, file: file, line: line)
    }

    func assertFails(_ bytes: [UInt8], _ reason: JSONParseError.Reason, at offset: Int,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try parse(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? JSONParseError, JSONParseError(offset: offset, reason: reason),
                           "input \(bytes)", file: file, line: line)
        }
    }

    func testValues() throws {
        XCTAssertEqual(try JSONParser.parse(" {\"a\": [1, -2.5, 3e2, true, false, null, \"x\"], \"b\": {}} "),
                       ["a": [1, .number(-2.5), .number(300), true, false, nil, "x"], "b": .object([:])])
        XCTAssertEqual(try JSONParser.parse("0"), .integer(0))
        XCTAssertEqual(try JSONParser.parse("-0.0"), .number(-0.0))
        XCTAssertEqual(try JSONParser.parse("9223372036854775807"), .integer(Int.max))
        XCTAssertEqual(try JSONParser.parse("92233720368547758070"), .number(92233720368547758080))
        XCTAssertEqual(try JSONParser.parse("[[],[[]]]"), [[], [[]]])
    }

    func testStringEscapesAndUnicode() throws {
        XCTAssertEqual(try JSONParser.parse(#""a\"\\\/\b\f\n\r\t\u00e9\u20AC""#), .string("a\"\\/\u{8}\u{c}\n\r\té€"))
        XCTAssertEqual(try JSONParser.parse(#""\ud83d\ude00 ok""#), .string("😀 ok"))
        XCTAssertEqual(try JSONParser.parse("\"naïve 東京 😀\""), .string("naïve 東京 😀"))
    }

    func testSyntaxErrors() {
        assertFails("", .empty, at: 0)
        assertFails("   ", .empty, at: 3)
        assertFails("{", .unexpectedEnd, at: 1)
        assertFails("[1,]", .unexpectedByte(UInt8(ascii: "]")), at: 3)
        assertFails("[1 2]", .unexpectedByte(UInt8(ascii: "2")), at: 3)
        assertFails("{\"a\" 1}", .unexpectedByte(UInt8(ascii: "1")), at: 5)
        assertFails("{1:2}", .unexpectedByte(UInt8(ascii: "1")), at: 1)
        assertFails("tru", .unexpectedEnd, at: 3)
        assertFails("nul!", .unexpectedByte(UInt8(ascii: "!")), at: 3)
        assertFails("01", .trailingData, at: 1)
        assertFails("1.", .invalidNumber, at: 0)
        assertFails("-", .unexpectedEnd, at: 1)
        assertFails("1e", .invalidNumber, at: 0)
        assertFails("1e999", .invalidNumber, at: 0)
        assertFails("{} {}", .trailingData, at: 3)
        assertFails("\"abc", .unexpectedEnd, at: 4)
        assertFails("\"a\u{1}b\"", .controlCharacterInString, at: 2)
        assertFails(#""\x""#, .invalidEscape, at: 1)
        assertFails(#""\u12G4""#, .invalidEscape, at: 5)
        assertFails(#"{"a":1,"a":2}"#, .duplicateKey("a"), at: 7)
        assertFails("'a'", .unexpectedByte(UInt8(ascii: "'")), at: 0)
    }

    func testInvalidUTF8() {
        let q = UInt8(ascii: "\"")
        assertFails([q, 0xC0, 0xAF, q], .invalidUTF8, at: 1)        // overlong '/'
        assertFails([q, 0xE0, 0x80, 0xAF, q], .invalidUTF8, at: 1)  // overlong 3-byte
        assertFails([q, 0xED, 0xA0, 0x80, q], .invalidUTF8, at: 1)  // U+D800 encoded directly
        assertFails([q, 0xF4, 0x90, 0x80, 0x80, q], .invalidUTF8, at: 1)  // past U+10FFFF
        assertFails([q, 0x61, 0x80, q], .invalidUTF8, at: 2)        // stray continuation byte
        assertFails([q, 0xE2, 0x82, q], .invalidUTF8, at: 1)        // truncated sequence
        assertFails([q, 0xFF, q], .invalidUTF8, at: 1)
        assertFails([q, 0xE2, 0x82], .invalidUTF8, at: 1)           // truncated at the end of input
        XCTAssertEqual(try parse([q, 0xF0, 0x9F, 0x98, 0x80, q]), .string("😀"))
    }

    func testLoneSurrogates() {
        assertFails(#""\ud800""#, .loneSurrogate, at: 1)
        assertFails(#""\udc00""#, .loneSurrogate, at: 1)
        assertFails(#""x\ud800\u0041""#, .loneSurrogate, at: 2)
        assertFails(#""\ud800\ud800""#, .loneSurrogate, at: 1)
    }

    func testDepthLimitWithoutStackOverflow() throws {
        let limit = JSONParser.defaultMaxDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        XCTAssertNoThrow(try JSONParser.parse(deepest))
        assertFails(String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1),
                    .tooDeep(limit: limit), at: limit)
        assertFails(String(repeating: "[", count: 100_000), .tooDeep(limit: limit), at: limit)
        assertFails(String(repeating: "{\"a\":", count: 100_000), .tooDeep(limit: limit), at: limit * 5)
        XCTAssertThrowsError(try JSONParser.parse("[[1]]", maxDepth: 1))
    }

    func testSerializerRoundTrip() throws {
        let value: JSONValue = ["s": "quote\" back\\ nl\n tab\t ctl\u{1} del\u{7f} é😀", "i": -7, "d": .number(0.125),
                                "a": [nil, true, false, [:]], "big": .number(1e300)]
        let text = JSONSerializer.string(value)
        XCTAssertFalse(text.contains("\n"), "one message per line in ndjson")
        XCTAssertEqual(try JSONParser.parse(text), value)
        XCTAssertEqual(JSONSerializer.string(["b": 1, "a": 2]), #"{"a":2,"b":1}"#)
        XCTAssertEqual(JSONSerializer.string(.string("\u{1}")), #""\u0001""#)
    }

    func testFloatsAreShortest() {
        XCTAssertEqual(JSONSerializer.string(JSONValue(Float(0.3))), "0.3")
        XCTAssertEqual(JSONSerializer.string(JSONValue(Float(1))), "1")
        XCTAssertEqual(JSONSerializer.string(JSONValue(Float.nan)), "null")
        XCTAssertEqual(JSONSerializer.string(JSONValue(-Float.infinity)), "null")
        XCTAssertEqual(JSONSerializer.string(JSONValue(Float(1e-7))), "1e-07")
    }

    /// A config.json written back keeps 2.0 a float (transformers checks the type of ModernBERT's
    /// initializer_cutoff_factor and rope thetas), and integers integers.
    func testKeepingFractionsWritesIntegralFloatsAsPython() throws {
        let config = try JSONParser.parse(#"{"factor": 2.0, "theta": 160000.0, "layers": 4, "eps": 1e-05, "list": [1.0, 2]}"#)
        XCTAssertEqual(String(decoding: JSONSerializer.serialize(config, keepingFractions: true), as: UTF8.self),
                       #"{"eps":1e-05,"factor":2.0,"layers":4,"list":[1.0,2],"theta":160000.0}"#)
        XCTAssertEqual(JSONSerializer.string(config), #"{"eps":1e-05,"factor":2,"layers":4,"list":[1,2],"theta":160000}"#)
    }
}
