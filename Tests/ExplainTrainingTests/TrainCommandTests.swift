import XCTest
import ExplainJSON
import ExplainTestSupport
import ExplainModel
@testable import ExplainTraining

/// `explaind train` end to end on a tiny random encoder (a test fixture) and a small dataset, and the committed
/// default head's consistency with its fixture.
final class TrainCommandTests: XCTestCase {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let repository = tests.deletingLastPathComponent()

    func testTrainWritesAHeadThatTheAssembledModelApplies() throws {
        let root = try scratchDirectory("explaind-train")
        let data = root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let political = ["election results announced", "the senate passed the budget", "voters elect a governor",
                         "party primaries begin", "parliament debates the bill", "campaign rally in the capital"]
        let general = ["football match tonight", "recipe for jollof rice", "sunny weather this weekend",
                       "new phone released", "the cat sleeps all day", "concert tickets sold out"]
        func lines(_ texts: [String], _ label: String) -> [String] {
            texts.map { JSONSerializer.string(["text": .string($0), "label": .string(label)]) }
        }
        try (lines(political, "political") + lines(general, "general")).joined(separator: "\n").write(to: data.appendingPathComponent("train.jsonl"), atomically: true, encoding: .utf8)
        try (lines(["the minister resigned"], "political") + lines(["rain expected tomorrow"], "general")).joined(separator: "\n")
            .write(to: data.appendingPathComponent("heldout.jsonl"), atomically: true, encoding: .utf8)

        let out = root.appendingPathComponent("head"), assembled = root.appendingPathComponent("model")
        var said: [String] = []
        let command = TrainCommand(data: data, out: out, encoder: ModelAssemblyTests.fixture, assemble: assembled,
                                   settings: .init(epochs: 60, learningRate: 3e-2, weightDecay: 0.01, batchSize: 4, seed: 6),
                                   commandLine: "explaind train (test)")
        let checkpoint = try command.run(say: { said.append($0) }, log: { _ in })

        XCTAssertEqual(said.filter { $0.hasPrefix("epoch ") }.count, 60)
        XCTAssertTrue(said.contains { $0.hasPrefix("held-out accuracy ") }, "\(said)")
        let record = try XCTUnwrap(checkpoint.description.training)
        XCTAssertEqual(record.lossPerEpoch.count, 60)
        XCTAssertLessThan(record.lossPerEpoch.last!, record.lossPerEpoch.first!)
        // The fixture encoder is random and tiny, so some [CLS] states nearly coincide; well above chance is what it allows.
        XCTAssertGreaterThanOrEqual(record.trainAccuracy, 0.75)
        XCTAssertEqual(checkpoint.description.labels, ["general", "political"])

        // What was written reads back identically, and the assembled model predicts what the trainer measured.
        let reread = try HeadCheckpoint.read(from: out)
        XCTAssertEqual(reread.head, checkpoint.head)
        XCTAssertEqual(reread.description, checkpoint.description)
        let model = try ClassifierModel.load(directory: assembled)
        XCTAssertEqual(model.config.labels, ["general", "political"])
        let logits = model.logits(ModelInput(ids: (political + general).map { model.tokenizer.encode($0).ids }))
        let predicted = logits.map { $0[1] > $0[0] ? "political" : "general" }
        let expected = Array(repeating: "political", count: political.count) + Array(repeating: "general", count: general.count)
        let correct = zip(predicted, expected).filter { $0 == $1 }.count
        XCTAssertEqual(Double(correct) / Double(expected.count), record.trainAccuracy, "the assembled model must reproduce the trainer's accuracy")
    }

    /// Models/default-head is complete, belongs to the pinned encoder, records ≥ 90% held-out accuracy, and
    /// is the head the PyTorch logits fixture was computed with.
    func testCommittedDefaultHeadIsConsistent() throws {
        let directory = Self.repository.appendingPathComponent("Models/default-head")
        let checkpoint = try HeadCheckpoint.read(from: directory)
        XCTAssertEqual(checkpoint.description.encoder, EncoderPackage.minilm.reference)
        XCTAssertEqual(checkpoint.description.labels, ["general", "political"])
        XCTAssertEqual(checkpoint.head.hiddenSize, 384)
        let training = try XCTUnwrap(checkpoint.description.training)
        XCTAssertGreaterThanOrEqual(training.heldoutAccuracy, 0.9)
        XCTAssertGreaterThanOrEqual(training.heldoutExamples, 200)
        let fixture = try JSONFile.read(DefaultModelTests.fixture)
        XCTAssertEqual(fixture["head_sha256"]?.stringValue, try SHA256.hex(ofFile: directory.appendingPathComponent(HeadCheckpoint.weightsFile)),
                       "regenerate the fixture: python3 Scripts/reference/check_default_model.py --write-fixture")
    }

    /// Without EXPLAIND_DEFAULT_HEAD the head is found from the executable's ancestors (here the test bundle
    /// inside .build) or from the sources.
    func testDefaultHeadIsFoundFromTheBuild() throws {
        guard ProcessInfo.processInfo.environment[DefaultModel.headEnvironment] == nil else {
            throw XCTSkip("\(DefaultModel.headEnvironment) is set")
        }
        XCTAssertEqual(try DefaultModel.locateHead().standardizedFileURL.path,
                       Self.repository.appendingPathComponent("Models/default-head").standardizedFileURL.path)
    }
}
