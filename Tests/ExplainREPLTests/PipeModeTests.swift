import Foundation
import XCTest
import ExplainProtocol
import ExplainTestSupport
@testable import ExplainREPL

/// The built binaries and the fixture models, found relative to this file and the test bundle.
enum Built {
    static let packageRoot = BuiltProducts.packageRoot
    static func model(_ name: String) -> String { packageRoot.appendingPathComponent("Tests/Fixtures/models/\(name)").path }

    static func binary(_ name: String, override: String) throws -> String {
        try BuiltProducts.require(name, override: override).path
    }
    static func explain() throws -> String { try binary("explain", override: "EXPLAIN_PATH") }
    /// `explain`'s arguments: the daemon next to it, unless EXPLAIND_PATH names another one.
    static func explainArguments(_ arguments: [String]) -> [String] {
        guard let daemon = ProcessInfo.processInfo.environment["EXPLAIND_PATH"] else { return arguments }
        return ["--server-command", daemon] + arguments
    }
    static func daemon() throws -> String { try binary("explaind", override: "EXPLAIND_PATH") }

    /// Skips (visibly) while the built daemon does not offer `explain` yet; its methods come from `initialize`.
    static func requireExplainingDaemon() throws {
        let run = try run(try daemon(), ["--model", model("distilbert-3labels-bf16"), "--framing", "ndjson"],
                          input: #"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}"# + "\n")
        let reply = try JSONParser.parse(String(run.stdout.split(separator: "\n").first ?? ""))
        let methods = reply["result"]?["capabilities"]?["methods"]?.arrayValue ?? []
        if !methods.contains("explain") {
            throw XCTSkip("the built explaind does not offer explain yet (methods: \(JSONSerializer.string(.array(methods))))")
        }
    }

    typealias Run = Subprocess.Run

    /// Runs a binary to completion with `input` on stdin (pipes, so stdout is not a terminal), NO_COLOR unset.
    static func run(_ path: String, _ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Run {
        var overrides: [String: String?] = ["NO_COLOR": nil]
        for (key, value) in environment { overrides[key] = value }
        return try Subprocess.run(URL(fileURLWithPath: path), arguments, input: input, environment: overrides)
    }

    /// The daemon's own replies, asked directly (newline-delimited JSON, no REPL code involved): `initialize`
    /// with utf-32 offsets, then one request per entry; results in order.
    static func daemonResults(model: String, _ requests: [(method: String, params: JSONValue)]) throws -> [JSONValue] {
        Array(try daemonReplies(model: model, requests).dropFirst())
    }

    /// The `initialize` result followed by the requests' results.
    static func daemonReplies(model: String, _ requests: [(method: String, params: JSONValue)]) throws -> [JSONValue] {
        var lines = [#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"positionEncodings":["utf-32"]}}"#,
                     #"{"jsonrpc":"2.0","method":"initialized","params":{}}"#]
        for (i, r) in requests.enumerated() {
            lines.append(JSONSerializer.string(["jsonrpc": "2.0", "id": .integer(i + 1), "method": .string(r.method), "params": r.params]))
        }
        let run = try run(try daemon(), ["--model", model, "--framing", "ndjson"], input: lines.joined(separator: "\n") + "\n")
        var byID: [Int: JSONValue] = [:]
        for line in run.stdout.split(separator: "\n") {
            let message = try JSONParser.parse(String(line))
            if let id = message["id"]?.intValue { byID[id] = message }
        }
        return try (0...requests.count).map { i in
            guard let reply = byID[i], let result = reply["result"] else {
                throw REPLError.unexpectedReply("no result for request \(i): \(byID[i].map(JSONSerializer.string) ?? "none"); stderr: \(run.stderr)")
            }
            return result
        }
    }
}

/// `explain` without a terminal: plain `token[0.42]` output checked against the daemon's own JSON replies.
final class PipeModeTests: XCTestCase {
    let model = Built.model("distilbert-3labels-bf16")
    let labels = ["political", "general", "other"]

    override func setUpWithError() throws { try Built.requireExplainingDaemon() }

    /// (printed text, printed score) for every `text[score]` in a plain heat-map line.
    func printedTokens(_ line: String) throws -> [(String, Double)] {
        let regex = try NSRegularExpression(pattern: #"([^\s\[\]]+)\[(-?[0-9.]+(?:e[-+]\d+)?)\]"#)
        let ns = line as NSString
        return regex.matches(in: line, range: NSRange(location: 0, length: ns.length)).map {
            (ns.substring(with: $0.range(at: 1)), Double(ns.substring(with: $0.range(at: 2)))!)
        }
    }

    /// Every non-special token of `result` appears in order with its text span and its score to the printed
    /// precision; the prediction line carries the label and every probability to four decimals.
    func assertOutput(_ output: [String], matches result: JSONValue, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = Array(try XCTUnwrap(result["text"]?.stringValue).unicodeScalars)
        let tokens = try XCTUnwrap(result["tokens"]?.arrayValue).filter { $0["special"] != .bool(true) }
        let printed = try printedTokens(output[0])
        XCTAssertEqual(printed.count, tokens.count, "tokens in \(output[0])", file: file, line: line)
        for (p, t) in zip(printed, tokens) {
            let start = try XCTUnwrap(t["start"]?.intValue), end = try XCTUnwrap(t["end"]?.intValue)
            var span = String.UnicodeScalarView(); span.append(contentsOf: text[start..<end])
            XCTAssertEqual(p.0, String(span), file: file, line: line)
            let score = try XCTUnwrap(t["score"]?.doubleValue)
            XCTAssertEqual(p.1, score, accuracy: abs(score) * 0.005 + 1e-12, "\(p.0): three significant figures", file: file, line: line)
            XCTAssertEqual(ScoreFormat.short(score), ScoreFormat.short(p.1), file: file, line: line)
        }
        let prediction = try XCTUnwrap(result["prediction"])
        let probabilities = try XCTUnwrap(prediction["probabilities"]?.arrayValue).compactMap(\.doubleValue)
        let label = try XCTUnwrap(prediction["label"]?.stringValue)
        XCTAssertTrue(output[1].hasPrefix("prediction \(label) ("), output[1], file: file, line: line)
        for (i, p) in probabilities.enumerated() {
            XCTAssertTrue(output[1].contains("\(labels[i]) \(String(format: "%.4f", p))"), "\(output[1]) lacks \(labels[i])", file: file, line: line)
        }
        let method = try XCTUnwrap(result["method"]?.stringValue)
        XCTAssertTrue(output[2].hasPrefix("method \(method) · target \(try XCTUnwrap(result["target"]?["label"]?.stringValue))"), output[2],
                      file: file, line: line)
    }

    func testOneTextAsArgument() throws {
        let text = "The senate voted on the new budget bill, unbelievably."
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, text]))
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertFalse(run.stdout.contains("\u{1B}"), "no escape codes when stdout is not a terminal")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, run.stdout)
        let expected = try Built.daemonResults(model: model, [("explain", ["text": .string(text), "method": "vanillaGradient"])])
        try assertOutput(lines, matches: expected[0])
    }

    func testEachLineOfStdinWithFlags() throws {
        let texts = ["Taxes rise again.", "Schwarzenegger won the vote", "A quiet afternoon by the lake."]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--method", "occlusion", "--target", "political"]),
                                input: texts.joined(separator: "\n") + "\n\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        guard lines.count == 9 else { return XCTFail("expected 9 lines: \(run.stdout)") }
        let expected = try Built.daemonResults(model: model, texts.map {
            ("explain", ["text": .string($0), "method": "occlusion", "target": "political"])
        })
        for i in 0..<3 {
            try assertOutput(Array(lines[3 * i..<3 * i + 3]), matches: expected[i])
            XCTAssertTrue(lines[3 * i + 2].contains("target political"))
        }
    }

    func testWordGranularityJoinsPieces() throws {
        let text = "Schwarzenegger won"
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--granularity", "word", text]))
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected = try Built.daemonResults(model: model, [("explain", ["text": .string(text), "granularity": "word"])])[0]
        let words = try XCTUnwrap(expected["words"]?.arrayValue)
        let printed = try printedTokens(run.stdout.split(separator: "\n").first.map(String.init) ?? "")
        XCTAssertEqual(printed.map(\.0), ["Schwarzenegger", "won"])
        for (p, w) in zip(printed, words) {
            let score = try XCTUnwrap(w["score"]?.doubleValue)
            XCTAssertEqual(p.1, score, accuracy: abs(score) * 0.005 + 1e-12)
        }
    }

    func testJSONOutputIsTheDaemonsReplyPerLine() throws {
        let texts = ["Parliament passed the law.", "I baked bread."]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--json", "--method", "gradientXInput"]), input: texts.joined(separator: "\n"))
        XCTAssertEqual(run.status, 0, run.stderr)
        let replies = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let expected = try Built.daemonResults(model: model, texts.map { ("explain", ["text": .string($0), "method": "gradientXInput"]) })
        XCTAssertEqual(replies.count, 2)
        for (reply, e) in zip(replies, expected) {
            for field in ["text", "method", "target", "prediction", "tokens", "words", "normalize", "granularity"] {
                XCTAssertEqual(reply[field], e[field], field)
            }
        }
    }

    func testJSONModeIsCleanJSONLinesWithLineNumbers() throws {
        let input = ["Taxes rise.", ":method integratedGradients", "", "::) great day", ":bogus", "Vote now", ":tokenize Vote"]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--json"]),
                                input: input.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 1, "the :bogus line makes the exit status 1")
        // every stdout line is a JSON object with the input line it answers; nothing else is on stdout
        let records = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(records.map { $0["line"]?.intValue }, [1, 4, 5, 6, 7], run.stdout)
        XCTAssertEqual(records[0]["text"], "Taxes rise.")
        XCTAssertEqual(records[0]["method"], "vanillaGradient")
        XCTAssertEqual(records[1]["text"], ":) great day", "'::' escapes a text that starts with ':'")
        XCTAssertEqual(records[1]["method"], "integratedGradients")
        XCTAssertEqual(records[2]["error"]?["message"]?.stringValue, "unknown command :bogus — :help lists the commands")
        XCTAssertNil(records[2]["text"])
        XCTAssertEqual(records[3]["text"], "Vote now")
        XCTAssertNotNil(records[4]["tokens"], "a :tokenize reply is a record too")
        // the acknowledgement and the error message are on stderr
        XCTAssertTrue(run.stderr.contains("method integratedGradients"), run.stderr)
        XCTAssertTrue(run.stderr.contains("unknown command :bogus"), run.stderr)
        // the daemon's own reply, field by field, plus "line"
        let expected = try Built.daemonResults(model: model, [("explain", ["text": ":) great day", "method": "integratedGradients"])])[0]
        for field in ["text", "method", "target", "prediction", "tokens", "words", "normalize", "granularity"] {
            XCTAssertEqual(records[1][field], expected[field], field)
        }
    }

    func testTextsOnlyMakesEveryLineAText() throws {
        let input = [":) great day", ":method occlusion", "plain"]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--json", "--texts-only"]),
                                input: input.joined(separator: "\n"))
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(records.map { $0["text"]?.stringValue }, input)
        XCTAssertEqual(records.map { $0["line"]?.intValue }, [1, 2, 3])
        XCTAssertEqual(Set(records.map { $0["method"]?.stringValue }), ["vanillaGradient"])
        XCTAssertEqual(run.stderr, "")
    }

    func testJSONArgumentsCarryTheirPosition() throws {
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--json", "--method", "occlusion", "one", "two"]))
        XCTAssertEqual(run.status, 0, run.stderr)
        let records = try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(records.map { $0["line"]?.intValue }, [1, 2])
        XCTAssertEqual(records.map { $0["text"]?.stringValue }, ["one", "two"])
        XCTAssertEqual(run.stderr, "", "the flags' confirmations are not shown")
    }

    func testNewCommandsAliasesOutputFoilJSONAndUnload() throws {
        let input = [":method IG", ":set steps=8", ":output probability", ":target political", ":foil political", ":foil general",
                     "Taxes rise.", ":json", ":load \(model) second", ":unload second", ":models"]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model]), input: input.joined(separator: "\n") + "\n")
        XCTAssertEqual(run.status, 1, "the refused :foil makes the exit status 1")
        XCTAssertTrue(run.stdout.contains("method integratedGradients\n"), run.stdout)
        XCTAssertTrue(run.stdout.contains("output probability\n"), run.stdout)
        // a foil equal to the target is refused when it is set
        XCTAssertTrue(run.stderr.contains("the foil must differ from the target (both political)"), run.stderr)
        let expected = try Built.daemonResults(model: model, [("explain", ["text": "Taxes rise.", "method": "integratedGradients",
            "options": ["steps": 8], "output": "probability", "target": "political", "foil": "general"])])[0]
        let lines = run.stdout.split(separator: "\n").map(String.init)
        let contextLine = try XCTUnwrap(lines.first { $0.hasPrefix("method integratedGradients · ") })
        XCTAssertEqual(contextLine.components(separatedBy: " · ").prefix(7).joined(separator: " · "),
                       "method integratedGradients · target political · foil general · output probability · normalize max · token granularity · model distilbert-3labels-bf16")
        let gap = try XCTUnwrap(expected["extras"]?["gap"]?.doubleValue)
        XCTAssertTrue(run.stdout.contains("8 steps, completeness gap \(ScoreFormat.short(gap))"), run.stdout)
        // :json: the reply pretty-printed, and the same reply as the daemon's
        let jsonStart = try XCTUnwrap(lines.firstIndex(of: "{"))
        let jsonEnd = try XCTUnwrap(lines[jsonStart...].firstIndex(of: "}"))
        let pretty = lines[jsonStart...jsonEnd].joined(separator: "\n")
        XCTAssertTrue(pretty.contains("\n  \"method\": \"integratedGradients\",\n"), pretty)
        let reply = try JSONParser.parse(pretty)
        for field in ["text", "method", "target", "foil", "output", "tokens"] { XCTAssertEqual(reply[field], expected[field], field) }
        // :unload frees the second model; :models lists only the first
        XCTAssertTrue(run.stdout.contains("unloaded second"), run.stdout)
        XCTAssertFalse(run.stdout.split(separator: "\n").last { $0.contains("distilbert") }?.contains("second") ?? true)
    }

    func testSpecialTokensStayOutOfTheNormalisation() throws {
        // vanillaGradient's [CLS] gradient is the largest: with the specials in the divisor the text's
        // tokens would all be below 1
        let text = "The senate voted."
        let results = try Built.daemonResults(model: model, [("explain", ["text": .string(text)]),
                                                             ("explain", ["text": .string(text), "normalizeSpecialTokens": true])])
        func scores(_ r: JSONValue, special: Bool) -> [Double] {
            (r["tokens"]?.arrayValue ?? []).filter { ($0["special"] == .bool(true)) == special }.compactMap { $0["score"]?.doubleValue }
        }
        let raw = (results[0]["tokens"]?.arrayValue ?? []).compactMap { $0["rawScore"]?.doubleValue }
        XCTAssertGreaterThan(raw.first!, raw.dropFirst().dropLast().max()!, "the fixture's [CLS] outweighs the text")
        XCTAssertEqual(scores(results[0], special: false).map(abs).max()!, 1, accuracy: 1e-6)
        XCTAssertGreaterThan(scores(results[0], special: true).max()!, 1, "a special token may score beyond the text's largest")
        XCTAssertEqual(scores(results[1], special: true).map(abs).max()!, 1, accuracy: 1e-6)
        XCTAssertLessThan(scores(results[1], special: false).map(abs).max()!, 1)
        // and the REPL prints the numbers its shading uses: the largest text token is [1.00]
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, text]))
        XCTAssertTrue(try printedTokens(run.stdout).contains { $0.1 == 1 }, run.stdout)
        let withSpecials = try Built.run(try Built.explain(), Built.explainArguments(["--model", model]), input: ":specials on\n\(text)\n")
        XCTAssertFalse(try printedTokens(withSpecials.stdout).contains { $0.1 == 1 }, withSpecials.stdout)
    }

    func testCommandsInPipeModeAndHTML() throws {
        let file = try scratchDirectory("explain-pipe").appendingPathComponent("page.html").path
        let input = ":tokenize Schwarzenegger voted\n:predict tax cuts\nVote now\n:html \(file)\n:bogus\n"
        let run = try Built.run(try Built.explain(), Built.explainArguments(["--model", model]), input: input)
        XCTAssertEqual(run.status, 1, "an error line makes the exit status 1")
        XCTAssertTrue(run.stdout.contains("[CLS] schwarz ##ene ##gger voted [SEP]"), run.stdout)
        XCTAssertTrue(run.stdout.contains("Schwarzenegger → schwarz ##ene ##gger"), run.stdout)
        let predicted = try Built.daemonResults(model: model, [("predict", ["text": "tax cuts"]), ("explain", ["text": "Vote now"])])
        let probabilities = try XCTUnwrap(predicted[0]["probabilities"]?.arrayValue).compactMap(\.doubleValue)
        for (i, p) in probabilities.enumerated() {
            XCTAssertTrue(run.stdout.contains("\(labels[i])") && run.stdout.contains(String(format: "%.4f", p)), "\(p)")
        }
        XCTAssertTrue(run.stderr.contains("unknown command :bogus — :help lists the commands"), run.stderr)
        let page = try String(contentsOfFile: file, encoding: .utf8)
        for t in try XCTUnwrap(predicted[1]["tokens"]?.arrayValue) where t["special"] != .bool(true) {
            let score = ScoreFormat.long(try XCTUnwrap(t["score"]?.doubleValue))
            XCTAssertTrue(page.contains("data-token=\"\(try XCTUnwrap(t["text"]?.stringValue))\" data-score=\"\(score)\""), score)
        }
    }

    func testErrorsAreClear() throws {
        let badMethod = try Built.run(try Built.explain(), Built.explainArguments(["--model", model, "--method", "nosuch", "hi"]))
        XCTAssertEqual(badMethod.status, 2)
        XCTAssertTrue(badMethod.stderr.contains("unknown method \"nosuch\" — one of: "), badMethod.stderr)
        let badModel = try Built.run(try Built.explain(), Built.explainArguments(["--model", "/nonexistent/model", "hi"]))
        XCTAssertEqual(badModel.status, 1)
        XCTAssertTrue(badModel.stderr.contains("the daemon stopped"), badModel.stderr)
        XCTAssertTrue(badModel.stderr.contains("/nonexistent/model"), "the daemon's own message is shown: \(badModel.stderr)")
        let badServer = try Built.run(try Built.explain(), Built.explainArguments(["--server-command", "/nonexistent/explaind", "hi"]))
        XCTAssertEqual(badServer.status, 1)
        XCTAssertTrue(badServer.stderr.contains("explain: "), badServer.stderr)
        let badFlag = try Built.run(try Built.explain(), Built.explainArguments(["--frobnicate"]))
        XCTAssertEqual(badFlag.status, 2)
        XCTAssertTrue(badFlag.stderr.contains("unknown option --frobnicate"))
    }
}
