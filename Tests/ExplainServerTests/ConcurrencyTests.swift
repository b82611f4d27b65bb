import Foundation
import XCTest
import ExplainProtocol
import ExplainAttribution
@testable import ExplainServer

/// Batches, lanes, out-of-order replies, cancellation, progress and the bounded queue, through a real daemon.
final class ConcurrencyTests: XCTestCase {
    let longText = Array(repeating: "Voters queued for hours to elect their governor in Kano state", count: 8).joined(separator: ". ")

    func startDaemon(_ extra: [String] = []) throws -> DaemonProcess {
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model("bert-largest")] + extra)
        _ = daemon.initialize()
        return daemon
    }

    /// An explain request long enough to be cancelled mid-way: integrated gradients at the library's step
    /// limit, in small batched passes so each pass (and so each cancellation check) comes quickly.
    func sendLongExplain(_ daemon: DaemonProcess, id: JSONValue, token: JSONValue? = nil) {
        var params: [String: JSONValue] = [
            "text": .string(longText), "method": "integratedGradients",
            "options": ["steps": .integer(integratedGradientsMaxSteps), "batchSize": 2, "rule": "riemannMiddle"],
        ]
        if let token { params["workDoneToken"] = token }
        daemon.sendRequest("explain", .object(params), id: id)
    }

    var integratedGradientsMaxSteps: Int {
        let steps = AttributionRegistry.methods.first { $0.name == "integratedGradients" }?.options.first { $0.name == "steps" }
        return Int(steps?.maximum ?? 1024)
    }

    func progress(_ daemon: DaemonProcess, token: JSONValue, kind: String, timeout: TimeInterval = 60) -> JSONValue? {
        daemon.waitFor("$/progress \(kind)", timeout: timeout) {
            $0["method"] == "$/progress" && $0["params"]?["token"] == token && $0["params"]?["value"]?["kind"] == .string(kind)
        }
    }

    func testBatchGetsOneArrayReplyInAnyOrder() throws {
        let daemon = try startDaemon()
        daemon.sendBody("""
            [{"jsonrpc":"2.0","id":"t","method":"tokenize","params":{"text":"hello world"}},
             {"jsonrpc":"2.0","method":"initialized"},
             {"jsonrpc":"2.0","id":2,"method":"predict","params":{"text":"hello"}},
             {"jsonrpc":"2.0","id":3,"method":"nope"},
             17,
             {"jsonrpc":"2.0","id":4,"method":"tokenize","params":{}},
             {"jsonrpc":"2.0","id":5,"method":"explain","params":{"text":"hello"}}]
            """)
        let reply = try XCTUnwrap(daemon.waitFor("batch reply") { $0.arrayValue != nil }?.arrayValue)
        XCTAssertEqual(reply.count, 6, "one reply per request and per invalid member; none for the notification")
        func member(_ id: JSONValue) -> JSONValue? { reply.first { $0["id"] == id } }
        XCTAssertNotNil(member("t")?["result"]?["tokens"])
        XCTAssertNotNil(member(2)?["result"]?["label"])
        XCTAssertEqual(member(3)?["error"]?.errorCode, ErrorCode.methodNotFound.rawValue)
        XCTAssertEqual(member(4)?["error"]?.errorField, "text")
        XCTAssertNotNil(member(5)?["result"]?["tokens"])
        XCTAssertEqual(member(nil)?["error"]?.errorCode, ErrorCode.invalidRequest.rawValue)
        // A batch of notifications only gets no reply at all.
        daemon.sendBody(#"[{"jsonrpc":"2.0","method":"initialized"},{"jsonrpc":"2.0","method":"$/unknown"}]"#)
        XCTAssertNotNil(daemon.call("tokenize", ["text": "after"]))
        XCTAssertTrue(daemon.pending.isEmpty, "\(daemon.pending)")
    }

    func testCheapRequestsOvertakeALongExplainWhichIsThenCancelled() throws {
        let daemon = try startDaemon()
        sendLongExplain(daemon, id: "long", token: "work")
        XCTAssertNotNil(progress(daemon, token: "work", kind: "begin"))
        XCTAssertNotNil(progress(daemon, token: "work", kind: "report"), "the long request is running")
        // tokenize, predict and models/list answer while the explain computes: replies out of order.
        let started = Date()
        XCTAssertNotNil(daemon.call("tokenize", ["text": "quick"]))
        XCTAssertNotNil(daemon.call("predict", ["text": "quick"]))
        XCTAssertNotNil(daemon.call("models/list"))
        let cheapLatency = Date().timeIntervalSince(started)
        XCTAssertFalse(daemon.pending.contains { $0["id"] == "long" }, "explain still running")
        // A second request with the id in flight is refused, then the long one is cancelled.
        daemon.sendRequest("tokenize", ["text": "dup"], id: "long")
        let duplicate = daemon.reply(to: "long")
        XCTAssertEqual(duplicate?["error"]?.errorCode, ErrorCode.invalidRequest.rawValue)
        XCTAssertTrue(duplicate?["error"]?["message"]?.stringValue?.contains("duplicate id") ?? false)
        let cancelledAt = Date()
        daemon.notify("$/cancelRequest", ["id": "long"])
        let reply = daemon.reply(to: "long", timeout: 30)
        XCTAssertEqual(reply?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        XCTAssertNotNil(progress(daemon, token: "work", kind: "end"))
        print("cheap requests behind a running explain: \(Int(cheapLatency * 1000)) ms for three; cancel answered in \(Int(Date().timeIntervalSince(cancelledAt) * 1000)) ms")
        // The daemon keeps serving; cancelling an unknown id is ignored.
        daemon.notify("$/cancelRequest", ["id": 12345])
        XCTAssertNotNil(daemon.call("tokenize", ["text": "still here"]))
    }

    /// LIME, Kernel SHAP and sequential IG report progress between their batched passes, like integrated
    /// gradients (their cancellation between batches is tested in the library, where it does not race the clock).
    func testPerturbationMethodsReportProgress() throws {
        let daemon = try startDaemon()
        for (method, options) in [("lime", ["samples": 40, "batchSize": 4] as JSONValue),
                                  ("kernelShap", ["samples": 40, "exactUpTo": 0, "batchSize": 4]),
                                  ("sequentialIntegratedGradients", ["steps": 4, "batchSize": 2])] {
            let id = JSONValue.string(method), token = JSONValue.string("work-" + method)
            daemon.sendRequest("explain", ["text": "a short text to explain", "method": .string(method), "options": options,
                                           "workDoneToken": token], id: id)
            XCTAssertNotNil(daemon.reply(to: id, timeout: 120)?["result"]?["tokens"], method)
            let values = daemon.progressValues(token: token)
            XCTAssertEqual(values.first?["kind"], "begin", method)
            XCTAssertEqual(values.last?["kind"], "end", method)
            let percentages = values.compactMap { $0["percentage"]?.intValue }
            XCTAssertEqual(percentages, percentages.sorted(), method)
            XCTAssertGreaterThanOrEqual(values.filter { $0["kind"] == "report" }.count, 2, method)
        }
    }

    func testProgressBeginReportEndThenReply() throws {
        let daemon = try startDaemon()
        daemon.sendRequest("explain", ["text": "a short text", "method": "integratedGradients",
                                       "options": ["steps": 32, "batchSize": 4], "workDoneToken": 7], id: 70)
        let reply = try XCTUnwrap(daemon.reply(to: 70, timeout: 120))
        XCTAssertNotNil(reply["result"]?["tokens"], "\(reply)")
        // Everything the daemon sent for this token, in arrival order, came before the reply was taken.
        let values = daemon.progressValues(token: 7)
        XCTAssertEqual(values.first?["kind"], "begin")
        XCTAssertEqual(values.last?["kind"], "end")
        let percentages = values.compactMap { $0["percentage"]?.intValue }
        XCTAssertEqual(percentages, percentages.sorted())
        XCTAssertTrue(percentages.allSatisfy { (0...100).contains($0) })
        XCTAssertGreaterThanOrEqual(values.filter { $0["kind"] == "report" }.count, 1)
        // Without a token: no progress at all.
        XCTAssertNotNil(daemon.call("explain", ["text": "short", "method": "integratedGradients", "options": ["steps": 8]]))
        XCTAssertFalse(daemon.pending.contains { $0["method"] == "$/progress" })
    }

    func testFullQueueAnswersServerBusy() throws {
        let daemon = try startDaemon(["--max-queued-work", "1"])
        sendLongExplain(daemon, id: "running", token: "r")
        XCTAssertNotNil(progress(daemon, token: "r", kind: "report"))
        sendLongExplain(daemon, id: "queued")
        sendLongExplain(daemon, id: "refused")
        let busy = daemon.reply(to: "refused")
        XCTAssertEqual(busy?["error"]?.errorCode, ErrorCode.serverBusy.rawValue)
        XCTAssertEqual(busy?["error"]?["data"]?["queue"], "long")
        // Cancelling the queued one answers it without running it; the quick lane never filled up.
        daemon.notify("$/cancelRequest", ["id": "queued"])
        daemon.notify("$/cancelRequest", ["id": "running"])
        XCTAssertEqual(daemon.reply(to: "running")?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        XCTAssertEqual(daemon.reply(to: "queued")?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        XCTAssertNotNil(daemon.call("tokenize", ["text": "fine"]))
    }

    /// The long lane holds waiting work, not a count: behind a running explain, a burst of 100 short gradient
    /// requests (30 token-passes each) is taken whole, and one integrated-gradients request that would pass
    /// the bound is refused with the bound, its unit and its own cost.
    func testLongLaneIsBoundedByQueuedWork() throws {
        let daemon = try startDaemon(["--max-queued-work", "100000"])
        sendLongExplain(daemon, id: "running", token: "r")
        XCTAssertNotNil(progress(daemon, token: "r", kind: "report"))
        for i in 0..<100 { daemon.sendRequest("explain", ["text": "vote now", "method": "gradientNorm"], id: .integer(i)) }
        let text = String(repeating: "vote ", count: 20)
        daemon.sendRequest("explain", ["text": .string(text), "method": "integratedGradients", "options": ["steps": 1024]], id: "big")
        let busy = try XCTUnwrap(daemon.reply(to: "big"))
        XCTAssertEqual(busy["error"]?.errorCode, ErrorCode.serverBusy.rawValue, "\(busy)")
        XCTAssertEqual(busy["error"]?["data"]?["queue"], "long")
        XCTAssertEqual(busy["error"]?["data"]?["unit"], "token-passes")
        XCTAssertEqual(busy["error"]?["data"]?["bound"], 100000)
        // (100 bytes + 2) tokens × (3 × 1024 + 1) passes
        XCTAssertTrue(busy["error"]?["message"]?.stringValue?.contains("(this one: \(102 * 3073))") ?? false, "\(busy)")
        daemon.notify("$/cancelRequest", ["id": "running"])
        XCTAssertEqual(daemon.reply(to: "running")?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        for i in 0..<100 {
            let reply = daemon.reply(to: .integer(i), timeout: 120)
            XCTAssertNotNil(reply?["result"]?["tokens"], "request \(i) of the burst: \(String(describing: reply))")
        }
    }

    func testTokenizeRoundTripLatency() throws {
        let daemon = try startDaemon()
        _ = daemon.call("tokenize", ["text": "warm up"])
        let rounds = 200
        let started = Date()
        for i in 0..<rounds { XCTAssertNotNil(daemon.call("tokenize", ["text": .string("The APC and PDP traded accusations \(i)")])) }
        let perCall = Date().timeIntervalSince(started) / Double(rounds)
        // Reported, not asserted: a loaded machine must not fail the suite (speed is the benchmark's job).
        print("tokenize round trip: \(String(format: "%.3f", perCall * 1000)) ms per request over pipes (\(rounds) sequential)")
    }
}
