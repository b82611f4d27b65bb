import XCTest
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
        XCTAssertEqual(try LabelledText.read(jsonl: url), [LabelledText(text: "INEC extends voter registration", label: "political"),
                                                          LabelledText(text: "Rain in Lagos", label: "general")])
    }

    func testMalformedDatasetLineNamesTheLine() throws {
        let url = try temporaryFile("{\"text\": \"fine\", \"label\": \"general\"}\n{\"text\": \"no label\"}\n")
        XCTAssertThrowsError(try LabelledText.read(jsonl: url)) { error in
            XCTAssertEqual(error as? TrainingError, .malformedData(file: url.path, line: 2, reason: "missing string \"label\""))
            XCTAssertEqual("\(error)", "\(url.path):2: missing string \"label\"")
        }
        let broken = try temporaryFile("{\"text\": \"fine\", \"label\": \"general\"}\n{not json\n")
        XCTAssertThrowsError(try LabelledText.read(jsonl: broken)) { error in
            XCTAssertEqual(error as? TrainingError, .malformedData(file: broken.path, line: 2, reason: "not a JSON object"))
        }
        XCTAssertThrowsError(try LabelledText.read(jsonl: URL(fileURLWithPath: "/nonexistent/train.jsonl"))) { error in
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
