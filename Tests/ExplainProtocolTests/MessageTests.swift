import XCTest
@testable import ExplainProtocol

final class MessageTests: XCTestCase {
    func decode(_ text: String) -> Result<Message, InvalidMessage> {
        Message.decode(try! JSONParser.parse(text))
    }

    func testKinds() {
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":7,"method":"tokenize","params":{"text":"a"}}"#).get(),
                       .request(id: .number(7), method: "tokenize", params: ["text": "a"]))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":"x","method":"shutdown"}"#).get(),
                       .request(id: .string("x"), method: "shutdown", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","method":"exit"}"#).get(), .notification(method: "exit", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","method":"exit","params":null}"#).get(), .notification(method: "exit", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":2,"method":"shutdown","params":null}"#).get(),
                       .request(id: .number(2), method: "shutdown", params: nil))
        XCTAssertEqual(try decode(#"{"jsonrpc":"2.0","id":1,"result":null}"#).get(),
                       .response(id: .number(1), result: .null, error: nil))
    }

    func testInvalidMessagesKeepTheirId() {
        func failure(_ text: String) -> InvalidMessage? {
            if case .failure(let f) = decode(text) { return f }
            return nil
        }
        XCTAssertEqual(failure("[1]".replacingOccurrences(of: "[1]", with: "1"))?.error.code, .invalidRequest)
        XCTAssertEqual(failure(#"{"id":3,"method":"x"}"#)?.id, .number(3))
        XCTAssertEqual(failure(#"{"jsonrpc":"1.0","id":3,"method":"x"}"#)?.error.message,
                       "invalid request: \"jsonrpc\" must be \"2.0\"")
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":"q","method":5}"#)?.id, .string("q"))
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":4,"method":"x","params":3}"#)?.id, .number(4))
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":1.5,"method":"x"}"#)?.id, nil)
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":null,"method":"x"}"#)?.error.code, .invalidRequest)
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":[1],"method":"x"}"#)?.error.code, .invalidRequest)
        XCTAssertEqual(failure(#"{"jsonrpc":"2.0","id":2}"#)?.id, .number(2))
    }

    func testReplies() {
        XCTAssertEqual(JSONSerializer.string(OutgoingMessage.result(id: .string("a"), ["x": 1])),
                       #"{"id":"a","jsonrpc":"2.0","result":{"x":1}}"#)
        XCTAssertEqual(JSONSerializer.string(OutgoingMessage.error(id: nil, .invalidParams(field: "text", reason: "r"))),
                       #"{"error":{"code":-32602,"data":{"field":"text","reason":"r"},"message":"invalid params: text: r"},"id":null,"jsonrpc":"2.0"}"#)
    }
}

extension XCTestCase {
    /// The field named by the error `text` gives as params of P; nil when they decode.
    func field<P: RequestParams>(_ type: P.Type, _ text: String) -> String? {
        do {
            _ = try P.decode(try JSONParser.parse(text))
            return nil
        } catch let error as InvalidField {
            return error.field
        } catch {
            return "unexpected \(error)"
        }
    }
}

final class ParamsTests: XCTestCase {
    func testFieldPreciseErrors() {
        XCTAssertEqual(field(TokenizeParams.self, "{}"), "text")
        XCTAssertEqual(field(TokenizeParams.self, #"{"text":5}"#), "text")
        XCTAssertEqual(field(TokenizeParams.self, #"{"text":"a","model":[]}"#), "model")
        XCTAssertEqual(field(TokenizeParams.self, #"[1]"#), "params")
        XCTAssertEqual(field(PredictParams.self, #"{"texts":["a",3]}"#), "texts[1]")
        XCTAssertEqual(field(PredictParams.self, #"{"texts":[]}"#), "texts")
        XCTAssertEqual(field(PredictParams.self, #"{"text":"a","texts":["b"]}"#), "texts")
        XCTAssertEqual(field(ExplainParams.self, #"{"text":"a","options":{"steps":[1]}}"#), "options.steps")
        XCTAssertEqual(field(ExplainParams.self, #"{"text":"a","options":3}"#), "options")
        XCTAssertEqual(field(ExplainParams.self, #"{"text":"a","target":true}"#), "target")
        XCTAssertEqual(field(ExplainParams.self, #"{"text":"a","workDoneToken":{}}"#), "workDoneToken")
        XCTAssertEqual(field(ModelsLoadParams.self, #"{"path":"/x","id":""}"#), "id")
        XCTAssertEqual(field(InitializeParams.self, #"{"positionEncodings":"utf-8"}"#), "positionEncodings")
        XCTAssertEqual(field(InitializeParams.self, #"{"clientInfo":{}}"#), "clientInfo.name")
        XCTAssertNil(field(ExplainParams.self, #"{"texts":["a"],"target":"POSITIVE","options":{"steps":8,"rule":"riemannLeft"}}"#))
    }

    func testExplainDefaults() throws {
        let params = try ExplainParams.decode(["text": "hi", "target": 1, "foil": "neg", "workDoneToken": "t"])
        XCTAssertEqual(params.method, "vanillaGradient")
        XCTAssertEqual(params.input, .single("hi"))
        XCTAssertEqual(params.scoring.target, .index(1))
        XCTAssertEqual(params.scoring.foil, .label("neg"))
        XCTAssertEqual(params.workDoneToken, .string("t"))
        XCTAssertEqual(params.options, [:])
    }

    func testPositionEncodingNegotiation() throws {
        XCTAssertEqual(PositionEncoding.negotiate(nil), .utf16)
        XCTAssertEqual(PositionEncoding.negotiate([]), .utf16)
        XCTAssertEqual(PositionEncoding.negotiate(["utf-7", "utf-32", "utf-8"]), .utf32)
        XCTAssertEqual(PositionEncoding.negotiate(["utf-8"]), .utf8)
        let lspStyle = try InitializeParams.decode(["capabilities": ["general": ["positionEncodings": ["utf-8"]]]])
        XCTAssertEqual(lspStyle.positionEncodings, ["utf-8"])
    }
}
