import XCTest
@testable import ExplainJSON

/// The hostile inputs every file explaind reads may carry (config.json, tokenizer.json, safetensors headers,
/// training data, protocol messages): each is a clear error at a byte offset, or parsed exactly.
final class HostileJSONTests: XCTestCase {
    func assertFails(_ text: String, _ reason: JSONParseError.Reason, at offset: Int,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(text), file: file, line: line) { error in
            XCTAssertEqual(error as? JSONParseError, JSONParseError(offset: offset, reason: reason), text, file: file, line: line)
        }
    }

    func testDuplicateKeysAreRejectedAtTheSecondKey() {
        assertFails(#"{"a":1,"b":2,"a":3}"#, .duplicateKey("a"), at: 13)
        assertFails(#"{"x":{"a":1},"x":{"a":1}}"#, .duplicateKey("x"), at: 13)
        // The same key written with an escape is the same bytes once decoded.
        assertFails(#"{"a":1,"\u0061":2}"#, .duplicateKey("a"), at: 7)
        // Nested objects each have their own keys.
        XCTAssertNoThrow(try JSONParser.parse(#"{"a":{"a":{"a":1}},"b":{"a":2}}"#))
    }

    func testDuplicateKeyInAWideObject() throws {
        // Past the linear-search width the parser checks keys through a byte index: same answer, same offset.
        var text = "{" + (0..<1000).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let offset = text.utf8.count + 1
        text += ",\"k500\":0}"
        assertFails(text, .duplicateKey("k500"), at: offset)
    }

    func testCanonicallyEquivalentKeysStayApart() throws {
        let composed = "\u{E9}"          // é as one scalar
        let decomposed = "e\u{301}"      // e + combining acute: == composed for Swift's String
        XCTAssertEqual(composed, decomposed, "the premise: String == is canonical equivalence")
        let text = "{\"\(composed)\":1,\"\(decomposed)\":2,\"caf\\u00e9\":3,\"cafe\\u0301\":4}"
        let value = try JSONParser.parse(text)
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(object.count, 4)
        XCTAssertEqual(object[composed], 1)
        XCTAssertEqual(object[decomposed], 2)
        XCTAssertEqual(object["caf\u{E9}"], 3)
        XCTAssertEqual(object["cafe\u{301}"], 4)
        XCTAssertEqual(object.keys.map { Array($0.utf8) },
                       [[0xC3, 0xA9], [0x65, 0xCC, 0x81], Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8)],
                       "members keep document order and their exact bytes")
        // Both survive a round trip through the serializer.
        XCTAssertEqual(try JSONParser.parse(JSONSerializer.serialize(value)), value)
        // The same in a wide object (hash index rather than linear search).
        let wide = "{" + (0..<100).map { "\"w\($0)\":0," }.joined() + "\"\(composed)\":1,\"\(decomposed)\":2}"
        let wideObject = try XCTUnwrap(JSONParser.parse(wide).objectValue)
        XCTAssertEqual(wideObject.count, 102)
        XCTAssertEqual(wideObject[composed], 1)
        XCTAssertEqual(wideObject[decomposed], 2)
    }

    func testObjectsBuiltInCodeKeepKeysByBytes() {
        var object: JSONObject = ["b": 1]
        object["e\u{301}"] = 2
        object["\u{E9}"] = 3
        XCTAssertEqual(object.count, 3)
        XCTAssertEqual(object["e\u{301}"], 2)
        object["b"] = nil
        XCTAssertEqual(object.keys, ["e\u{301}", "\u{E9}"])
        XCTAssertEqual(object, ["\u{E9}": 3, "e\u{301}": 2], "equality ignores order, not bytes")
        XCTAssertNotEqual(object, ["\u{E9}": 2, "e\u{301}": 3])
    }

    func testNaNAndInfinityLiteralsAreRejected() {
        assertFails("NaN", .unexpectedByte(UInt8(ascii: "N")), at: 0)
        assertFails("[1,NaN]", .unexpectedByte(UInt8(ascii: "N")), at: 3)
        assertFails(#"{"x":Infinity}"#, .unexpectedByte(UInt8(ascii: "I")), at: 5)
        assertFails("-Infinity", .invalidNumber, at: 0)
        assertFails("[nan]", .unexpectedByte(UInt8(ascii: "a")), at: 2)
        assertFails("+1", .unexpectedByte(UInt8(ascii: "+")), at: 0)
    }

    func testNumbersThatOverflowAreRejected() throws {
        assertFails("1e400", .invalidNumber, at: 0)
        assertFails("[0, -1.5e309]", .invalidNumber, at: 4)
        assertFails("1" + String(repeating: "0", count: 400), .invalidNumber, at: 0)
        // Integers past Int stay numbers (as Double), in range: no silent wrap-around.
        XCTAssertEqual(try JSONParser.parse("18446744073709551616"), .number(18446744073709551616))
        XCTAssertEqual(try JSONParser.parse("-9223372036854775808"), .integer(Int.min))
        XCTAssertEqual(try JSONParser.parse("-9223372036854775809"), .number(-9223372036854775809))
        XCTAssertNil(try JSONParser.parse("1e300").intValue)
        // Underflow reads as zero, as every JSON reader does.
        XCTAssertEqual(try JSONParser.parse("1e-400"), .number(0))
    }

    func testDeepNestingOfObjectsAndArrays() {
        let limit = JSONParser.defaultMaxDepth
        let mixed = String(repeating: "[{\"a\":", count: 1000)
        assertFails(mixed, .tooDeep(limit: limit), at: limit / 2 * 6)
        XCTAssertNoThrow(try JSONParser.parse(String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000),
                                             maxDepth: 1000))
    }

    func testInvalidUTF8InKeysAndStrings() {
        assertFails([UInt8](#"{"a"#.utf8) + [0xFF] + [UInt8](#"":1}"#.utf8), .invalidUTF8, at: 3)
        assertFails([UInt8](#"["ok",""#.utf8) + [0xC3] + [UInt8](#""]"#.utf8), .invalidUTF8, at: 7)
        // Outside strings any byte past ASCII is simply unexpected.
        assertFails([0xEF, 0xBB, 0xBF] + [UInt8]("{}".utf8), .unexpectedByte(0xEF), at: 0)
    }

    func assertFails(_ bytes: [UInt8], _ reason: JSONParseError.Reason, at offset: Int,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(bytes), file: file, line: line) { error in
            XCTAssertEqual(error as? JSONParseError, JSONParseError(offset: offset, reason: reason), file: file, line: line)
        }
    }

    /// 200 000 elements and 50 000 keys: quadratic appends would take minutes here (the old parser took 24 s for
    /// 80 000); this checks the structure, and explaind-bench measures the speed.
    func testWideArraysAndObjectsParseWhole() throws {
        let count = 200_000
        let array = try JSONParser.parse("[" + (0..<count).map(String.init).joined(separator: ",") + "]")
        let items = try XCTUnwrap(array.arrayValue)
        XCTAssertEqual(items.count, count)
        XCTAssertEqual(items.first, 0)
        XCTAssertEqual(items.last, .integer(count - 1))
        XCTAssertEqual(items[12345], 12345)

        let keys = 50_000
        let object = try JSONParser.parse("{" + (0..<keys).map { "\"t\($0)\":[\($0),\"x\"]" }.joined(separator: ",") + "}")
        let members = try XCTUnwrap(object.objectValue)
        XCTAssertEqual(members.count, keys)
        XCTAssertEqual(members["t49999"], [49999, "x"])
        XCTAssertEqual(members.keys[777], "t777")
    }

    func testParsesDataInPlaceFromAnySliceOfBytes() throws {
        let bytes = Array("xx[1,2]yy".utf8)
        XCTAssertEqual(try JSONParser.parse(bytes[2..<7]), [1, 2])
    }
}
