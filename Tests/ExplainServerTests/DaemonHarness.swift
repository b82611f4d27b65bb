import Foundation
import XCTest
import ExplainProtocol
import ExplainTransport
import ExplainTestSupport
@testable import ExplainServer

/// Paths relative to this file (fixtures) and to the build (the daemon binary).
enum TestPaths {
    static let packageRoot = BuiltProducts.packageRoot
    static let models = packageRoot.appendingPathComponent("Tests/Fixtures/models")
    static let expected = packageRoot.appendingPathComponent("Tests/Fixtures/expected")
    static func model(_ name: String) -> String { models.appendingPathComponent(name).path }

    /// The built `explaind` (EXPLAIND_PATH, else beside the test bundle, else .build/debug).
    static var daemon: URL? { BuiltProducts.executable("explaind", override: "EXPLAIND_PATH") }
}

/// A running `explaind` behind pipes, spoken to as an editor would: framed writes, a reader thread that
/// frames replies with the daemon's own LSP parser, and waits with timeouts so a bug fails instead of hanging.
final class DaemonProcess: @unchecked Sendable {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    let framing: FramingKind
    private let condition = NSCondition()
    private var messages: [JSONValue] = []
    private var rawOutput: [UInt8] = []
    private var outputClosed = false
    private var stderrText = Data()
    private var nextID = 1000

    /// `readStandardError: false` leaves the daemon's stderr pipe unread, as a careless client would.
    init(arguments: [String], framing: FramingKind = .lsp, readStandardError: Bool = true) throws {
        guard let binary = TestPaths.daemon else {
            throw XCTSkip("explaind is not built: run `swift build` before `swift test`")
        }
        self.framing = framing
        process.executableURL = binary
        process.arguments = arguments
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outHandle = output.fileHandleForReading
        Thread { [self] in
            var parser = AutoFrameParser(forced: framing, maxFrameBytes: 1 << 30)
            while true {
                let data = outHandle.availableData
                condition.lock()
                if data.isEmpty { outputClosed = true; condition.broadcast(); condition.unlock(); return }
                rawOutput.append(contentsOf: data)
                for case .message(let bytes) in parser.feed(Array(data)[...]) {
                    if let json = try? JSONParser.parse(bytes) { messages.append(json) }
                    else { messages.append(["unparsable": .string(String(decoding: bytes, as: UTF8.self))]) }
                }
                condition.broadcast()
                condition.unlock()
            }
        }.start()
        let errHandle = errors.fileHandleForReading
        if readStandardError { Thread { [self] in
            while true {
                let data = errHandle.availableData
                if data.isEmpty { return }
                condition.lock(); stderrText.append(data); condition.unlock()
            }
        }.start() }
    }

    /// Ends the daemon if the test has not (its reader threads keep this object alive, so deinit cannot).
    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    var stderr: String {
        condition.lock(); defer { condition.unlock() }
        return String(decoding: stderrText, as: UTF8.self)
    }

    var outputBytes: [UInt8] {
        condition.lock(); defer { condition.unlock() }
        return rawOutput
    }

    func sendRaw(_ bytes: [UInt8]) {
        input.fileHandleForWriting.write(Data(bytes))
    }

    func frame(_ body: [UInt8]) -> [UInt8] { FrameEncoder.frame(body, as: framing) }

    func send(_ message: JSONValue) { sendRaw(frame(JSONSerializer.serialize(message))) }

    func sendBody(_ text: String) { sendRaw(frame(Array(text.utf8))) }

    @discardableResult
    func sendRequest(_ method: String, _ params: JSONValue? = nil, id: JSONValue? = nil) -> JSONValue {
        let requestID: JSONValue
        if let id { requestID = id } else {
            condition.lock(); nextID += 1; requestID = .integer(nextID); condition.unlock()
        }
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "id": requestID, "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
        return requestID
    }

    func notify(_ method: String, _ params: JSONValue? = nil) {
        var message: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { message["params"] = params }
        send(.object(message))
    }

    /// Removes and returns the first message matching `predicate`, waiting up to `timeout` seconds.
    func waitFor(_ what: String, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line,
                 _ predicate: (JSONValue) -> Bool) -> JSONValue? {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let index = messages.firstIndex(where: predicate) { return messages.remove(at: index) }
            if outputClosed || !condition.wait(until: deadline) {
                if let index = messages.firstIndex(where: predicate) { return messages.remove(at: index) }
                XCTFail("no \(what) within \(timeout) s; pending: \(messages.map(JSONSerializer.string).joined(separator: "\n").prefix(2000))",
                        file: file, line: line)
                return nil
            }
        }
    }

    /// The $/progress values sent for `token`, in arrival order, up to and including its "end".
    func progressValues(token: JSONValue, file: StaticString = #filePath, line: UInt = #line) -> [JSONValue] {
        var values: [JSONValue] = []
        while let note = waitFor("progress", timeout: 1, file: file, line: line, {
            $0["method"] == "$/progress" && $0["params"]?["token"] == token
        }) {
            values.append(note["params"]!["value"]!)
            if values.last?["kind"] == "end" { break }
        }
        return values
    }

    func reply(to id: JSONValue, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        waitFor("reply to \(JSONSerializer.string(id))", timeout: timeout, file: file, line: line) {
            $0["id"] == id && $0["method"] == nil
        }
    }

    /// Sends a request and returns its reply's `member` ("result" or "error"), failing the test with
    /// `otherwise(reply)` when the reply has the other.
    private func send(_ method: String, _ params: JSONValue?, returning member: String, otherwise: (JSONValue) -> String,
                      file: StaticString, line: UInt) -> JSONValue? {
        let id = sendRequest(method, params)
        guard let reply = reply(to: id, file: file, line: line) else { return nil }
        guard let value = reply[member] else {
            XCTFail(otherwise(reply), file: file, line: line)
            return nil
        }
        return value
    }

    /// Sends a request and returns its `result` (failing the test on an error reply).
    func call(_ method: String, _ params: JSONValue? = nil, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        send(method, params, returning: "result", otherwise: { "\(method) failed: \(JSONSerializer.string($0))" }, file: file, line: line)
    }

    /// Sends typed params and returns the result decoded as the method's protocol type: what a client gets
    /// (failing the test on an error reply, or on a result that does not decode, naming the field).
    func call<P: RequestParams>(_ params: P, file: StaticString = #filePath, line: UInt = #line) -> P.Result? {
        guard let result = call(P.method, params.json, file: file, line: line) else { return nil }
        do { return try P.Result(json: result, at: "result") } catch {
            XCTFail("\(P.method)'s result does not decode: \(error)", file: file, line: line)
            return nil
        }
    }

    /// Sends a request and returns its `error` (failing the test on a result).
    func callError(_ method: String, _ params: JSONValue? = nil, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        send(method, params, returning: "error", otherwise: { "\(method) unexpectedly succeeded: \(JSONSerializer.string($0).prefix(500))" },
             file: file, line: line)
    }

    /// Messages received and not yet taken.
    var pending: [JSONValue] {
        condition.lock(); defer { condition.unlock() }
        return messages
    }

    func initialize(encodings: [String]? = nil, file: StaticString = #filePath, line: UInt = #line) -> JSONValue? {
        var params: [String: JSONValue] = ["clientInfo": ["name": "tests", "version": "1"]]
        if let encodings { params["positionEncodings"] = .array(encodings.map { .string($0) }) }
        let result = call("initialize", .object(params), file: file, line: line)
        notify("initialized", [:])
        return result
    }

    func closeInput() { try? input.fileHandleForWriting.close() }

    /// Waits for the process to end, on the exit itself (a loaded machine can take seconds); nil when it has
    /// not ended within the generous bound (then it is killed).
    func waitForExit(timeout: TimeInterval = 180) -> Int32? {
        let exited = DispatchSemaphore(value: 0)
        let process = self.process
        Thread { process.waitUntilExit(); exited.signal() }.start()
        guard exited.wait(timeout: .now() + timeout) == .success else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }
}

extension XCTestCase {
    /// Starts a daemon that is stopped when the test ends.
    func launchDaemon(arguments: [String], framing: FramingKind = .lsp, readStandardError: Bool = true) throws -> DaemonProcess {
        let daemon = try DaemonProcess(arguments: arguments, framing: framing, readStandardError: readStandardError)
        addTeardownBlock { daemon.stop() }
        return daemon
    }
}

extension JSONValue {
    var errorCode: Int? { self["code"]?.intValue }
    var errorField: String? { self["data"]?["field"]?.stringValue }
}
