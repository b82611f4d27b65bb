import Foundation
import XCTest
import ExplainProtocol
import ExplainAttribution
@testable import ExplainServer

/// Each encoder family through a real `explaind`: loaded by models/load, described, predicting PyTorch's
/// logits and explaining with Captum's integrated gradients, all over the protocol.
final class FamilyTests: XCTestCase {
    /// Loads `directory` into a fresh daemon, then checks models/list, predict on every fixture text and
    /// integrated gradients (pad baseline) on the fixture's first case, against `fixture`'s expectations.
    func checkThroughDaemon(_ directory: String, fixture: String, architecture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("\(fixture).json"))))
        let attributions = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("\(fixture)-attributions.json"))))
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize()
        let loaded = try XCTUnwrap(daemon.call("models/load", ["path": .string(directory), "id": "m"]), file: file, line: line)
        XCTAssertEqual(loaded["architecture"]?.stringValue, architecture, file: file, line: line)
        XCTAssertEqual(loaded["labels"], expected["labels"], file: file, line: line)
        XCTAssertEqual(daemon.call("models/list")?["models"]?.arrayValue?.first?["architecture"]?.stringValue, architecture, file: file, line: line)

        let texts = try XCTUnwrap(expected["texts"]?.arrayValue)
        let logits = try XCTUnwrap(expected["logits"]?.arrayValue)
        let batch = try XCTUnwrap(daemon.call("predict", ["texts": .array(texts)])?.arrayValue, file: file, line: line)
        XCTAssertEqual(batch.count, texts.count, file: file, line: line)
        for (i, prediction) in batch.enumerated() {
            let got = prediction["logits"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            let want = logits[i].arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(got.count, want.count, file: file, line: line)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-4, "\(fixture) text \(i)", file: file, line: line) }
        }

        let first = try XCTUnwrap(attributions["cases"]?.arrayValue?.first)
        let run = try XCTUnwrap(first["integratedGradients"]?.arrayValue?.first { $0["baseline"] == "pad" && $0["method"] == "gausslegendre" })
        let text = try XCTUnwrap(texts[first["text"]?.intValue ?? 0].stringValue)
        let result = try XCTUnwrap(daemon.call("explain", ["text": .string(text), "method": "integratedGradients", "normalize": "none",
                                                            "options": ["steps": 50, "baseline": "pad"]]), file: file, line: line)
        XCTAssertEqual(result["tokens"]?.arrayValue?.compactMap { $0["id"]?.intValue }, first["ids"]?.arrayValue?.compactMap(\.intValue),
                       file: file, line: line)
        let scores = result["tokens"]?.arrayValue?.compactMap { $0["score"]?.doubleValue } ?? []
        let want = run["scores"]?.arrayValue?.compactMap(\.doubleValue) ?? []
        let scale = want.map(abs).max() ?? 1
        XCTAssertEqual(scores.count, want.count, file: file, line: line)
        for (g, w) in zip(scores, want) { XCTAssertEqual(g, w, accuracy: 1e-3 * scale, "\(fixture) integrated gradients", file: file, line: line) }
        daemon.stop()
    }

    func testRoberta() throws {
        try checkThroughDaemon(TestPaths.model("roberta-3labels"), fixture: "roberta-3labels", architecture: "roberta")
    }

    func testXLMRoberta() throws {
        try checkThroughDaemon(TestPaths.model("xlm-roberta-2labels-f16"), fixture: "xlm-roberta-2labels-f16", architecture: "xlm-roberta")
    }

    func testCamembert() throws {
        try checkThroughDaemon(TestPaths.model("camembert-4labels-bf16"), fixture: "camembert-4labels-bf16", architecture: "camembert")
    }

    func testElectra() throws {
        try checkThroughDaemon(TestPaths.model("electra-2labels"), fixture: "electra-2labels", architecture: "electra")
    }

    func testAlbert() throws {
        try checkThroughDaemon(TestPaths.model("albert-3labels-f16"), fixture: "albert-3labels-f16", architecture: "albert")
    }

    /// ModernBERT with cls pooling and no biases, and with mean pooling and every bias (a 4.x-style config,
    /// BF16 weights); compareMethods runs every default method on it, and a text of several hundred tokens
    /// (many local windows) is explained whole.
    func testModernBert() throws {
        try checkThroughDaemon(TestPaths.model("modernbert-3labels"), fixture: "modernbert-3labels", architecture: "modernbert")
        try checkThroughDaemon(TestPaths.model("modernbert-2labels-mean-bias-bf16"), fixture: "modernbert-2labels-mean-bias-bf16", architecture: "modernbert")
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize()
        let loaded = try XCTUnwrap(daemon.call("models/load", ["path": .string(TestPaths.model("modernbert-3labels")), "id": "m"]))
        XCTAssertEqual(loaded["maxTokens"]?.intValue, 512)
        let comparison = try XCTUnwrap(daemon.call("compareMethods", ["text": "The APC and PDP traded accusations of vote buying in Lagos."]))
        let methods = try XCTUnwrap(comparison["methods"]?.arrayValue)
        XCTAssertEqual(methods.map { $0["method"]?.stringValue }, CompareRequest.defaultMethods)
        for method in methods {
            let scores = method["scores"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(scores.count, comparison["tokens"]?.arrayValue?.count, method["method"]?.stringValue ?? "")
            XCTAssertTrue(scores.contains { $0 != 0 }, "\(method["method"]?.stringValue ?? ""): some token scores")
        }
        let expected = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("modernbert-3labels.json"))))
        let long = try XCTUnwrap(expected["long"])
        let explanation = try XCTUnwrap(daemon.call("explain", ["text": try XCTUnwrap(long["text"]), "method": "gradientNorm"]))
        XCTAssertEqual(explanation["tokens"]?.arrayValue?.compactMap { $0["id"]?.intValue }, long["ids"]?.arrayValue?.compactMap(\.intValue))
        daemon.stop()
    }

    func testDebertaV3() throws {
        try checkThroughDaemon(TestPaths.model("deberta-v3-3labels"), fixture: "deberta-v3-3labels", architecture: "deberta-v2")
    }

    func testDebertaV2() throws {
        try checkThroughDaemon(TestPaths.model("deberta-v2-4labels-f16"), fixture: "deberta-v2-4labels-f16", architecture: "deberta-v2")
    }

    /// DeBERTa-v2's first-layer convolution (conv_kernel_size, v2-xlarge and up) is refused by name with -32012;
    /// the daemon keeps serving.
    func testDebertaConvolutionRefused() throws {
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("explaind-deberta-conv-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: TestPaths.model("deberta-v3-3labels"))
        for file in ["spm.model", "tokenizer_config.json", "model.safetensors"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: scratch.appendingPathComponent(file))
        }
        let config = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
        try config.replacingOccurrences(of: "\"model_type\"", with: "\"conv_kernel_size\": 3, \"model_type\"")
            .write(to: scratch.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
        let error = try XCTUnwrap(daemon.callError("models/load", ["path": .string(scratch.path)]))
        XCTAssertEqual(error.errorCode, ErrorCode.modelUnsupported.rawValue)
        XCTAssertTrue(error["message"]?.stringValue?.contains("conv_kernel_size") ?? false, "\(String(describing: error["message"]))")
        XCTAssertEqual(daemon.call("models/list")?["models"], [])
        let loaded = try XCTUnwrap(daemon.call("models/load", ["path": .string(source.path), "id": "v3"]))
        XCTAssertEqual(loaded["architecture"]?.stringValue, "deberta-v2")
        daemon.stop()
    }

    /// A directory with only pytorch_model.bin, and sharded ones, load like any other.
    func testOtherWeightFiles() throws {
        let weightFiles = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/weight-files")
        try checkThroughDaemon(weightFiles.appendingPathComponent("roberta-3labels-bin").path, fixture: "roberta-3labels", architecture: "roberta")
        try checkThroughDaemon(weightFiles.appendingPathComponent("xlm-roberta-2labels-f16-sharded-bin").path, fixture: "xlm-roberta-2labels-f16",
                               architecture: "xlm-roberta")
    }

    /// Unsupported heads and formats answer -32012 naming what is supported; a pickle naming os.system -32011.
    func testRefusedDirectoriesSayWhy() throws {
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("explaind-family-\(getpid())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let source = URL(fileURLWithPath: TestPaths.model("roberta-3labels"))
        func directory(_ name: String, config: (String) -> String, weights: Data? = nil) throws -> String {
            let dir = scratch.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for file in ["vocab.txt", "tokenizer_config.json"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
            }
            let text = try String(contentsOf: source.appendingPathComponent("config.json"), encoding: .utf8)
            try config(text).write(to: dir.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)
            if let weights {
                try weights.write(to: dir.appendingPathComponent("pytorch_model.bin"))
            } else {
                try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: dir.appendingPathComponent("model.safetensors"))
            }
            return dir.path
        }
        let tokenHead = try directory("token-head") { $0.replacingOccurrences(of: "RobertaForSequenceClassification", with: "RobertaForTokenClassification") }
        let multiLabel = try directory("multi-label") { $0.replacingOccurrences(of: "\"model_type\"", with: "\"problem_type\": \"multi_label_classification\", \"model_type\"") }
        let legacy = try directory("legacy", config: { $0 }, weights: Data([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]))
        for (path, phrase) in [(tokenHead, "ForSequenceClassification"), (multiLabel, "single_label_classification"), (legacy, "save_pretrained")] {
            let error = try XCTUnwrap(daemon.callError("models/load", ["path": .string(path)]))
            XCTAssertEqual(error.errorCode, ErrorCode.modelUnsupported.rawValue, path)
            XCTAssertTrue(error["message"]?.stringValue?.contains(phrase) ?? false, "\(String(describing: error["message"])) should say \(phrase)")
        }
        // weight-files/hostile-os-system: a torch.save-shaped zip whose data.pkl calls os.system("touch MARKER").
        let marker = "/tmp/explaind-hostile-pickle-ran"
        try? FileManager.default.removeItem(atPath: marker)
        let hostile = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/weight-files/hostile-os-system").path
        let error = try XCTUnwrap(daemon.callError("models/load", ["path": .string(hostile)]))
        XCTAssertEqual(error.errorCode, ErrorCode.modelCorrupt.rawValue)
        XCTAssertTrue(error["message"]?.stringValue?.contains("os.system") ?? false, "\(String(describing: error["message"]))")
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker))
        XCTAssertEqual(daemon.call("models/list")?["models"], [])
        daemon.stop()
    }
}
