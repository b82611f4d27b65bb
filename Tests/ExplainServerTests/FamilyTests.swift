import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
import ExplainAttribution
@testable import ExplainServer

/// Each encoder family, with its own kind of tokenizer, through a real `explaind`: loaded by models/load,
/// described, tokenizing text to HF's ids, offsets and word ids, predicting PyTorch's logits and explaining with
/// Captum's integrated gradients at token and word granularity, all over the protocol.
final class FamilyTests: XCTestCase {
    /// Loads `directory` into a fresh daemon, then checks models/list, predict on every fixture text and
    /// integrated gradients (pad baseline) on the fixture's first case, against `fixture`'s expectations.
    func checkThroughDaemon(_ directory: String, fixture: String, architecture: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("\(fixture).json"))))
        let attributions = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("\(fixture)-attributions.json"))))
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize(encodings: ["utf-32"])  // offsets in Unicode scalars, as Python's str indices
        let loaded = try XCTUnwrap(daemon.call("models/load", ["path": .string(directory), "id": "m"]), file: file, line: line)
        XCTAssertEqual(loaded["architecture"]?.stringValue, architecture, file: file, line: line)
        XCTAssertEqual(loaded["labels"], expected["labels"], file: file, line: line)
        XCTAssertEqual(daemon.call("models/list")?["models"]?.arrayValue?.first?["architecture"]?.stringValue, architecture, file: file, line: line)

        let texts = try XCTUnwrap(expected["texts"]?.arrayValue)
        let logits = try XCTUnwrap(expected["logits"]?.arrayValue)
        let batch = try XCTUnwrap(daemon.call("predict", ["texts": .array(texts)])?.arrayValue, file: file, line: line)
        XCTAssertEqual(batch.count, texts.count, file: file, line: line)
        let multiLabel = (try? String(contentsOfFile: directory + "/config.json", encoding: .utf8))?.contains("multi_label_classification") ?? false
        for (i, prediction) in batch.enumerated() {
            let got = prediction["logits"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            let want = logits[i].arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(got.count, want.count, file: file, line: line)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-4, "\(fixture) text \(i)", file: file, line: line) }
            // Softmax, or a sigmoid per label for a multi-label classifier.
            let exponentials = want.map { exp($0 - (want.max() ?? 0)) }
            let probabilities = multiLabel ? want.map { 1 / (1 + exp(-$0)) } : exponentials.map { $0 / exponentials.reduce(0, +) }
            let gotProbabilities = prediction["probabilities"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(gotProbabilities.count, probabilities.count, file: file, line: line)
            for (g, w) in zip(gotProbabilities, probabilities) { XCTAssertEqual(g, w, accuracy: 1e-5, "\(fixture) probabilities of text \(i)", file: file, line: line) }
        }

        // HF's ids, offsets and word ids for every text, where the fixture records them (make_family_fixtures.py's
        // offsets, wordIDs; every family of that script has them).
        let hfOffsets = expected["offsets"]?.arrayValue ?? [], hfWords = expected["wordIDs"]?.arrayValue ?? []
        let aligned = !hfOffsets.isEmpty
        if aligned { XCTAssertEqual(hfOffsets.count, texts.count, "\(fixture) has HF offsets", file: file, line: line) }
        for (i, text) in texts.enumerated() where i < hfOffsets.count && i < hfWords.count {
            let tokens = try XCTUnwrap(daemon.call("tokenize", ["text": text])?["tokens"]?.arrayValue, file: file, line: line)
            XCTAssertEqual(tokens.compactMap { $0["id"]?.intValue }, expected["ids"]?.arrayValue?[i].arrayValue?.compactMap(\.intValue),
                           "\(fixture) ids of text \(i)", file: file, line: line)
            let offsets = tokens.map { [$0["start"]?.intValue ?? 0, $0["end"]?.intValue ?? 0] }
            XCTAssertEqual(offsets, hfOffsets[i].arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] },
                           "\(fixture) offsets of text \(i)", file: file, line: line)
            XCTAssertEqual(tokens.map { $0["word"]?.intValue }, hfWords[i].arrayValue?.map(\.intValue),
                           "\(fixture) word ids of text \(i)", file: file, line: line)
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

        // Word granularity: a score per HF word, the sum of Captum's scores of its tokens; the word's span is
        // from its first token's start to its last token's end.
        guard aligned else { return daemon.stop() }
        let wordIDs = hfWords[first["text"]?.intValue ?? 0].arrayValue?.map(\.intValue) ?? []
        let tokenOffsets = hfOffsets[first["text"]?.intValue ?? 0].arrayValue?.map { $0.arrayValue?.compactMap(\.intValue) ?? [] } ?? []
        var wantWords: [Int: (score: Double, start: Int, end: Int)] = [:]
        for (t, word) in wordIDs.enumerated() {
            guard let word, t < want.count, t < tokenOffsets.count else { continue }
            let previous = wantWords[word] ?? (0, tokenOffsets[t][0], tokenOffsets[t][1])
            wantWords[word] = (previous.score + want[t], min(previous.start, tokenOffsets[t][0]), max(previous.end, tokenOffsets[t][1]))
        }
        let byWord = try XCTUnwrap(daemon.call("explain", ["text": .string(text), "method": "integratedGradients", "normalize": "none",
                                                            "granularity": "word", "options": ["steps": 50, "baseline": "pad"]]), file: file, line: line)
        let words = byWord["words"]?.arrayValue ?? []
        XCTAssertEqual(byWord["tokens"]?.arrayValue?.map { $0["word"]?.intValue }, wordIDs, "\(fixture) word ids", file: file, line: line)
        for (w, word) in words.enumerated() {
            guard let wanted = wantWords[w] else { continue }
            XCTAssertEqual(word["score"]?.doubleValue ?? .nan, wanted.score, accuracy: 1e-3 * scale, "\(fixture) word \(w) score", file: file, line: line)
            XCTAssertEqual(word["start"]?.intValue, wanted.start, "\(fixture) word \(w) start", file: file, line: line)
            XCTAssertEqual(word["end"]?.intValue, wanted.end, "\(fixture) word \(w) end", file: file, line: line)
        }
        XCTAssertEqual(words.count, (wantWords.keys.max() ?? -1) + 1, "\(fixture) words", file: file, line: line)
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

    /// problem_type multi_label_classification: sigmoid probabilities, each label explained from its own logit.
    func testMultiLabelRoberta() throws {
        try checkThroughDaemon(TestPaths.model("roberta-multilabel-3labels"), fixture: "roberta-multilabel-3labels", architecture: "roberta")
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
        let scratch = try scratchDirectory("explaind-deberta-conv")
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
        let scratch = try scratchDirectory("explaind-family")
        let source = URL(fileURLWithPath: TestPaths.model("roberta-3labels"))
        func directory(_ name: String, config: (String) -> String, weights: Data? = nil) throws -> String {
            let dir = scratch.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            for file in ["tokenizer.json", "tokenizer_config.json"] {  // the files themselves, not the fixture's links
                try FileManager.default.copyItem(at: source.appendingPathComponent(file).resolvingSymlinksInPath(), to: dir.appendingPathComponent(file))
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
        let regression = try directory("regression") { $0.replacingOccurrences(of: "\"model_type\"", with: "\"problem_type\": \"regression\", \"model_type\"") }
        let legacy = try directory("legacy", config: { $0 }, weights: Data([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]))
        for (path, phrase) in [(tokenHead, "ForSequenceClassification"), (regression, "multi_label_classification"), (legacy, "save_pretrained")] {
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
