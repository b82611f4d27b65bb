import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON
@testable import ExplainCorpus

/// Every input format read into records: ids, texts and gold labels, bad records with their line numbers.
final class InputFormatTests: XCTestCase {
    func read(_ content: String, _ format: InputFormat, text: String = "text", id: String = "id", label: String = "label") throws -> [CorpusInput.Item] {
        let file = try scratchDirectory("corpus").appendingPathComponent("input")
        try content.write(to: file, atomically: true, encoding: .utf8)
        return try CorpusInput.read(path: file.path, format: format, textField: text, idField: id, labelField: label)
    }

    func good(_ items: [CorpusInput.Item]) -> [CorpusRecord] { items.compactMap { try? $0.get() } }
    func bad(_ items: [CorpusInput.Item]) -> [BadRecord] { items.compactMap { if case .failure(let b) = $0 { return b }; return nil } }

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
            CorpusRecord(line: 1, id: .string("a"), text: "first text", gold: "political"),
            CorpusRecord(line: 2, id: .integer(2), text: "no id or label", gold: nil),
            CorpusRecord(line: 4, id: .integer(7), text: "numeric id", gold: nil),
            CorpusRecord(line: 11, id: .integer(11), text: "last", gold: "general"),
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
            CorpusRecord(line: 2, id: .string("1"), text: "commas, inside", gold: "political"),
            CorpusRecord(line: 3, id: .string("2"), text: "a \"quoted\" word", gold: "general"),
            CorpusRecord(line: 4, id: .string("3"), text: "two\nlines", gold: nil),
            CorpusRecord(line: 6, id: .string("4"), text: "plain text", gold: "general"),
        ])
        XCTAssertEqual(bad(items).map(\.line), [7, 8, 9, 10, 11])
        XCTAssertEqual(bad(items).map(\.reason), [
            "malformed row: a quote inside an unquoted field", "malformed row: text after a closing quote",
            "4 fields where the header has 3", "empty text", "malformed row: a quoted field is never closed"])
    }

    func testTSVAndMissingColumn() throws {
        let items = try read("text\tlabel\nhello there\tgeneral\n\"tab\tinside\"\tpolitical\n", .tsv)
        XCTAssertEqual(good(items), [
            CorpusRecord(line: 2, id: .integer(2), text: "hello there", gold: "general"),
            CorpusRecord(line: 3, id: .integer(3), text: "tab\tinside", gold: "political"),
        ])
        XCTAssertThrowsError(try read("body\tlabel\nx\ty\n", .tsv)) { error in
            XCTAssertTrue("\(error)".contains("no \"text\" column"), "\(error)")
        }
    }

    func testPlainTextLineNumbersAreIds() throws {
        let items = try read("first line\r\n\n  \nfourth line\n", .text)
        XCTAssertEqual(good(items), [
            CorpusRecord(line: 1, id: .integer(1), text: "first line", gold: nil),
            CorpusRecord(line: 4, id: .integer(4), text: "fourth line", gold: nil),
        ])
        XCTAssertEqual(InputFormat.guess(path: "a/B.JSONL"), .jsonl)
        XCTAssertEqual(InputFormat.guess(path: "x.csv"), .csv)
        XCTAssertEqual(InputFormat.guess(path: "x.tab"), .tsv)
        XCTAssertEqual(InputFormat.guess(path: "x.txt"), .text)
    }

    func testSetSplitsRequestFieldsFromMethodOptions() throws {
        guard case .run(let options) = try CorpusCommandLine.parse([
            "--in", "a.jsonl", "--out", "b.jsonl", "--method", "integratedGradients", "--set", "steps=8",
            "--set", "normalize=max", "--set", "baseline=pad", "--batch=4", "--long", "truncate"]) else {
            return XCTFail("not a run")
        }
        XCTAssertEqual(options.request.method, "integratedGradients")
        XCTAssertEqual(options.request.scoring.normalize, "max")
        XCTAssertEqual(options.request.scoring.granularity, "word")
        XCTAssertEqual(options.request.options, ["steps": .integer(8), "baseline": .string("pad")])
        XCTAssertEqual(options.batch, 4)
        XCTAssertEqual(options.long, .truncate)
        XCTAssertThrowsError(try CorpusCommandLine.parse(["--in", "a", "--out", "b", "--set", "granularity=7"]))
        XCTAssertThrowsError(try CorpusCommandLine.parse(["--in", "a"]))
        guard case .merge(let inputs, let output, _) = try CorpusCommandLine.parse(["merge", "a.json", "b.json", "--aggregate", "c.json"]) else {
            return XCTFail("not a merge")
        }
        XCTAssertEqual(inputs, ["a.json", "b.json"])
        XCTAssertEqual(output, "c.json")
    }
}
