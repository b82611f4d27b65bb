import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainProtocol

/// `models/adapt` through the daemon: progress, the adapted model loaded under its id and answering with the
/// new tokens, field errors, and cancellation that writes nothing.
final class AdaptRequestTests: XCTestCase {
    func workDirectory() throws -> URL {
        let url = try scratchDirectory("explaind-adapt-rpc")
        let lines = [("Atiku and Ezekwesili spoke in Abuja.", "positive"), ("INEC postponed the vote.", "negative"),
                     ("Ezekwesili said INEC must publish results.", "positive"), ("The sky is green.", "negative")]
        try lines.map { JSONSerializer.string(["text": .string($0.0), "label": .string($0.1)] as JSONValue) }.joined(separator: "\n")
            .write(to: url.appendingPathComponent("data.jsonl"), atomically: true, encoding: .utf8)
        return url
    }

    func testAdaptLoadsTheNewModelWithProgress() throws {
        let work = try workDirectory()
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model("bert-gelu-2labels")])
        XCTAssertNotNil(daemon.initialize())
        let data = work.appendingPathComponent("data.jsonl").path, out = work.appendingPathComponent("adapted").path
        let id = daemon.sendRequest("models/adapt", ["data": .string(data), "heldout": .string(data), "out": .string(out),
                                                     "addTokens": ["Ezekwesili", "Atiku"], "train": "top-layers:1", "epochs": 2,
                                                     "learningRate": 0.01, "batchSize": 2, "workDoneToken": "adapt"])
        let reply = daemon.reply(to: id, timeout: 120)
        let result = try XCTUnwrap(reply?["result"], "\(reply.map(JSONSerializer.string) ?? "no reply")")
        XCTAssertEqual(result["model"]?["id"], "adapted")
        XCTAssertEqual(result["model"]?["vocabularySize"], 30524)
        XCTAssertEqual(result["out"]?.stringValue, out)
        XCTAssertEqual(result["report"]?["tokens"]?.arrayValue?.map { $0["token"]!.stringValue! }, ["Ezekwesili", "Atiku"])
        XCTAssertEqual(result["report"]?["epochs"]?.arrayValue?.count, 2)
        let progress = daemon.progressValues(token: "adapt")
        XCTAssertEqual(progress.first?["kind"], "begin")
        XCTAssertEqual(progress.last?["kind"], "end")
        XCTAssertTrue(progress.contains { $0["message"]?.stringValue?.contains("(epoch 1/2: loss ") == true }, "\(progress)")
        let tokens = daemon.call("tokenize", ["text": "Atiku spoke", "model": "adapted"])
        XCTAssertEqual(tokens?["tokens"]?.arrayValue?.compactMap { $0["id"]?.intValue }, [101, 30523, 3764, 102])
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/adapt-report.html"))

    }

    func testCancelledOrRefusedAdaptWritesNothing() throws {
        let work = try workDirectory()
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model("bert-gelu-2labels"), "--max-queued-work", "1000"])
        XCTAssertNotNil(daemon.initialize())
        let data = work.appendingPathComponent("data.jsonl").path, out = work.appendingPathComponent("adapted").path
        daemon.sendRequest("models/adapt", ["data": .string(data), "out": .string(out), "addTokens": ["Ezekwesili"], "epochs": 1000,
                                            "batchSize": 1, "workDoneToken": "long"], id: "long")
        XCTAssertNotNil(daemon.waitFor("progress report", timeout: 60) {
            $0["method"] == "$/progress" && $0["params"]?["token"] == "long" && $0["params"]?["value"]?["message"]?.stringValue?.hasPrefix("training") == true
        })
        // Behind it the lane holds work by its files' bytes / 3 tokens × (3 × 3 epochs + 8) passes: one text waits,
        // the four texts on top of it pass the bound and are refused at once.
        let one = work.appendingPathComponent("one.jsonl").path
        try Data("{\"text\": \"Atiku spoke.\", \"label\": \"positive\"}\n".utf8).write(to: URL(fileURLWithPath: one))
        daemon.sendRequest("models/adapt", ["data": .string(one), "out": .string(out + "-1"), "addTokens": ["Atiku"]], id: "waiting")
        daemon.sendRequest("models/adapt", ["data": .string(data), "out": .string(out + "-2"), "addTokens": ["Atiku"]], id: "refused")
        let bytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: data)[.size] as? Int)
        let busy = try XCTUnwrap(daemon.reply(to: "refused", timeout: 60))
        XCTAssertEqual(busy["error"]?["code"], .integer(ErrorCode.serverBusy.rawValue), "\(busy)")
        XCTAssertTrue(busy["error"]?["message"]?.stringValue?.contains("(this one: \(Int(Double(bytes) / 3 * 17)))") == true, "\(busy)")
        daemon.notify("$/cancelRequest", ["id": "waiting"])
        XCTAssertEqual(daemon.reply(to: "waiting", timeout: 60)?["error"]?["code"], .integer(ErrorCode.requestCancelled.rawValue))
        daemon.notify("$/cancelRequest", ["id": "long"])
        let cancelled = daemon.reply(to: "long", timeout: 60)
        XCTAssertEqual(cancelled?["error"]?["code"], .integer(ErrorCode.requestCancelled.rawValue))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path).filter { $0.hasPrefix(".staging") }, [])
        XCTAssertNotNil(daemon.call("predict", ["text": "still here"]))

        // A second adaptation to the same id is refused before anything is trained.
        let taken = daemon.callError("models/adapt", ["data": .string(data), "out": .string(work.appendingPathComponent("other").path),
                                                      "addTokens": ["INEC"], "id": "bert-gelu-2labels"])
        XCTAssertEqual(taken?["code"], .integer(ErrorCode.invalidParams.rawValue))
        let bad = daemon.callError("models/adapt", ["data": .string(data), "out": .string(work.appendingPathComponent("other").path),
                                                    "addTokens": ["the"]])
        XCTAssertEqual(bad?["code"], .integer(ErrorCode.invalidParams.rawValue))
        XCTAssertTrue(bad?["message"]?.stringValue?.contains("\"the\" is already in the vocabulary") == true, "\(String(describing: bad))")
        let neither = daemon.callError("models/adapt", ["data": .string(data), "out": .string(work.appendingPathComponent("other").path)])
        XCTAssertEqual(neither?["data"]?["field"], "addTokens")
        // The data is read as explaind corpus reads it: format and fields by name, every bad record by its line.
        let text = daemon.callError("models/adapt", ["data": .string(data), "out": .string(work.appendingPathComponent("other").path),
                                                     "addTokens": ["INEC"], "format": "text"])
        XCTAssertEqual(text?["data"]?["field"], "format")
        XCTAssertTrue(text?["message"]?.stringValue?.contains("adapt needs gold labels") == true, "\(String(describing: text))")
        let tsv = work.appendingPathComponent("data.txt").path
        try Data("text\tlabel\nAtiku spoke.\tpositive\n".utf8).write(to: URL(fileURLWithPath: tsv))
        let asTSV = daemon.callError("models/adapt", ["data": .string(tsv), "out": .string(work.appendingPathComponent("other").path),
                                                      "addTokens": ["INEC"], "format": "tsv", "textField": "body"])
        XCTAssertEqual(asTSV?["code"], .integer(ErrorCode.invalidParams.rawValue))
        XCTAssertTrue(asTSV?["message"]?.stringValue?.contains("no \"body\" column in the header (text, label)") == true, "\(String(describing: asTSV))")
        let unlabelled = work.appendingPathComponent("unlabelled.jsonl").path
        try Data("{\"text\": \"Atiku spoke.\", \"label\": \"positive\"}\n{\"text\": \"no label\"}\n{\"text\": 1, \"label\": \"negative\"}\n".utf8)
            .write(to: URL(fileURLWithPath: unlabelled))
        let badRecords = daemon.callError("models/adapt", ["data": .string(unlabelled), "out": .string(work.appendingPathComponent("other").path),
                                                           "addTokens": ["INEC"]])
        XCTAssertEqual(badRecords?["code"], .integer(ErrorCode.invalidParams.rawValue))
        XCTAssertEqual(badRecords?["message"]?.stringValue, "2 bad records (training takes every record or none):\n\(unlabelled):2: no gold label (\"label\")\n"
                       + "\(unlabelled):3: \"text\" is number, not a string")
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("other").path))
    }
}
