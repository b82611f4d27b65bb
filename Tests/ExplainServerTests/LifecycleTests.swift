import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
@testable import ExplainServer

/// LSP's lifecycle and the process's exit codes: exit, end of input, SIGTERM; and stdout cleanliness.
final class LifecycleTests: XCTestCase {
    let model = TestPaths.model("bert-gelu-2labels")

    func testRequestsBeforeInitializeAreRefused() throws {
        let daemon = try launchDaemon(arguments: ["--model", model])
        daemon.notify("initialized")  // dropped silently
        XCTAssertEqual(daemon.callError("tokenize", ["text": "x"])?.errorCode, ErrorCode.serverNotInitialized.rawValue)
        XCTAssertEqual(daemon.callError("shutdown")?.errorCode, ErrorCode.serverNotInitialized.rawValue)
        XCTAssertNotNil(daemon.initialize())
        XCTAssertEqual(daemon.callError("initialize")?.errorCode, ErrorCode.invalidRequest.rawValue)
        XCTAssertNotNil(daemon.call("tokenize", ["text": "x"]))
    }

    /// `--threads` sizes the compute pool before the startup model loads (the load's log line says so).
    func testThreadsOptionReachesTheComputePool() throws {
        for threads in [1, 2] {
            let daemon = try launchDaemon(arguments: ["--model", model, "--threads", String(threads), "--log-level", "info"])
            _ = daemon.initialize()
            XCTAssertEqual(daemon.call("shutdown"), .null)
            daemon.notify("exit")
            XCTAssertEqual(daemon.waitForExit(), 0)
            let loaded = daemon.stderr.split(separator: "\n").first { $0.contains("loaded model") }.map(String.init) ?? ""
            XCTAssertTrue(loaded.contains("; \(threads) compute thread\(threads == 1 ? "" : "s"), "), loaded)
            XCTAssertTrue(loaded.contains(" dense layers with an input-gradient copy ("), loaded)
        }
    }

    func testShutdownThenExitIsZero() throws {
        let daemon = try launchDaemon(arguments: ["--model", model])
        _ = daemon.initialize()
        XCTAssertEqual(daemon.call("shutdown"), .null)
        XCTAssertEqual(daemon.callError("tokenize", ["text": "x"])?.errorCode, ErrorCode.invalidRequest.rawValue)
        daemon.notify("exit")
        XCTAssertEqual(daemon.waitForExit(), 0)
        // Only protocol frames ever reached stdout.
        XCTAssertTrue(daemon.outputBytes.starts(with: Array("Content-Length: ".utf8)))
    }

    func testExitWithoutShutdownIsOne() throws {
        let daemon = try launchDaemon(arguments: ["--model", model])
        _ = daemon.initialize()
        daemon.notify("exit")
        XCTAssertEqual(daemon.waitForExit(), 1)
    }

    func testEndOfInputAnswersWhatIsInFlightThenExits() throws {
        let daemon = try launchDaemon(arguments: ["--model", model])
        _ = daemon.initialize()
        let id = daemon.sendRequest("explain", ["text": "answered after EOF", "method": "integratedGradients", "options": ["steps": 32]])
        daemon.closeInput()
        XCTAssertNotNil(daemon.reply(to: id)?["result"])
        XCTAssertEqual(daemon.waitForExit(), 1, "EOF without shutdown")

        let polite = try launchDaemon(arguments: ["--model", model])
        _ = polite.initialize()
        _ = polite.call("shutdown")
        polite.closeInput()
        XCTAssertEqual(polite.waitForExit(), 0, "EOF after shutdown")
    }

    func testSigtermExits() throws {
        let daemon = try launchDaemon(arguments: ["--model", model])
        _ = daemon.initialize()
        daemon.process.terminate()  // SIGTERM
        XCTAssertEqual(daemon.waitForExit(), 1)
        let polite = try launchDaemon(arguments: ["--model", model])
        _ = polite.initialize()
        _ = polite.call("shutdown")
        polite.process.terminate()
        XCTAssertEqual(polite.waitForExit(), 0)
    }

    func testSigintAndSighupCancelAnswerAndExitLikeSigterm() throws {
        for signal in [SIGINT, SIGHUP, SIGTERM] {
            let daemon = try launchDaemon(arguments: ["--model", model])
            _ = daemon.initialize()
            let id = daemon.sendRequest("explain", ["text": "a long explanation", "method": "integratedGradients",
                                                    "options": ["steps": 1024, "batchSize": 1], "workDoneToken": "t"])
            XCTAssertNotNil(daemon.waitFor("progress") { $0["params"]?["token"] == "t" && $0["params"]?["value"]?["kind"] == "report" })
            kill(daemon.process.processIdentifier, signal)
            XCTAssertEqual(daemon.reply(to: id)?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue, "signal \(signal)")
            XCTAssertEqual(daemon.waitForExit(), 1, "signal \(signal)")
        }
    }

    func testNDJSONIsDetectedAndAnsweredInKind() throws {
        let daemon = try launchDaemon(arguments: ["--model", model], framing: .ndjson)
        XCTAssertEqual(daemon.initialize(encodings: ["utf-8"])?["positionEncoding"], "utf-8")
        let tokens = daemon.call("tokenize", ["text": "line\nbreak"])?["tokens"]?.arrayValue
        XCTAssertEqual(tokens?.count, 4)
        let output = daemon.outputBytes
        XCTAssertEqual(output.first, UInt8(ascii: "{"))
        XCTAssertEqual(output.last, UInt8(ascii: "\n"))
        XCTAssertEqual(output.filter { $0 == UInt8(ascii: "\n") }.count, 2, "one line per reply")
        // Forced framing: --framing lsp treats a JSON line as garbage and says so.
        let forced = try launchDaemon(arguments: ["--model", model, "--framing", "lsp"], framing: .lsp)
        forced.sendRaw(Array("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\"}\n".utf8))
        XCTAssertEqual(forced.waitFor("header error") { $0["id"] == .null }?["error"]?.errorCode, ErrorCode.parseError.rawValue)
    }

    func testCommandLine() throws {
        guard let binary = TestPaths.daemon else { throw XCTSkip("explaind not built") }
        func run(_ arguments: [String]) throws -> (Int32, String, String) {
            let run = try Subprocess.run(binary, arguments)
            return (run.status, run.stdout, run.stderr)
        }
        let help = try run(["--help"])
        XCTAssertEqual(help.0, 0)
        XCTAssertTrue(help.1.contains("--max-frame-bytes"))
        XCTAssertEqual(try run(["--version"]).1, "explaind \(ServerCommandLine.version)\n")
        let bad = try run(["--threads", "zero"])
        XCTAssertEqual(bad.0, 2)
        XCTAssertTrue(bad.2.contains("--threads needs a positive integer"))
        let missing = try run(["--model", "/no/such/model"])
        XCTAssertEqual(missing.0, 2)
        XCTAssertTrue(missing.2.contains("/no/such/model"))
    }

    func testCommandLineParsing() throws {
        guard case .serve(let options) = try ServerCommandLine.parse(
            ["--model", "a", "--model-id", "x", "--model=b", "--threads", "3", "--framing", "ndjson", "--log-level", "off", "--max-frame-bytes", "100"])
        else { return XCTFail() }
        XCTAssertEqual(options.models.map(\.path), ["a", "b"])
        XCTAssertEqual(options.models.map(\.id), ["x", nil])
        XCTAssertEqual(options.threads, 3)
        XCTAssertEqual(options.framing, .ndjson)
        XCTAssertNil(options.logLevel)
        XCTAssertEqual(options.maxFrameBytes, 100)
        XCTAssertThrowsError(try ServerCommandLine.parse(["--model-id", "x"]))
        XCTAssertThrowsError(try ServerCommandLine.parse(["--framing", "xml"]))
        XCTAssertThrowsError(try ServerCommandLine.parse(["--max-frame-bytes", "-1"]))
    }
}
