import XCTest
@testable import ExplainServer
import ExplainProtocol
import ExplainTransport
import ExplainModel

/// Seeded random inputs through framing, JSON parsing, message classification and params decoding:
/// nothing may crash, every frame must come out as an event, the parsers must keep their invariants.
final class FuzzTests: XCTestCase {
    static let seeds: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"positionEncodings":["utf-8"]}}"#,
        #"{"jsonrpc":"2.0","id":"a","method":"tokenize","params":{"text":"Hello, wörld! 😀"}}"#,
        #"{"jsonrpc":"2.0","id":3,"method":"explain","params":{"texts":["a","b"],"method":"integratedGradients","options":{"steps":8},"target":"POS"}}"#,
        #"[{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":3}},{"jsonrpc":"2.0","id":4,"method":"predict","params":{"text":"x"}}]"#,
        #"{"jsonrpc":"2.0","id":5,"method":"models/load","params":{"path":"/tmp/m","id":"m"}}"#,
        #"{"a":[1,2.5e-3,-0,true,false,null,"\u00e9\ud83d\ude00\n"],"b":{"c":{}}}"#,
    ]
    static let alphabet = Array("{}[]\":,\\u0123456789abcdefnrtl-+.eE \r\n\tContent-Length: ".utf8) + [0x00, 0x80, 0xC3, 0xA9, 0xED, 0xA0, 0xF4, 0xFF]

    func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var out = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            let op = Int.random(in: 0..<5, using: &rng)
            let pos = out.isEmpty ? 0 : Int.random(in: 0..<out.count, using: &rng)
            switch op {
            case 0 where !out.isEmpty: out[pos] = Self.alphabet.randomElement(using: &rng)!
            case 1: out.insert(Self.alphabet.randomElement(using: &rng)!, at: pos)
            case 2 where !out.isEmpty: out.remove(at: pos)
            case 3 where out.count > 2:
                let end = Int.random(in: pos...out.count, using: &rng)
                out.removeSubrange(pos..<end)
            default:
                let other = Array(Self.seeds.randomElement(using: &rng)!.utf8)
                let start = Int.random(in: 0..<other.count, using: &rng)
                out.insert(contentsOf: other[start..<min(other.count, start + Int.random(in: 1...20, using: &rng))], at: pos)
            }
        }
        return out
    }

    func exercise(_ body: [UInt8]) {
        guard let json = try? JSONParser.parse(body) else { return }
        // Serialising what we parsed and parsing it again gives the same value.
        XCTAssertEqual(try? JSONParser.parse(JSONSerializer.serialize(json)), json)
        let members = json.arrayValue ?? [json]
        for member in members {
            guard case .success(let message) = Message.decode(member) else { continue }
            if case .request(_, _, let params) = message {
                _ = try? TokenizeParams.decode(params)
                _ = try? PredictParams.decode(params)
                _ = try? ExplainParams.decode(params)
                _ = try? InitializeParams.decode(params)
                _ = try? ModelsLoadParams.decode(params)
            }
        }
    }

    func testRandomInputsThroughFramingAndDecoding() {
        var rng = SplitMix64(state: 0x5EED_2026)
        let inputs = 200_000
        var messages = 0, parsed = 0
        var lsp = LSPFrameParser(maxFrameBytes: 512)
        var ndjson = NDJSONFrameParser(maxFrameBytes: 512)
        let start = Date()
        for i in 0..<inputs {
            let seed = Array(Self.seeds[i % Self.seeds.count].utf8)
            let body = mutate(seed, &rng)
            if (try? JSONParser.parse(body)) != nil { parsed += 1 }
            exercise(body)
            // Every tenth input also goes through both framings, in random chunks, with a random header.
            guard i % 10 == 0 else { continue }
            var framed = i % 20 == 0 ? FrameEncoder.frame(body, as: .lsp) : Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
            if rng.next() % 4 == 0 { framed = mutate(framed, &rng) }
            var offset = 0
            while offset < framed.count {
                let n = Int.random(in: 1...64, using: &rng)
                for case .message(let m) in lsp.feed(framed[offset..<min(framed.count, offset + n)]) {
                    XCTAssertLessThanOrEqual(m.count, 512)
                    messages += 1
                }
                for case .message(let m) in ndjson.feed(framed[offset..<min(framed.count, offset + n)]) {
                    XCTAssertLessThanOrEqual(m.count, 512)
                    exercise(m)
                }
                offset += n
            }
        }
        // After the noise, both parsers still frame a clean message (LSP may need one to resynchronise).
        let clean = Array(#"{"jsonrpc":"2.0","id":9,"method":"x"}"#.utf8)
        let lspEvents = lsp.feed(Array("\r\n\r\n".utf8)[...]) + lsp.feed((Array("Content-Length: \(clean.count)\r\n\r\n".utf8) + clean)[...])
            + lsp.feed((Array("Content-Length: \(clean.count)\r\n\r\n".utf8) + clean)[...])
        XCTAssertTrue(lspEvents.contains(.message(clean)))
        XCTAssertEqual(ndjson.feed((Array("\n".utf8) + clean + Array("\n".utf8))[...]).last, .message(clean))
        XCTAssertGreaterThan(parsed, inputs / 50, "mutations too destructive to test anything")
        XCTAssertGreaterThan(messages, inputs / 20)
        print("fuzz: \(inputs) inputs, \(parsed) valid JSON, \(messages) LSP frames, \(Int(Date().timeIntervalSince(start) * 1000)) ms")
    }
}
