import XCTest
import ExplainRecords
import ExplainTestSupport
@testable import ExplainTraining

/// Bad datasets and bad command lines get errors that say what and where.
final class InputErrorTests: XCTestCase {
    func temporaryFile(_ content: String) throws -> URL {
        let url = try scratchDirectory("explaind-data").appendingPathComponent("data.jsonl")
        try content.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func testDatasetLinesAreRead() throws {
        let url = try temporaryFile("{\"text\": \"INEC extends voter registration\", \"label\": \"political\"}\n\n{\"text\": \"Rain in Lagos\", \"label\": \"general\"}\n")
        XCTAssertEqual(try LabelledText.read(url), [LabelledText(text: "INEC extends voter registration", label: "political", line: 1),
                                                    LabelledText(text: "Rain in Lagos", label: "general", line: 3)])
    }

    /// Every bad record is named by its line, in corpus's words, and nothing is read; a file without any label
    /// says which field it looked for.
    func testBadRecordsAreAllNamedByLine() throws {
        let url = try temporaryFile("{\"text\": \"fine\", \"label\": \"general\"}\n{\"text\": \"no label\"}\n{not json\n{\"text\": \"\", \"label\": \"general\"}\n"
            + "{\"text\": \"empty label\", \"label\": \"\"}\n")
        XCTAssertThrowsError(try LabelledText.read(url)) { error in
            guard case .badRecords(let file, let records)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, url.path)
            XCTAssertEqual(records.map(\.line), [2, 3, 4, 5])
            XCTAssertEqual(records[0].reason, "no gold label (\"label\")")
            XCTAssertTrue(records[1].reason.hasPrefix("invalid JSON"), records[1].reason)
            XCTAssertEqual(records[2].reason, "empty text")
            XCTAssertTrue("\(error)".hasPrefix("4 bad records (training takes every record or none):\n\(url.path):2: no gold label (\"label\")\n"), "\(error)")
        }
        let many = try temporaryFile((1...12).map { _ in "{\"text\": 3, \"label\": \"general\"}" }.joined(separator: "\n"))
        XCTAssertThrowsError(try LabelledText.read(many)) { error in
            XCTAssertTrue("\(error)".hasSuffix("\(many.path):10: \"text\" is number, not a string\n… and 2 more"), "\(error)")
        }
        XCTAssertThrowsError(try LabelledText.read(url, labelField: "gold")) { error in
            XCTAssertEqual(error as? TrainingError, .malformedFile(file: url.path, reason: "no record has a gold label \"gold\" (name its field with --label-field)"))
        }
        XCTAssertThrowsError(try LabelledText.read(url, format: .text)) { error in
            XCTAssertTrue("\(error)".contains("plain text has no gold labels"), "\(error)")
        }
        XCTAssertThrowsError(try LabelledText.read(URL(fileURLWithPath: "/nonexistent/train.jsonl"))) { error in
            XCTAssertEqual(error as? TrainingError, .missingFile("/nonexistent/train.jsonl"))
        }
    }

    func testTrainArguments() throws {
        let command = try TrainingCommandLine.parseTrain(["--data", "Data/x", "--out=Models/y", "--epochs", "3", "--lr", "3e-4",
                                                          "--seed", "42", "--batch-size", "16", "--weight-decay", "0"])
        XCTAssertEqual(command.data.path, URL(fileURLWithPath: "Data/x").path)
        XCTAssertEqual(command.out.path, URL(fileURLWithPath: "Models/y").path)
        XCTAssertEqual(command.settings, .init(epochs: 3, learningRate: 3e-4, weightDecay: 0, batchSize: 16, seed: 42))

        func refused(_ arguments: [String], _ message: String) {
            XCTAssertThrowsError(try TrainingCommandLine.parseTrain(arguments)) { error in
                XCTAssertEqual(error as? TrainingError, .invalidArgument(message))
            }
        }
        refused(["--out", "o"], "--data DIR is required (see explaind train --help)")
        refused(["--data", "d"], "--out DIR is required (see explaind train --help)")
        refused(["--data", "d", "--out", "o", "--epochs", "0"], "--epochs needs a positive integer, got \"0\"")
        refused(["--data", "d", "--out", "o", "--lr", "-1"], "--lr needs a positive number, got \"-1\"")
        refused(["--data", "d", "--out", "o", "--lr"], "--lr needs a value")
        refused(["--data", "d", "--out", "o", "--frobnicate"], "unknown argument \"--frobnicate\" (see explaind train --help)")
    }

    func testOtherCommandLinesAreLeftToTheDaemon() {
        XCTAssertNil(TrainingCommandLine.run([]))
        XCTAssertNil(TrainingCommandLine.run(["--model", "x"]))
        XCTAssertEqual(TrainingCommandLine.run(["train", "--epochs", "x"]), 2)
        XCTAssertEqual(TrainingCommandLine.run(["setup", "extra"]), 2)
    }
}
