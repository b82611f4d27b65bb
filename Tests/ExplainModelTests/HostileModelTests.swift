#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport
@testable import ExplainModel

/// Model directories built to hurt: each is refused at load with a ModelError naming the file and the
/// problem (never a crash, a hang or a huge allocation), or, for a weight file changed under a loaded model,
/// reported as changed instead of killing the process.
final class HostileModelTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try scratchDirectory("explaind-hostile")
        // A real copy of a fixture (links resolved), to mutate.
        let fixture = fixturesDirectory.appendingPathComponent("models/bert-gelu-2labels")
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.path) {
            let data = try Data(contentsOf: fixture.appendingPathComponent(name).resolvingSymlinksInPath())
            try data.write(to: directory.appendingPathComponent(name))
        }
    }

    var weightsURL: URL { directory.appendingPathComponent("model.safetensors") }
    var configURL: URL { directory.appendingPathComponent("config.json") }

    func editConfig(_ edit: (inout JSONObject) -> Void) throws { try JSONFile.edit(configURL, edit) }

    func loadError(file: StaticString = #filePath, line: UInt = #line) -> String? {
        do {
            _ = try ClassifierModel.load(directory: directory)
            XCTFail("the model loaded", file: file, line: line)
        } catch {
            return String(describing: error)
        }
        return nil
    }

    func testLabelKeysNamingOneIndexTwice() throws {
        for keys in [["0", "00"], ["0", "-0"], ["1", "01"]] {
            try editConfig { $0["id2label"] = [keys[0]: "a", keys[1]: "b"]; $0["label2id"] = nil }
            let message = loadError()
            XCTAssertTrue(message?.contains("config.json") ?? false, "\(keys): \(message ?? "")")
            XCTAssertTrue(message?.contains("id2label") ?? false, "\(keys): \(message ?? "")")
        }
    }

    func editTokenizer(_ edit: (inout JSONObject) -> Void) throws {
        try JSONFile.edit(directory.appendingPathComponent("tokenizer.json"), edit)
    }

    /// Item 2, the model's side: every id the tokenizer can emit is a word-embedding row, and the positions
    /// hold the post-processor's special tokens with room for text (the tokenizer alone checks its own
    /// maximum length, 512 here, not the model's 64 positions).
    func testTokenizerMustFitTheModelsEmbeddingsAndPositions() throws {
        try editTokenizer { json in
            var added = json["added_tokens"]!.arrayValue!
            added.append(["id": 30522, "content": "[NEW]", "single_word": false, "lstrip": false, "rstrip": false,
                          "normalized": false, "special": true])
            json["added_tokens"] = .array(added)
        }
        XCTAssertEqual(loadError(), "config.json: malformed config: vocab_size 30522 is smaller than the tokenizer's 30523 tokens")
        try setUpWithError()
        try editTokenizer { json in
            let cls: JSONValue = ["SpecialToken": ["id": "[CLS]", "type_id": 0]]
            json["post_processor"] = ["type": "TemplateProcessing",
                                      "single": .array(Array(repeating: cls, count: 64) + [["Sequence": ["id": "A", "type_id": 0]]]),
                                      "pair": [["Sequence": ["id": "A", "type_id": 0]], ["Sequence": ["id": "B", "type_id": 1]]],
                                      "special_tokens": ["[CLS]": ["id": "[CLS]", "ids": [101], "tokens": ["[CLS]"]]]]
        }
        XCTAssertTrue(loadError()?.contains("the post-processor adds 64 special tokens to every text, leaving no room in the model's 64 positions") ?? false)
        // 63 leave one position for text: it loads, and a text keeps one token between them.
        try editTokenizer { json in
            var post = json["post_processor"]!.objectValue!
            post["single"] = .array(Array(post["single"]!.arrayValue!.dropFirst()))
            json["post_processor"] = .object(post)
        }
        let model = try ClassifierModel.load(directory: directory)
        let encoding = model.tokenizer.encode("vote now", maxLength: model.maxTokens)
        XCTAssertEqual(encoding.tokens.count, 64)
        XCTAssertEqual(encoding.tokens.filter { !$0.special }.map(\.text), ["vote"])
        XCTAssertTrue(encoding.truncated)
    }

    func testHugeSizesAreCheckedAgainstTheWeightsBeforeAllocating() throws {
        for (key, value) in [("num_labels", 1e12), ("num_labels", 3e8), ("num_hidden_layers", 1e9), ("intermediate_size", 1e15)] {
            try editConfig { json in
                json[key] = .integer(Int(value))
                if key == "num_labels" { json["id2label"] = nil; json["label2id"] = nil }
            }
            let message = loadError()
            XCTAssertTrue(message?.contains("\(key) \(Int(value)) needs more weights than model.safetensors holds") ?? false,
                          "\(key): \(message ?? "")")
            try setUpWithError()
        }
    }

    func testNonRegularFilesAreRefusedBeforeOpening() throws {
        // A FIFO would block open() and read() forever; /dev/zero never ends; a folder is not a file.
        try FileManager.default.removeItem(at: weightsURL)
        XCTAssertEqual(mkfifo(weightsURL.path, 0o600), 0)
        XCTAssertTrue(loadError()?.contains("model.safetensors is a FIFO, not a regular file") ?? false)
        try FileManager.default.removeItem(at: weightsURL)
        try setUpWithError()

        try FileManager.default.removeItem(at: configURL)
        XCTAssertEqual(mkfifo(configURL.path, 0o600), 0)
        XCTAssertTrue(loadError()?.contains("config.json is a FIFO, not a regular file") ?? false)
        try FileManager.default.removeItem(at: configURL)
        try FileManager.default.createSymbolicLink(atPath: configURL.path, withDestinationPath: "/dev/zero")
        XCTAssertTrue(loadError()?.contains("config.json is a character device, not a regular file") ?? false)
        try FileManager.default.removeItem(at: configURL)
        try FileManager.default.createDirectory(at: configURL, withIntermediateDirectories: false)
        XCTAssertTrue(loadError()?.contains("config.json is a directory, not a regular file") ?? false)
        try FileManager.default.removeItem(at: configURL)
        try setUpWithError()

        let tokenizer = directory.appendingPathComponent("tokenizer.json")
        try FileManager.default.removeItem(at: tokenizer)
        XCTAssertEqual(mkfifo(tokenizer.path, 0o600), 0)
        XCTAssertTrue(loadError()?.contains("tokenizer.json is a FIFO, not a regular file") ?? false)
    }

    /// The weight file with one value of one tensor replaced.
    func poison(_ tensor: String, with value: Float) throws {
        let file = try SafeTensorsFile(url: weightsURL)
        let entry = try XCTUnwrap(file.entries[tensor])
        var data = try Data(contentsOf: weightsURL)
        let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let at = 8 + headerLength + entry.begin + 4 * 3
        withUnsafeBytes(of: value.bitPattern.littleEndian) { data.replaceSubrange(at..<at + 4, with: $0) }
        try data.write(to: weightsURL)
    }

    func testNonFiniteWeightsAreRefusedNamingTheTensor() throws {
        for value in [Float.nan, .infinity, -.infinity] {
            try poison("bert.encoder.layer.1.intermediate.dense.weight", with: value)
            let message = loadError()
            XCTAssertTrue(message?.contains("tensor bert.encoder.layer.1.intermediate.dense.weight holds a non-finite value") ?? false,
                          "\(value): \(message ?? "")")
            XCTAssertTrue(message?.contains("element 3") ?? false, message ?? "")
            try setUpWithError()
        }
    }

    func testWeightFileTruncatedWhileLoadedIsReportedNotFatal() throws {
        let model = try ClassifierModel.load(directory: directory)
        let ids = [101, 7592, 2088, 102]
        let before = model.logits(ModelInput(ids: [ids]))
        XCTAssertNoThrow(try model.checkUnchanged())
        // Shrink the file under the mapping: reading the word embeddings now faults (SIGBUS without the guard).
        XCTAssertEqual(truncate(weightsURL.path, 4096), 0)
        let after = model.logits(ModelInput(ids: [[101, 2000, 3000, 102]]))
        XCTAssertEqual(after.count, 1)
        XCTAssertThrowsError(try model.checkUnchanged()) { error in
            XCTAssertEqual(error as? ModelError, .fileChanged(weightsURL.path))
        }
        XCTAssertNotEqual(before, [])
    }

    func testWeightFileRewrittenInPlaceIsReported() throws {
        let model = try ClassifierModel.load(directory: directory)
        // `cp new old`: same inode, same size, new contents.
        let data = try Data(contentsOf: weightsURL)
        usleep(10_000)
        let handle = try FileHandle(forWritingTo: weightsURL)
        try handle.write(contentsOf: data)
        try handle.close()
        XCTAssertThrowsError(try model.checkUnchanged())
    }
}
