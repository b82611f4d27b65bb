import XCTest
@testable import ExplainCorpus

/// `explaind corpus`'s flags into its options.
final class CorpusCommandLineTests: XCTestCase {
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
