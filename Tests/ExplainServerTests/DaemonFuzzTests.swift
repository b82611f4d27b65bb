import Foundation
import XCTest
import ExplainTestSupport
import ExplainProtocol
import ExplainModel
@testable import ExplainServer

/// The real daemon under seeded random abuse: random frames, random params for every method, and model
/// directories with random bytes changed. A fixed number of rounds (bounded time in CI); afterwards the
/// daemon is alive, every request got exactly one reply, and a plain `tokenize` still works.
final class DaemonFuzzTests: XCTestCase {
    static let methods = ["tokenize", "predict", "explain", "compareMethods", "models/list", "models/unload", "summarize"]
    static let attribution = ["vanillaGradient", "gradientNorm", "gradientXInput", "integratedGradients", "smoothGrad", "occlusion", "x"]
    static let options = ["steps", "samples", "batchSize", "rule", "baseline", "adaptive", "tolerance", "noise", "seed", "replacement", "bogus"]
    static let fields = ["text", "texts", "method", "target", "foil", "output", "normalize", "granularity", "options", "model",
                         "methods", "metrics", "thresholds", "removal", "topK", "topKFraction", "batchSize", "workDoneToken", "id", "path"]

    func randomValue(_ rng: inout SplitMix64, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 2 ? 6 : 9), using: &rng) {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2: return .integer([0, 1, -1, 2, 3, 7, 64, 1024, 5000, -1_000_000_000, Int(Int32.max), Int.max][Int.random(in: 0..<12, using: &rng)])
        case 3: return .number([0.5, -0.5, 1e-300, 1e300, 0.1, 3.7][Int.random(in: 0..<6, using: &rng)])
        case 4: return .string(["", "a", "hello world", "The senate passed the budget.", "😀 é\u{0}", String(repeating: "word ", count: 80),
                                "integratedGradients", "occlusion", "delete", "mask", "agreement", "negative", "positive"][Int.random(in: 0..<13, using: &rng)])
        case 5: return .string(Self.attribution.randomElement(using: &rng)!)
        case 6: return .array((0..<Int.random(in: 0...4, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        case 7:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &rng) { object[Self.options.randomElement(using: &rng)!] = randomValue(&rng, depth: depth + 1) }
            return .object(object)
        default:
            var object: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0...3, using: &rng) { object[Self.attribution.randomElement(using: &rng)!] = randomValue(&rng, depth: depth + 1) }
            return .object(object)
        }
    }

    func randomParams(_ rng: inout SplitMix64) -> JSONValue {
        var params: [String: JSONValue] = ["text": .string(["hello world", "a", "The senate passed the budget."][Int.random(in: 0..<3, using: &rng)])]
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            params[Self.fields.randomElement(using: &rng)!] = randomValue(&rng)
        }
        if rng.next() % 8 == 0 { params["text"] = nil }
        return rng.next() % 16 == 0 ? randomValue(&rng) : .object(params)
    }

    /// A copy of the fixture model with a few random bytes of one file changed (or the file cut short).
    func mutatedModel(_ rng: inout SplitMix64, into directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: TestPaths.model("bert-gelu-2labels"))
        let names = try FileManager.default.contentsOfDirectory(atPath: source.path).sorted()
        let victim = ["config.json", "model.safetensors", "tokenizer.json", "config.json"][Int.random(in: 0..<4, using: &rng)]
        for name in names {
            var data = try Data(contentsOf: source.appendingPathComponent(name).resolvingSymlinksInPath())
            if name == victim, !data.isEmpty {
                // Headers and configs are where parsing happens: aim most changes at the first 4 KiB.
                let span = min(data.count, rng.next() % 4 == 0 ? data.count : 4096)
                if rng.next() % 5 == 0 {
                    data = data.prefix(Int.random(in: 0..<data.count, using: &rng))
                } else {
                    for _ in 0..<Int.random(in: 1...6, using: &rng) {
                        data[Int.random(in: 0..<span, using: &rng)] = [UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "0"),
                                                                       0xFF, 0x7F, UInt8.random(in: 0...255, using: &rng)][Int.random(in: 0..<7, using: &rng)]
                    }
                }
            }
            try data.write(to: directory.appendingPathComponent(name))
        }
    }

    func testDaemonSurvivesRandomFramesParamsAndModelDirectories() throws {
        let scratch = try scratchDirectory("explaind-fuzz")
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model("bert-gelu-2labels"), "--model-id", "base",
                                                  "--max-work", "200000", "--max-steps", "64", "--max-samples", "32"])
        _ = daemon.initialize()
        var rng = SplitMix64(state: 0xF022_2026)
        var expected: [JSONValue] = []
        var loads = 0, loaded = 0
        for round in 0..<300 {
            let id = JSONValue.integer(50_000 + round)
            switch round % 10 {
            case 0:
                // Raw noise: a frame with a random body, or a broken header (answered with id null, or not at all).
                // (Its id is outside the checked range: a mutation may leave it a valid request, answered or not.)
                var body = Array(JSONSerializer.serialize(["jsonrpc": "2.0", "id": .integer(40_000 + round), "method": "tokenize", "params": randomParams(&rng)]))
                for _ in 0..<Int.random(in: 1...3, using: &rng) where !body.isEmpty { body[Int.random(in: 0..<body.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
                daemon.sendRaw(daemon.frame(body))
                daemon.sendRaw(rng.next() % 2 == 0 ? Array("Content-Length: x\r\n\r\n".utf8) : Array("garbage\r\n".utf8))
                continue
            case 1:
                let directory = scratch.appendingPathComponent("m\(round)")
                try mutatedModel(&rng, into: directory)
                daemon.sendRequest("models/load", ["path": .string(directory.path), "id": .string("m\(round)")], id: id)
                loads += 1
            case 2 where rng.next() % 3 == 0:
                daemon.notify("$/cancelRequest", ["id": .integer(50_000 + round - 1)])
                continue
            default:
                daemon.sendRequest(Self.methods.randomElement(using: &rng)!, randomParams(&rng), id: id)
            }
            expected.append(id)
            // Drain now and then so a slow reply is matched to its request, not to the end of the run.
            if expected.count >= 8 {
                for waiting in expected {
                    let reply = daemon.reply(to: waiting, timeout: 300)
                    XCTAssertTrue(reply?["result"] != nil || reply?["error"]?["code"]?.intValue != nil, "\(waiting): \(reply.map(JSONSerializer.string) ?? "none")")
                    if reply?["result"]?["id"]?.stringValue?.hasPrefix("m") == true, let modelID = reply?["result"]?["id"] {
                        loaded += 1
                        // A mutant that loads must answer (a result, or an error such as an overflow), then go.
                        XCTAssertNotNil(daemon.reply(to: daemon.sendRequest("predict", ["text": "a loaded mutant", "model": modelID]), timeout: 300))
                        _ = daemon.call("models/unload", ["id": modelID])
                    }
                }
                expected.removeAll()
            }
        }
        for waiting in expected { XCTAssertNotNil(daemon.reply(to: waiting, timeout: 300), "\(waiting)") }
        XCTAssertTrue(daemon.process.isRunning)
        XCTAssertEqual(daemon.call("tokenize", ["text": "still serving"])?["tokens"]?.arrayValue?.count, 4)
        // Nothing answered twice: every other message left is an id-null error or a progress notification.
        XCTAssertFalse(daemon.pending.contains { ($0["id"]?.intValue ?? 0) >= 50_000 }, "\(daemon.pending.prefix(3))")
        print("daemon fuzz: 300 rounds, \(loads) mutated model directories (\(loaded) still loaded)")
    }
}
