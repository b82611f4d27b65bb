import Foundation
import XCTest
import ExplainProtocol
@testable import ExplainServer

/// Malformed and hostile input, one after another into the same daemon: each gets the right error (or,
/// for notifications and client responses, none), and a `tokenize` right after it is still answered.
final class HostileInputTests: XCTestCase {
    struct Case {
        var name: String
        var bytes: [UInt8]
        /// The id the error reply carries (null when the request could not be identified); nil: no reply.
        var id: JSONValue?
        var code: ErrorCode?
        var field: String?
    }

    static let maxFrameBytes = 2_000_000

    static func lsp(_ body: [UInt8]) -> [UInt8] { Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body }
    static func request(_ id: Int, _ method: String, _ params: String) -> [UInt8] {
        lsp(Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"\#(method)","params":\#(params)}"#.utf8))
    }
    static func body(_ text: String) -> [UInt8] { lsp(Array(text.utf8)) }

    static var cases: [Case] {
        let quote = UInt8(ascii: "\"")
        func withText(_ bytes: [UInt8]) -> [UInt8] {
            lsp(Array(#"{"jsonrpc":"2.0","id":77,"method":"tokenize","params":{"text":"#.utf8) + [quote] + bytes + [quote] + Array("}}".utf8))
        }
        let megabyte = String(repeating: "election ", count: 1_000_000 / 9 + 1)
        let tooMany = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"x"}"#, count: ServerOptions().maxBatchRequests + 1).joined(separator: ",") + "]"
        let manyTexts = "[" + Array(repeating: #""a""#, count: ServerOptions().maxTexts + 1).joined(separator: ",") + "]"
        return [
            Case(name: "broken JSON", bytes: body(#"{"jsonrpc":"2.0","id":1,"#), id: .null, code: .parseError),
            Case(name: "number instead of an object", bytes: body("42"), id: .null, code: .invalidRequest),
            Case(name: "string instead of an object", bytes: body(#""tokenize""#), id: .null, code: .invalidRequest),
            Case(name: "null message", bytes: body("null"), id: .null, code: .invalidRequest),
            Case(name: "missing jsonrpc", bytes: body(#"{"id":5,"method":"tokenize","params":{"text":"a"}}"#), id: 5, code: .invalidRequest),
            Case(name: "jsonrpc 1.0", bytes: body(#"{"jsonrpc":"1.0","id":6,"method":"tokenize"}"#), id: 6, code: .invalidRequest),
            Case(name: "method not a string", bytes: body(#"{"jsonrpc":"2.0","id":7,"method":7}"#), id: 7, code: .invalidRequest),
            Case(name: "id is an object", bytes: body(#"{"jsonrpc":"2.0","id":{"a":1},"method":"tokenize"}"#), id: .null, code: .invalidRequest),
            Case(name: "fractional id", bytes: body(#"{"jsonrpc":"2.0","id":1.5,"method":"tokenize"}"#), id: .null, code: .invalidRequest),
            Case(name: "params a string", bytes: request(10, "tokenize", #""text""#), id: 10, code: .invalidRequest),
            Case(name: "positional params", bytes: request(11, "tokenize", #"["text"]"#), id: 11, code: .invalidParams, field: "params"),
            Case(name: "missing text", bytes: request(12, "tokenize", "{}"), id: 12, code: .invalidParams, field: "text"),
            Case(name: "text of the wrong type", bytes: request(13, "tokenize", #"{"text":13}"#), id: 13, code: .invalidParams, field: "text"),
            Case(name: "texts with a number", bytes: request(14, "predict", #"{"texts":["a",2]}"#), id: 14, code: .invalidParams, field: "texts[1]"),
            Case(name: "empty texts", bytes: request(15, "predict", #"{"texts":[]}"#), id: 15, code: .invalidParams, field: "texts"),
            Case(name: "text and texts", bytes: request(16, "predict", #"{"text":"a","texts":["b"]}"#), id: 16, code: .invalidParams, field: "texts"),
            Case(name: "too many texts", bytes: request(17, "predict", #"{"texts":\#(manyTexts)}"#), id: 17, code: .invalidParams, field: "texts"),
            Case(name: "option of the wrong type", bytes: request(18, "explain", #"{"text":"a","options":{"steps":[1]}}"#), id: 18, code: .invalidParams, field: "options.steps"),
            Case(name: "steps zero", bytes: request(19, "explain", #"{"text":"a b","method":"integratedGradients","options":{"steps":0}}"#), id: 19, code: .invalidParams, field: "options.steps"),
            Case(name: "steps negative", bytes: request(20, "explain", #"{"text":"a b","method":"integratedGradients","options":{"steps":-5}}"#), id: 20, code: .invalidParams, field: "options.steps"),
            Case(name: "steps above the limit", bytes: request(21, "explain", #"{"text":"a b","method":"integratedGradients","options":{"steps":5000}}"#), id: 21, code: .invalidParams, field: "options.steps"),
            Case(name: "samples zero", bytes: request(22, "explain", #"{"text":"a b","method":"smoothGrad","options":{"samples":0}}"#), id: 22, code: .invalidParams, field: "options.samples"),
            Case(name: "unknown attribution method", bytes: request(23, "explain", #"{"text":"a","method":"saliencyMagic"}"#), id: 23, code: .invalidParams, field: "method"),
            Case(name: "unknown label", bytes: request(24, "explain", #"{"text":"a","target":"sarcastic"}"#), id: 24, code: .invalidParams, field: "target"),
            Case(name: "class index out of range", bytes: request(25, "explain", #"{"text":"a","target":9}"#), id: 25, code: .invalidParams, field: "target"),
            Case(name: "unknown normalisation", bytes: request(26, "explain", #"{"text":"a","normalize":"softmax"}"#), id: 26, code: .invalidParams, field: "normalize"),
            Case(name: "unknown output", bytes: request(27, "explain", #"{"text":"a","output":"odds"}"#), id: 27, code: .invalidParams, field: "output"),
            Case(name: "empty text to explain", bytes: request(28, "explain", #"{"text":""}"#), id: 28, code: .invalidParams, field: "text"),
            Case(name: "blank text to explain", bytes: request(29, "explain", #"{"text":"  \n "}"#), id: 29, code: .invalidParams, field: "text"),
            Case(name: "1 MB text", bytes: request(30, "tokenize", #"{"text":"\#(megabyte)"}"#), id: 30, code: .invalidParams, field: "text"),
            Case(name: "bad workDoneToken", bytes: request(31, "explain", #"{"text":"a","workDoneToken":{}}"#), id: 31, code: .invalidParams, field: "workDoneToken"),
            Case(name: "unknown method", bytes: request(32, "summarize", "{}"), id: 32, code: .methodNotFound),
            Case(name: "unknown model", bytes: request(33, "predict", #"{"text":"a","model":"gpt-5"}"#), id: 33, code: .modelNotFound),
            Case(name: "models/load without path", bytes: request(34, "models/load", "{}"), id: 34, code: .invalidParams, field: "path"),
            Case(name: "invalid UTF-8 in a string", bytes: withText([0x61, 0xFF, 0x62]), id: .null, code: .parseError),
            Case(name: "overlong UTF-8", bytes: withText([0xC0, 0xAF]), id: .null, code: .parseError),
            Case(name: "UTF-8 encoded surrogate", bytes: withText([0xED, 0xA0, 0x80]), id: .null, code: .parseError),
            Case(name: "invalid UTF-8 outside strings", bytes: lsp([0xFE, 0x7B, 0x7D]), id: .null, code: .parseError),
            Case(name: "lone high surrogate", bytes: withText(Array(#"\ud800"#.utf8)), id: .null, code: .parseError),
            Case(name: "lone low surrogate", bytes: withText(Array(#"x\udc00y"#.utf8)), id: .null, code: .parseError),
            Case(name: "100 000 nested arrays", bytes: body(String(repeating: "[", count: 100_000)), id: .null, code: .parseError),
            Case(name: "100 000 nested objects", bytes: body(String(repeating: #"{"a":"#, count: 100_000)), id: .null, code: .parseError),
            Case(name: "duplicate key", bytes: body(#"{"jsonrpc":"2.0","id":40,"id":41,"method":"tokenize"}"#), id: .null, code: .parseError),
            Case(name: "empty batch", bytes: body("[]"), id: .null, code: .invalidRequest),
            Case(name: "batch over the limit", bytes: body(tooMany), id: .null, code: .invalidRequest),
            Case(name: "garbage Content-Length", bytes: Array("Content-Length: abc\r\n\r\n".utf8), id: .null, code: .parseError),
            Case(name: "negative Content-Length", bytes: Array("Content-Length: -20\r\n\r\n".utf8), id: .null, code: .parseError),
            Case(name: "header without Content-Length", bytes: Array("Content-Type: application/json\r\n\r\n".utf8), id: .null, code: .parseError),
            Case(name: "garbage line", bytes: Array("GARBAGE GARBAGE\r\n".utf8), id: .null, code: .parseError),
            Case(name: "raw JSON without a header", bytes: Array(#"{"jsonrpc":"2.0","id":50,"method":"tokenize"}"#.utf8) + [0x0A], id: .null, code: .parseError),
            Case(name: "oversized frame", bytes: body(String(repeating: " ", count: maxFrameBytes + 1)), id: .null, code: .invalidRequest),
            Case(name: "empty frame", bytes: Array("Content-Length: 0\r\n\r\n".utf8), id: .null, code: .parseError),
            Case(name: "unknown notification", bytes: body(#"{"jsonrpc":"2.0","method":"$/setTrace","params":{"value":"off"}}"#), id: nil),
            Case(name: "notification with bad params", bytes: body(#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":[]}}"#), id: nil),
            Case(name: "a response from the client", bytes: body(#"{"jsonrpc":"2.0","id":99,"result":1}"#), id: nil),
        ]
    }

    func testEachHostileInputGetsItsErrorAndTheDaemonKeepsServing() throws {
        let daemon = try DaemonProcess(arguments: ["--model", TestPaths.model("bert-gelu-2labels"),
                                                   "--max-frame-bytes", String(Self.maxFrameBytes)])
        _ = daemon.initialize()
        let cases = Self.cases
        XCTAssertGreaterThanOrEqual(cases.count, 30)
        for (i, c) in cases.enumerated() {
            daemon.sendRaw(c.bytes)
            let ping = JSONValue.string("ping-\(i)")
            daemon.sendRequest("tokenize", ["text": "still serving"], id: ping)
            if let id = c.id {
                let reply = daemon.waitFor("error reply for \(c.name)") { $0["id"] == id && $0["error"] != nil }
                XCTAssertEqual(reply?["error"]?.errorCode, c.code?.rawValue, c.name)
                if let field = c.field {
                    XCTAssertEqual(reply?["error"]?.errorField, field, "\(c.name): \(reply.map(JSONSerializer.string) ?? "")")
                }
                XCTAssertFalse(reply?["error"]?["message"]?.stringValue?.isEmpty ?? true, c.name)
            }
            let pong = daemon.reply(to: ping)
            XCTAssertEqual(pong?["result"]?["tokens"]?.arrayValue?.count, 4, "after \(c.name)")
            // Exactly one reply per case: nothing else is waiting.
            XCTAssertTrue(daemon.pending.isEmpty, "\(c.name) left \(daemon.pending.map(JSONSerializer.string))")
        }
    }

    func testDuplicateIdsInOneBatch() throws {
        let daemon = try DaemonProcess(arguments: ["--model", TestPaths.model("bert-gelu-2labels")])
        _ = daemon.initialize()
        // The first member runs long (many small batched passes), so it is in flight when the second comes.
        let long = Array(repeating: "Voters queued for hours to elect their governor in Kano state.", count: 6).joined(separator: " ")
        daemon.sendBody("""
            [{"jsonrpc":"2.0","id":9,"method":"explain","params":{"text":"\(long)","method":"integratedGradients",
              "options":{"steps":1024,"batchSize":1,"rule":"riemannMiddle"},"workDoneToken":"w9"}},
             {"jsonrpc":"2.0","id":9,"method":"tokenize","params":{"text":"second"}}]
            """)
        XCTAssertNotNil(daemon.waitFor("progress") { $0["params"]?["token"] == "w9" && $0["params"]?["value"]?["kind"] == "report" })
        daemon.notify("$/cancelRequest", ["id": 9])
        let reply = try XCTUnwrap(daemon.waitFor("batch reply") { $0.arrayValue != nil }?.arrayValue)
        XCTAssertEqual(reply.map { $0["id"] }, [9, 9])
        XCTAssertEqual(Set(reply.compactMap { $0["error"]?.errorCode }),
                       [ErrorCode.invalidRequest.rawValue, ErrorCode.requestCancelled.rawValue])
        XCTAssertTrue(reply.contains { $0["error"]?["message"]?.stringValue?.contains("duplicate id 9") ?? false })
        // Once answered, the id may be used again.
        daemon.sendRequest("tokenize", ["text": "again"], id: 9)
        XCTAssertNotNil(daemon.reply(to: 9)?["result"])
    }
}
