import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON
@testable import ExplainRecords

/// Every input format read into records (as `explaind corpus` and `explaind adapt` read them): ids, texts and
/// gold labels, bad records with their line numbers.
final class RecordFileTests: XCTestCase {
    func scratchFile() throws -> URL { try scratchDirectory("records").appendingPathComponent("input") }

    func read(_ content: String, _ format: InputFormat, text: String = "text", id: String = "id", label: String = "label") throws -> [RecordFile.Item] {
        let file = try scratchFile()
        try content.write(to: file, atomically: true, encoding: .utf8)
        return try RecordFile.read(path: file.path, format: format, textField: text, idField: id, labelField: label)
    }

    func good(_ items: [RecordFile.Item]) -> [TextRecord] { items.compactMap { try? $0.get() } }
    func bad(_ items: [RecordFile.Item]) -> [BadRecord] { items.compactMap { if case .failure(let b) = $0 { return b }; return nil } }

    func testJSONLinesWithIdsLabelsAndBadRecords() throws {
        let items = try read("""
            {"text": "first text", "id": "a", "label": "political"}
            {"text": "no id or label"}

            {"text": "numeric id", "id": 7}
            {"text": 12}
            {"body": "wrong field"}
            {"text": "broken
            ["not", "an object"]
            {"text": "   "}
            {"text": "label not a string", "label": 3}
            {"text": "last", "id": null, "label": "general"}
            """, .jsonl)
        XCTAssertEqual(good(items), [
            TextRecord(line: 1, id: .string("a"), text: "first text", gold: "political"),
            TextRecord(line: 2, id: .integer(2), text: "no id or label", gold: nil),
            TextRecord(line: 4, id: .integer(7), text: "numeric id", gold: nil),
            TextRecord(line: 11, id: .integer(11), text: "last", gold: "general"),
        ])
        let problems = bad(items)
        XCTAssertEqual(problems.map(\.line), [5, 6, 7, 8, 9, 10])
        XCTAssertEqual(problems[0].reason, "\"text\" is number, not a string")
        XCTAssertEqual(problems[1].reason, "no \"text\" field")
        XCTAssertTrue(problems[2].reason.hasPrefix("invalid JSON"), problems[2].reason)
        XCTAssertEqual(problems[3].reason, "expected a JSON object, got array")
        XCTAssertEqual(problems[4].reason, "empty text")
        XCTAssertEqual(problems[5].reason, "\"label\" is number, not a string")
    }

    func testCSVQuotingAsRFC4180() throws {
        let items = try read("\u{FEFF}id,tweet,label\r\n"
            + "1,\"commas, inside\",political\r\n"
            + "2,\"a \"\"quoted\"\" word\",general\r\n"
            + "3,\"two\nlines\",\r\n"
            + "4,plain text,general\n"
            + "5,bad \"quote,general\n"
            + "6,\"closed\" tail,general\n"
            + "7,too,many,fields\n"
            + "8,,general\n"
            + "9,\"unclosed,general\n", .csv, text: "tweet")
        XCTAssertEqual(good(items), [
            TextRecord(line: 2, id: .string("1"), text: "commas, inside", gold: "political"),
            TextRecord(line: 3, id: .string("2"), text: "a \"quoted\" word", gold: "general"),
            TextRecord(line: 4, id: .string("3"), text: "two\nlines", gold: nil),
            TextRecord(line: 6, id: .string("4"), text: "plain text", gold: "general"),
        ])
        XCTAssertEqual(bad(items).map(\.line), [7, 8, 9, 10, 11])
        XCTAssertEqual(bad(items).map(\.reason), [
            "malformed row: a quote inside an unquoted field", "malformed row: text after a closing quote",
            "4 fields where the header has 3", "empty text", "malformed row: a quoted field is never closed"])
    }

    func testTSVAndMissingColumn() throws {
        let items = try read("text\tlabel\nhello there\tgeneral\n\"tab\tinside\"\tpolitical\n", .tsv)
        XCTAssertEqual(good(items), [
            TextRecord(line: 2, id: .integer(2), text: "hello there", gold: "general"),
            TextRecord(line: 3, id: .integer(3), text: "tab\tinside", gold: "political"),
        ])
        XCTAssertThrowsError(try read("body\tlabel\nx\ty\n", .tsv)) { error in
            XCTAssertTrue("\(error)".contains("no \"text\" column"), "\(error)")
        }
    }

    func testPlainTextLineNumbersAreIds() throws {
        let items = try read("first line\r\n\n  \nfourth line\n", .text)
        XCTAssertEqual(good(items), [
            TextRecord(line: 1, id: .integer(1), text: "first line", gold: nil),
            TextRecord(line: 4, id: .integer(4), text: "fourth line", gold: nil),
        ])
        XCTAssertEqual(InputFormat.guess(path: "a/B.JSONL"), .jsonl)
        XCTAssertEqual(InputFormat.guess(path: "x.csv"), .csv)
        XCTAssertEqual(InputFormat.guess(path: "x.tab"), .tsv)
        XCTAssertEqual(InputFormat.guess(path: "x.txt"), .text)
    }
}
