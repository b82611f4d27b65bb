import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
import ExplainModel
import ExplainAttribution
@testable import ExplainServer

/// Every method through a real `explaind` process, checked field by field against the libraries run
/// in-process and against PyTorch's numbers in the fixtures.
final class MethodTests: XCTestCase {
    static let bert = "bert-gelu-2labels"
    static let distil = "distilbert-3labels-bf16"
    let text = "Café déjà vu — naïve résumé 😀 Pneumonoultramicroscopicsilicovolcanoconiosis!"

    func startDaemon(_ extra: [String] = []) throws -> DaemonProcess {
        try launchDaemon(arguments: ["--model", TestPaths.model(Self.bert), "--model", TestPaths.model(Self.distil),
                                      "--model-id", "distil"] + extra)
    }

    func testInitializeDescribesServerAndModels() throws {
        let daemon = try startDaemon()
        let result = try XCTUnwrap(daemon.initialize(encodings: ["utf-32", "utf-8"]))
        XCTAssertEqual(result["positionEncoding"], "utf-32")
        XCTAssertEqual(result["serverInfo"]?["name"], "explaind")
        let methods = result["capabilities"]?["methods"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for method in ["initialize", "shutdown", "tokenize", "predict", "explain", "models/load", "models/list", "models/unload"] {
            XCTAssertTrue(methods.contains(method), method)
        }
        let attribution = result["capabilities"]?["attributionMethods"]?.arrayValue ?? []
        XCTAssertEqual(attribution.compactMap { $0["name"]?.stringValue }, AttributionRegistry.methods.map(\.name))
        XCTAssertEqual(attribution.compactMap { $0["signed"]?.boolValue }, AttributionRegistry.methods.map(\.signed))
        XCTAssertEqual(result["capabilities"]?["normalizations"], .array(Normalization.allCases.map { .string($0.rawValue) }))
        let models = result["models"]?.arrayValue ?? []
        XCTAssertEqual(models.compactMap { $0["id"]?.stringValue }, [Self.bert, "distil"])
        XCTAssertEqual(models.compactMap { $0["default"]?.boolValue }, [true, false])
        XCTAssertEqual(models.first?["labels"], ["negative", "positive"])
        XCTAssertEqual(models.last?["architecture"], "distilbert")
        let model = try ClassifierModel.load(directory: URL(fileURLWithPath: TestPaths.model(Self.bert)))
        XCTAssertEqual(models.first?["maxTokens"]?.intValue, model.maxTokens)
        // The default position encoding is LSP's utf-16.
        let other = try startDaemon()
        XCTAssertEqual(other.initialize()?["positionEncoding"], "utf-16")
    }

    /// Offsets from the tokenizer (unicode scalars), converted independently here with Swift's string views.
    func expectedOffset(_ scalars: Int, in text: String, _ encoding: String) -> Int {
        let prefix = String(String.UnicodeScalarView(text.unicodeScalars.prefix(scalars)))
        switch encoding {
        case "utf-8": return prefix.utf8.count
        case "utf-16": return prefix.utf16.count
        default: return scalars
        }
    }

    func testTokenizeInEachPositionEncoding() throws {
        let model = try ClassifierModel.load(directory: URL(fileURLWithPath: TestPaths.model(Self.bert)))
        let reference = model.tokenizer.encode(text, maxLength: model.maxTokens)
        for encoding in ["utf-8", "utf-16", "utf-32"] {
            let daemon = try startDaemon()
            XCTAssertEqual(daemon.initialize(encodings: [encoding])?["positionEncoding"], .string(encoding))
            let result = try XCTUnwrap(daemon.call(TokenizeParams(text: text, model: nil)))
            XCTAssertEqual(result.tokens.count, reference.tokens.count)
            for (token, ref) in zip(result.tokens, reference.tokens) {
                XCTAssertEqual(token.id, ref.id)
                XCTAssertEqual(token.text, ref.text)
                XCTAssertEqual(token.special, ref.special)
                XCTAssertEqual(token.word, ref.word)
                XCTAssertEqual(token.start, ref.start.map { expectedOffset($0, in: text, encoding) }, "\(encoding) \(ref.text)")
                XCTAssertEqual(token.end, ref.end.map { expectedOffset($0, in: text, encoding) }, "\(encoding) \(ref.text)")
            }
            XCTAssertEqual(result.words.count, reference.words.count)
            for (word, ref) in zip(result.words, reference.words) {
                XCTAssertEqual(word.text, ref.text)
                XCTAssertEqual(word.tokens, ref.tokens)
                XCTAssertEqual(word.start, expectedOffset(ref.start, in: text, encoding))
            }
            XCTAssertEqual(result.truncated, false)
            // The long medical word is split into many pieces and flagged.
            XCTAssertEqual(result.fragmented.map(\.text), ["Pneumonoultramicroscopicsilicovolcanoconiosis"])
            XCTAssertGreaterThanOrEqual(result.fragmented.first?.pieces.count ?? 0, 3)
        }
    }

    func testTokenizeTruncatesLongInputAndFlagsIt() throws {
        let daemon = try startDaemon()
        _ = daemon.initialize()
        let long = Array(repeating: "election", count: 500).joined(separator: " ")
        let result = try XCTUnwrap(daemon.call("tokenize", ["text": .string(long)]))
        let model = try ClassifierModel.load(directory: URL(fileURLWithPath: TestPaths.model(Self.bert)))
        XCTAssertEqual(result["truncated"], true)
        XCTAssertEqual(result["tokens"]?.arrayValue?.count, model.maxTokens)
        XCTAssertEqual(result["tokens"]?.arrayValue?.last?["text"], "[SEP]")
        let predicted = try XCTUnwrap(daemon.call("predict", ["text": .string(long)]))
        XCTAssertEqual(predicted["truncated"], true)
    }

    func testPredictMatchesPyTorch() throws {
        let expected = try JSONParser.parse(Array(Data(contentsOf: TestPaths.expected.appendingPathComponent("\(Self.bert).json"))))
        let texts = try XCTUnwrap(expected["texts"]?.arrayValue)
        let logits = try XCTUnwrap(expected["logits"]?.arrayValue)
        let daemon = try startDaemon()
        _ = daemon.initialize()
        let batch = try XCTUnwrap(daemon.call("predict", ["texts": .array(texts), "model": .string(Self.bert)])?.arrayValue)
        XCTAssertEqual(batch.count, texts.count)
        for (i, prediction) in batch.enumerated() {
            let got = prediction["logits"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            let want = logits[i].arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(got.count, want.count)
            for (g, w) in zip(got, want) { XCTAssertEqual(g, w, accuracy: 1e-4, "text \(i)") }
            let best = want.indices.max { want[$0] < want[$1] }!
            XCTAssertEqual(prediction["index"]?.intValue, best)
            XCTAssertEqual(prediction["label"]?.stringValue, ["negative", "positive"][best])
            let probabilities = prediction["probabilities"]?.arrayValue?.compactMap(\.doubleValue) ?? []
            XCTAssertEqual(probabilities.reduce(0, +), 1, accuracy: 1e-5)
        }
        // One text gives one object, the same numbers as in the batch.
        let single = try XCTUnwrap(daemon.call("predict", ["text": texts[0]]))
        XCTAssertEqual(single["index"], batch[0]["index"])
        for (a, b) in zip(single["logits"]?.arrayValue ?? [], batch[0]["logits"]?.arrayValue ?? []) {
            XCTAssertEqual(a.doubleValue!, b.doubleValue!, accuracy: 1e-5)
        }
    }

    func testExplainEqualsTheLibraryInProcess() throws {
        let daemon = try startDaemon()
        _ = daemon.initialize(encodings: ["utf-8"])
        let model = try ClassifierModel.load(directory: URL(fileURLWithPath: TestPaths.model(Self.distil)))
        let explainer = Explainer(model: model)
        for method in AttributionRegistry.methods.map(\.name) {
            var request = ExplainRequest()
            request.method = method
            request.scoring.granularity = .word
            request.scoring.target = .label("general")
            let reference = try explainer.explain(texts: [text], request: request, control: .none)[0]
            let params = ExplainParams(input: .single(text), method: method,
                                       scoring: ScoringParams(target: .label("general"), granularity: "word"), model: "distil")
            guard case .single(let result)? = daemon.call(params) else { return XCTFail("\(method): not one explanation") }
            XCTAssertEqual(result.method, method)
            XCTAssertEqual(result.target, ClassInfo(index: reference.target.index, label: reference.target.label))
            XCTAssertEqual(result.prediction.label, reference.prediction.label)
            XCTAssertEqual(result.tokenScores, reference.tokenScores, method)
            XCTAssertEqual(result.wordScores, reference.wordScores, method)
            XCTAssertEqual(result.words.first?.end, "Café".utf8.count)
            XCTAssertEqual(result.granularity, "word")
            XCTAssertEqual(result.normalize, "max")
            for (name, value) in reference.options {
                XCTAssertEqual(result.options[name], ExplainHandler.json(value), "\(method) option \(name)")
            }
        }
        // Several texts: one padded batch, one object per text.
        let params = ExplainParams(input: .many(["first text", "a second, longer text"]), scoring: ScoringParams(normalize: "l1"))
        guard case .many(let many, _)? = daemon.call(params) else { return XCTFail("not one explanation per text") }
        XCTAssertEqual(many.map(\.text), ["first text", "a second, longer text"])
    }

    /// The new methods' options are checked like the others': -32602 naming the field, and the daemon
    /// keeps serving; samples count against --max-samples and the work limit.
    func testPerturbationMethodOptionsAreChecked() throws {
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model(Self.bert), "--max-work", "5000"])
        _ = daemon.initialize()
        for (method, options, field) in [("lime", ["samples": -5] as JSONValue, "options.samples"),
                                         ("lime", ["replacement": "blank"], "options.replacement"),
                                         ("kernelShap", ["baseline": "zero"], "options.baseline"),
                                         ("kernelShap", ["samples": 5000], "options.samples"),
                                         ("kernelShap", ["samples": 900, "exactUpTo": 0], "options.samples"),
                                         ("lime", ["samples": 1000], "options.samples"),
                                         ("sequentialIntegratedGradients", ["steps": 0], "options.steps"),
                                         ("attentionRollout", ["steps": 4], "options.steps")] {
            let error = daemon.callError("explain", ["text": "a short text to explain", "method": .string(method), "options": options])
            XCTAssertEqual(error?.errorCode, ErrorCode.invalidParams.rawValue, "\(method) \(options)")
            XCTAssertEqual(error?.errorField, field, "\(method) \(options)")
        }
        XCTAssertNotNil(daemon.call("explain", ["text": "a short text", "method": "kernelShap"]))
    }

    func testModelsLoadListUnloadAndSelection() throws {
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model(Self.bert)])
        _ = daemon.initialize()
        let loaded = try XCTUnwrap(daemon.call("models/load", ["path": .string(TestPaths.model("bert-tanh-3labels-f16")), "id": "tanh"]))
        XCTAssertEqual(loaded["id"], "tanh")
        XCTAssertEqual(loaded["default"], false)
        XCTAssertEqual(loaded["labels"]?.arrayValue?.count, 3)
        let list = try XCTUnwrap(daemon.call("models/list")?["models"]?.arrayValue)
        XCTAssertEqual(list.compactMap { $0["id"]?.stringValue }, [Self.bert, "tanh"])
        // Requests choose their model; the default answers the rest.
        XCTAssertEqual(daemon.call("predict", ["text": "hello", "model": "tanh"])?["probabilities"]?.arrayValue?.count, 3)
        XCTAssertEqual(daemon.call("predict", ["text": "hello"])?["probabilities"]?.arrayValue?.count, 2)
        // Loading the same id twice is refused; unloading the default promotes the next model.
        XCTAssertEqual(daemon.callError("models/load", ["path": .string(TestPaths.model(Self.bert)), "id": "tanh"])?.errorField, "id")
        XCTAssertEqual(daemon.call("models/unload", ["id": .string(Self.bert)]), ["id": .string(Self.bert), "defaultModel": "tanh"])
        XCTAssertEqual(daemon.call("predict", ["text": "hello"])?["probabilities"]?.arrayValue?.count, 3)
        XCTAssertEqual(daemon.callError("predict", ["text": "hello", "model": .string(Self.bert)])?.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertEqual(daemon.callError("models/unload", ["id": "nope"])?.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertEqual(daemon.call("models/unload", ["id": "tanh"]), ["id": "tanh", "defaultModel": nil])
        let none = try XCTUnwrap(daemon.callError("tokenize", ["text": "hello"]))
        XCTAssertEqual(none.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertTrue(none["message"]?.stringValue?.contains("--model") ?? false)
    }

    func testWithoutModelTheErrorSaysHowToPassOne() throws {
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        XCTAssertEqual(daemon.initialize()?["models"], [])
        let error = try XCTUnwrap(daemon.callError("predict", ["text": "x"]))
        XCTAssertEqual(error.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertTrue(error["message"]?.stringValue?.contains("start explaind with --model DIR") ?? false)
        XCTAssertEqual(daemon.call("models/load", ["path": .string(TestPaths.model(Self.bert))])?["default"], true)
        XCTAssertNotNil(daemon.call("predict", ["text": "x"]))
    }

    /// Without --model the daemon serves the default model, once `explaind setup` has assembled it.
    func testWithoutModelTheDefaultModelIsServed() throws {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? URL(fileURLWithPath: $0) : nil }
            ?? URL(fileURLWithPath: environment["HOME"] ?? NSHomeDirectory()).appendingPathComponent(".cache")
        let directory = cache.appendingPathComponent("explaind/political-general-minilm")
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("model.safetensors").path) else {
            throw XCTSkip("the default model is not assembled (run `explaind setup`)")
        }
        let daemon = try launchDaemon(arguments: [])
        let models = try XCTUnwrap(daemon.initialize()?["models"]?.arrayValue)
        XCTAssertEqual(models.count, 1)
        XCTAssertEqual(models.first?["default"], true)
        XCTAssertEqual(models.first?["id"], "default")
        XCTAssertEqual(models.first?["path"]?.stringValue, directory.path)
        let labels = models.first?["labels"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let prediction = try XCTUnwrap(daemon.call("predict", ["text": "INEC has postponed the 2019 general elections by one week."]))
        XCTAssertTrue(labels.contains(prediction["label"]?.stringValue ?? ""), "\(prediction)")
    }

    func testBadModelDirectoriesGiveModelErrors() throws {
        let daemon = try launchDaemon(arguments: ["--no-default-model"])
        _ = daemon.initialize()
        let scratch = try scratchDirectory("explaind-tests")
        let corrupt = scratch.appendingPathComponent("corrupt"), unsupported = scratch.appendingPathComponent("unsupported")
        for dir in [corrupt, unsupported] { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
        let source = URL(fileURLWithPath: TestPaths.model(Self.bert))
        for name in ["config.json", "tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: corrupt.appendingPathComponent(name))
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: unsupported.appendingPathComponent(name))
        }
        try Data("not safetensors at all".utf8).write(to: corrupt.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: source.appendingPathComponent("model.safetensors"), to: unsupported.appendingPathComponent("model.safetensors"))
        var config = try String(contentsOf: unsupported.appendingPathComponent("config.json"), encoding: .utf8)
        config = config.replacingOccurrences(of: "\"model_type\": \"bert\"", with: "\"model_type\": \"gpt2\"")
        try config.write(to: unsupported.appendingPathComponent("config.json"), atomically: true, encoding: .utf8)

        XCTAssertEqual(daemon.callError("models/load", ["path": "/no/such/dir"])?.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertEqual(daemon.callError("models/load", ["path": .string(scratch.path)])?.errorCode, ErrorCode.modelNotFound.rawValue)
        XCTAssertEqual(daemon.callError("models/load", ["path": .string(corrupt.path)])?.errorCode, ErrorCode.modelCorrupt.rawValue)
        XCTAssertEqual(daemon.callError("models/load", ["path": .string(unsupported.path)])?.errorCode, ErrorCode.modelUnsupported.rawValue)
        XCTAssertEqual(daemon.call("models/list")?["models"], [])
    }
}
