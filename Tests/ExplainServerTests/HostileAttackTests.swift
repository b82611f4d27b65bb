#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
@testable import ExplainServer

/// The attacks of issue 23, one test each, against the real daemon: every one used to kill, hang or bloat
/// it; now each is a clear JSON-RPC error (or a bounded cost) and the daemon keeps serving.
final class HostileAttackTests: XCTestCase {
    let fixture = TestPaths.model("bert-gelu-2labels")
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try scratchDirectory("explaind-attack")
    }

    /// A real copy (links resolved) of the fixture model, to mutate.
    func modelCopy(_ name: String, edit: (URL) throws -> Void = { _ in }) throws -> URL {
        let directory = scratch.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: fixture)
        for file in try FileManager.default.contentsOfDirectory(atPath: source.path) {
            try Data(contentsOf: source.appendingPathComponent(file).resolvingSymlinksInPath()).write(to: directory.appendingPathComponent(file))
        }
        try edit(directory)
        return directory
    }


    func assertStillServing(_ daemon: DaemonProcess, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(daemon.call("tokenize", ["text": "still serving"], file: file, line: line)?["tokens"]?.arrayValue?.count, 4,
                       file: file, line: line)
    }

    /// Item 1: a negative step or sample count in compareMethods trapped while sizing the progress ranges.
    func testCompareMethodsNegativeStepsAndSamples() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        _ = daemon.initialize()
        for (method, option) in [("integratedGradients", "steps"), ("smoothGrad", "samples")] {
            for value in [-1, -1_000_000_000] {
                let error = daemon.callError("compareMethods", ["text": "hello world", "workDoneToken": "p",
                                                                "options": [method: [option: .integer(value)]]])
                XCTAssertEqual(error?.errorCode, ErrorCode.invalidParams.rawValue)
                XCTAssertEqual(error?.errorField, "options.\(method).\(option)")
            }
        }
        assertStillServing(daemon)
    }

    /// Item 3: hostile config.json sizes and label keys; `--model` exits 2 with the reason.
    func testHostileConfigIsRefusedAtLoad() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        _ = daemon.initialize()
        let edits: [(String, (inout JSONObject) -> Void, String)] = [
            ("keys 0 and 00", { $0["id2label"] = ["0": "a", "00": "b"] }, "names label 0 twice"),
            ("keys 0 and -0", { $0["id2label"] = ["0": "a", "-0": "b"] }, "names label 0 twice"),
            ("1e12 labels", { $0["id2label"] = nil; $0["label2id"] = nil; $0["num_labels"] = 1_000_000_000_000 }, "num_labels 1000000000000 needs more weights"),
            ("3e8 labels", { $0["id2label"] = nil; $0["label2id"] = nil; $0["num_labels"] = 300_000_000 }, "num_labels 300000000 needs more weights"),
            ("1e9 layers", { $0["num_hidden_layers"] = 1_000_000_000 }, "num_hidden_layers 1000000000 needs more weights"),
        ]
        for (name, edit, phrase) in edits {
            let directory = try modelCopy(name) { try JSONFile.edit($0.appendingPathComponent("config.json"), edit) }
            let error = daemon.callError("models/load", ["path": .string(directory.path)])
            XCTAssertEqual(error?.errorCode, ErrorCode.modelCorrupt.rawValue, name)
            XCTAssertTrue(error?["message"]?.stringValue?.contains(phrase) ?? false, "\(name): \(error.map(JSONSerializer.string) ?? "")")

            let run = try Subprocess.run(try XCTUnwrap(TestPaths.daemon), ["--model", directory.path])
            XCTAssertEqual(run.status, 2, name)
            XCTAssertTrue(run.stderr.contains(phrase), "\(name): \(run.stderr)")
        }
        assertStillServing(daemon)
    }

    /// Item 4: a tokenizer without a post-processor (valid for HuggingFace) gives sequences without [CLS] and
    /// [SEP]; deleting the only token left nothing to run.
    func testEmptySequencesAfterRemovingTokens() throws {
        let directory = try modelCopy("no-post-processor") {
            try JSONFile.edit($0.appendingPathComponent("tokenizer.json")) { $0["post_processor"] = .null }
        }
        let daemon = try launchDaemon(arguments: ["--model", directory.path])
        _ = daemon.initialize()
        XCTAssertEqual(daemon.call("tokenize", ["text": "hello"])?["tokens"]?.arrayValue?.count, 1)
        let occlusion = daemon.call("explain", ["text": "hello", "method": "occlusion", "options": ["replacement": "delete"]])
        XCTAssertEqual(occlusion?["tokens"]?.arrayValue?.compactMap { $0["score"]?.doubleValue }.count, 1)
        let comparison = daemon.call("compareMethods", ["text": "hello"])
        XCTAssertEqual(comparison?["methods"]?.arrayValue?.count, 6)
        // An empty text is no tokens at all: predicted as a lone [PAD].
        XCTAssertNotNil(daemon.call("predict", ["text": ""])?["label"])
        XCTAssertEqual(daemon.callError("explain", ["text": ""])?.errorField, "text")
        XCTAssertEqual(daemon.call("tokenize", ["text": "still serving"])?["tokens"]?.arrayValue?.count, 2)
    }

    /// Item 5: model.safetensors truncated, or rewritten in place, while the model is loaded.
    func testWeightFileChangedWhileLoaded() throws {
        let directory = try modelCopy("changing")
        let weights = directory.appendingPathComponent("model.safetensors")
        let daemon = try launchDaemon(arguments: ["--model", directory.path, "--model-id", "m"])
        _ = daemon.initialize()
        XCTAssertNotNil(daemon.call("predict", ["text": "before"]))
        let original = try Data(contentsOf: weights)
        XCTAssertEqual(truncate(weights.path, 4096), 0)
        for method in ["predict", "explain", "compareMethods"] {
            let error = daemon.callError(method, ["text": "after the truncation"])
            XCTAssertEqual(error?.errorCode, ErrorCode.internalError.rawValue, method)
            XCTAssertTrue(error?["message"]?.stringValue?.contains("changed on disk") ?? false, "\(method): \(error.map(JSONSerializer.string) ?? "")")
            XCTAssertEqual(error?["data"]?["model"], "m")
        }
        // `cp new old`: the same size again, other bytes in the same inode.
        let handle = try FileHandle(forWritingTo: weights)
        try handle.write(contentsOf: original)
        try handle.close()
        XCTAssertTrue(daemon.callError("predict", ["text": "rewritten"])?["message"]?.stringValue?.contains("changed on disk") ?? false)
        // Reloading it is the remedy.
        XCTAssertNotNil(daemon.call("models/unload", ["id": "m"]))
        XCTAssertNotNil(daemon.call("models/load", ["path": .string(directory.path), "id": "m"]))
        XCTAssertNotNil(daemon.call("predict", ["text": "reloaded"])?["label"])
        assertStillServing(daemon)
    }

    /// Item 7: a FIFO (or a device) as model.safetensors blocked the loading lane forever.
    func testFIFOAndDevicesAreNotOpened() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        _ = daemon.initialize()
        let fifo = try modelCopy("fifo") {
            let weights = $0.appendingPathComponent("model.safetensors")
            try FileManager.default.removeItem(at: weights)
            XCTAssertEqual(mkfifo(weights.path, 0o600), 0)
        }
        let error = daemon.callError("models/load", ["path": .string(fifo.path)])
        XCTAssertEqual(error?.errorCode, ErrorCode.modelCorrupt.rawValue)
        XCTAssertTrue(error?["message"]?.stringValue?.contains("is a FIFO, not a regular file") ?? false, "\(error.map(JSONSerializer.string) ?? "")")
        for (name, target) in [("zero", "/dev/zero"), ("null", "/dev/null")] {
            let device = try modelCopy(name) {
                let config = $0.appendingPathComponent("config.json")
                try FileManager.default.removeItem(at: config)
                try FileManager.default.createSymbolicLink(atPath: config.path, withDestinationPath: target)
            }
            let message = daemon.callError("models/load", ["path": .string(device.path)])?["message"]?.stringValue ?? ""
            XCTAssertTrue(message.contains("config.json is a character device, not a regular file"), message)
        }
        let folder = try modelCopy("folder") {
            let config = $0.appendingPathComponent("config.json")
            try FileManager.default.removeItem(at: config)
            try FileManager.default.createDirectory(at: config, withIntermediateDirectories: false)
        }
        let message = daemon.callError("models/load", ["path": .string(folder.path)])?["message"]?.stringValue ?? ""
        XCTAssertTrue(message.contains("config.json is a directory, not a regular file"), message)
        assertStillServing(daemon)
    }

    /// Item 11: non-finite weights are refused at load naming the tensor; a computation that overflows
    /// answers -32603 saying what overflowed, never a null where a number is promised.
    func testNonFiniteWeightsAndOverflow() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        _ = daemon.initialize()
        func poisoned(_ name: String, tensor: String, value: Float, count: Int) throws -> URL {
            try modelCopy(name) { directory in
                let url = directory.appendingPathComponent("model.safetensors")
                var data = try Data(contentsOf: url)
                let headerLength = Int(data.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
                let header = try JSONParser.parse(data[8..<8 + headerLength])
                let offsets = try XCTUnwrap(header[tensor]?["data_offsets"]?.arrayValue?.compactMap(\.intValue))
                for i in 0..<count {
                    let at = 8 + headerLength + offsets[0] + 4 * i
                    withUnsafeBytes(of: value.bitPattern.littleEndian) { data.replaceSubrange(at..<at + 4, with: $0) }
                }
                try data.write(to: url)
            }
        }
        let nan = try poisoned("nan", tensor: "bert.pooler.dense.weight", value: .nan, count: 1)
        let error = daemon.callError("models/load", ["path": .string(nan.path)])
        XCTAssertEqual(error?.errorCode, ErrorCode.modelCorrupt.rawValue)
        XCTAssertTrue(error?["message"]?.stringValue?.contains("tensor bert.pooler.dense.weight holds a non-finite value") ?? false,
                      "\(error.map(JSONSerializer.string) ?? "")")
        // Finite weights whose products overflow Float32.
        let huge = try poisoned("huge", tensor: "classifier.weight", value: 3e38, count: 32)
        XCTAssertNotNil(daemon.call("models/load", ["path": .string(huge.path), "id": "huge"]))
        for method in ["predict", "explain"] {
            let overflow = daemon.callError(method, ["text": "overflowing logits", "model": "huge"])
            XCTAssertEqual(overflow?.errorCode, ErrorCode.internalError.rawValue, method)
            XCTAssertTrue(overflow?["message"]?.stringValue?.contains("not finite") ?? false, "\(overflow.map(JSONSerializer.string) ?? "")")
        }
        assertStillServing(daemon)
    }

    /// Item 8: a client that pipes stderr and never reads it froze the daemon after about 900 warnings.
    func testUnreadStandardErrorNeverBlocksTheProtocol() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture, "--log-level", "debug"], readStandardError: false)
        _ = daemon.initialize()
        // Each broken message is answered -32700 and logs a warning; together far more than a pipe holds.
        let broken = Array("Content-Length: 1\r\n\r\n{".utf8)
        daemon.sendRaw(Array(repeatElement(broken, count: 5000).joined()))
        for i in 0..<5000 where i % 500 == 0 || i == 4999 {
            XCTAssertNotNil(daemon.waitFor("parse error \(i)", timeout: 120) { $0["error"]?.errorCode == ErrorCode.parseError.rawValue })
        }
        XCTAssertEqual(daemon.call("tokenize", ["text": "still serving"])?["tokens"]?.arrayValue?.count, 4)
        // Shut down cleanly although stderr is full.
        _ = daemon.call("shutdown")
        daemon.notify("exit")
        XCTAssertEqual(daemon.waitForExit(), 0)
    }

    /// Item 9: texts × steps past the per-request work limit are refused up front (the points themselves are
    /// made batch by batch, so what is accepted is bounded by the batch).
    func testWorkPerRequestIsLimited() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        let limits = daemon.initialize()?["capabilities"]?["limits"]
        XCTAssertEqual(limits?["maxWork"]?.intValue, ServerOptions().maxWork)
        let long = String(repeating: "the election commission announced new dates ", count: 12)
        let texts = JSONValue.array(Array(repeating: .string(long), count: 64))
        // 64 texts × 64 tokens (the fixture's maximum) × up to 2 × 1024 adaptive steps × 3 passes ≈ 25 M token-passes.
        let error = daemon.callError("explain", ["texts": texts, "method": "integratedGradients",
                                                 "options": ["steps": 1024, "adaptive": true]])
        XCTAssertEqual(error?.errorCode, ErrorCode.invalidParams.rawValue)
        XCTAssertEqual(error?.errorField, "options.steps")
        XCTAssertTrue(error?["data"]?["reason"]?.stringValue?.contains("--max-work") ?? false)
        let small = try launchDaemon(arguments: ["--model", fixture, "--max-work", "1000"])
        _ = small.initialize()
        XCTAssertEqual(small.callError("compareMethods", ["text": "a few words to compare"])?.errorField, "options")
        XCTAssertNotNil(small.call("explain", ["text": "a few words"]))
    }

    /// Item 10: every array parameter has a limit, and `initialize` lists them.
    func testArrayParametersAreLimited() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture])
        let encodings = JSONValue.array(Array(repeating: "utf-8", count: 17))
        XCTAssertEqual(daemon.callError("initialize", ["positionEncodings": encodings])?.errorField, "positionEncodings")
        let limits = daemon.initialize()?["capabilities"]?["limits"]
        XCTAssertEqual(limits?["maxThresholds"]?.intValue, 100)
        XCTAssertEqual(limits?["maxTexts"]?.intValue, 64)
        let thresholds = JSONValue.array(Array(repeating: .number(0.5), count: 101))
        XCTAssertEqual(daemon.callError("compareMethods", ["text": "hello world", "thresholds": thresholds])?.errorField, "thresholds")
        XCTAssertEqual(daemon.callError("compareMethods", ["text": "hello world", "metrics": ["agreement", "agreement"]])?.errorField, "metrics[1]")
        let methods = JSONValue.array(Array(repeating: "occlusion", count: 7))
        XCTAssertEqual(daemon.callError("compareMethods", ["text": "hello world", "methods": methods])?.errorField, "methods")
        assertStillServing(daemon)
    }

    /// Item 12: cancelling a request still in its queue answers it at once and frees its place.
    func testCancellingAQueuedRequestAnswersAtOnce() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture, "--max-queued-work", "1"])
        _ = daemon.initialize()
        let long = String(repeating: "Voters queued for hours to elect their governor. ", count: 6)
        let slow: JSONValue = ["text": .string(long), "method": "integratedGradients",
                               "options": ["steps": 1024, "batchSize": 1, "rule": "riemannMiddle"]]
        var running = slow
        if case .object(var o) = running { o["workDoneToken"] = "r"; running = .object(o) }
        daemon.sendRequest("explain", running, id: "running")
        XCTAssertNotNil(daemon.waitFor("progress") { $0["params"]?["token"] == "r" && $0["params"]?["value"]?["kind"] == "report" })
        daemon.sendRequest("explain", slow, id: "queued")
        daemon.notify("$/cancelRequest", ["id": "queued"])
        XCTAssertEqual(daemon.reply(to: "queued")?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        XCTAssertFalse(daemon.pending.contains { $0["id"] == "running" }, "answered while the running one still runs")
        // Its place is free again: with a bound of 1, another request is queued, not refused.
        daemon.sendRequest("explain", ["text": "next"], id: "next")
        daemon.notify("$/cancelRequest", ["id": "running"])
        XCTAssertEqual(daemon.reply(to: "running")?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        XCTAssertNotNil(daemon.reply(to: "next")?["result"])
    }

    /// Item 13: a burst of cheap requests (an editor asks for every visible line at once) is never refused.
    func testBurstsOfCheapRequestsAreAllAnswered() throws {
        let daemon = try launchDaemon(arguments: ["--model", fixture, "--queue-bound", "4"])
        _ = daemon.initialize()
        var burst: [UInt8] = []
        for i in 0..<400 {
            let method = i % 4 == 3 ? "predict" : "tokenize"
            burst += daemon.frame(JSONSerializer.serialize(["jsonrpc": "2.0", "id": .integer(10_000 + i), "method": .string(method),
                                                             "params": ["text": .string("line \(i) of a long file")]]))
        }
        daemon.sendRaw(burst)
        for i in 0..<400 {
            XCTAssertNotNil(daemon.reply(to: .integer(10_000 + i), timeout: 120)?["result"], "request \(i)")
        }
    }

    /// Item 14: --max-steps above the method's own maximum is refused; a lower one is what initialize reports.
    func testServerMaximaAreTheOnesReported() throws {
        guard let binary = TestPaths.daemon else { throw XCTSkip("explaind not built") }
        let refused = try Subprocess.run(binary, ["--max-steps=5000"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("--max-steps is at most 1024"), refused.stderr)

        let daemon = try launchDaemon(arguments: ["--model", fixture, "--max-steps=100", "--max-samples", "30"])
        let capabilities = daemon.initialize()?["capabilities"]
        XCTAssertEqual(capabilities?["limits"]?["maxSteps"]?.intValue, 100)
        let methods = capabilities?["attributionMethods"]?.arrayValue ?? []
        func maximum(_ method: String, _ option: String) -> Double? {
            methods.first { $0["name"] == .string(method) }?["options"]?.arrayValue?.first { $0["name"] == .string(option) }?["maximum"]?.doubleValue
        }
        XCTAssertEqual(maximum("integratedGradients", "steps"), 100)
        XCTAssertEqual(maximum("smoothGrad", "samples"), 30)
        XCTAssertEqual(daemon.callError("explain", ["text": "a b", "method": "integratedGradients", "options": ["steps": 101]])?.errorField, "options.steps")
    }
}
