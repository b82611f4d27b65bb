#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// `explaind corpus` end to end on a small fixture checkpoint: the daemon's numbers, resume after kills at
/// random points, Ctrl-C, bad records and --strict.
final class CorpusRunTests: XCTestCase {
    func write(_ lines: [String], to url: URL) throws {
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// Every record equals the daemon's `explain` reply for the same texts and settings, field by field
    /// (its timing aside), with the id and gold label added.
    func testRecordsAreTheDaemonsExplanations() throws {
        let records = try recordsMatchTheDaemon([("gradientXInput", [:])], count: 6)[0]
        guard case .array(let words)? = records.first?["words"], let score = words.first?["score"]?.doubleValue else {
            return XCTFail("no word scores")
        }
        XCTAssertTrue(score.isFinite)
    }

    /// The perturbation and attention methods through `explaind corpus`, options passed by --set: the
    /// daemon's explanations too (LIME and sampled SHAP are seeded, so the two runs draw the same samples).
    func testTheNewerMethodsAreTheDaemons() throws {
        let runs: [(String, [String: JSONValue])] = [
            ("lime", ["samples": .integer(24)]), ("kernelShap", ["samples": .integer(24), "exactUpTo": .integer(0)]),
            ("attentionRollout", [:]), ("attentionGradient", [:]), ("sequentialIntegratedGradients", ["steps": .integer(2)]),
        ]
        for (records, (method, _)) in zip(try recordsMatchTheDaemon(runs, count: 2, batch: 2), runs) {
            XCTAssertEqual(records.first?["method"], .string(method))
        }
    }

    /// `explaind corpus` over `count` tweets (batches of `batch`) once per (method, options), and one daemon
    /// answering `explain` over the same batches for each: every record is the daemon's explanation with the
    /// id and gold label added. Returns each run's records.
    func recordsMatchTheDaemon(_ runs: [(method: String, options: [String: JSONValue])], count: Int, batch: Int = 3) throws -> [[JSONValue]] {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.jsonl")
        let lines = try CorpusFixtures.tweetLines(count)
        try write(lines, to: input)
        let texts = try lines.map { try JSONParser.parse($0)["text"]! }
        let batches = stride(from: 0, to: count, by: batch).map { Array(texts[$0..<min($0 + batch, count)]) }
        var requests = [JSONSerializer.string(["jsonrpc": "2.0", "id": 1, "method": "initialize",
                                               "params": ["positionEncodings": ["utf-32"]]])]
        var runRecords: [[JSONValue]] = []
        for (r, (method, options)) in runs.enumerated() {
            let output = work.appendingPathComponent("out\(r).jsonl")
            let settings = options.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\(JSONSerializer.string($0.value))"] }
            let run = try CorpusFixtures.corpus(["--in", input.path, "--out", output.path, "--model", CorpusFixtures.model,
                                                 "--method", method, "--set", "normalize=max", "--batch", "\(batch)"] + settings)
            XCTAssertEqual(run.status, 0, "\(method): \(run.stderr)")
            runRecords.append(try CorpusFixtures.lines(output))
            // The daemon's requests for this run, over newline-delimited JSON: the same batches.
            for (k, texts) in batches.enumerated() {
                requests.append(JSONSerializer.string(["jsonrpc": "2.0", "id": .integer(2 + r * batches.count + k), "method": "explain", "params": [
                    "texts": .array(texts), "method": .string(method), "normalize": "max", "granularity": "word", "options": .object(options)]]))
            }
        }
        let replies = try CorpusFixtures.daemon(requests)
        for (r, (method, _)) in runs.enumerated() {
            var explanations: [JSONValue] = []
            for k in batches.indices {
                let reply = try XCTUnwrap(replies.first { $0["id"] == .integer(2 + r * batches.count + k) })
                guard case .array(let list)? = reply["result"]?["explanations"] else {
                    XCTFail("\(method): no explanations: \(reply)")
                    continue
                }
                explanations += list
            }
            XCTAssertEqual(runRecords[r].count, count, method)
            XCTAssertEqual(explanations.count, count, method)
            for (record, (explanation, line)) in zip(runRecords[r], zip(explanations, lines)) {
                guard case .object(var expected) = explanation else {
                    XCTFail("\(method): not an object")
                    continue
                }
                let source = try JSONParser.parse(line)
                _ = expected.removeValue(forKey: "elapsedMs")
                _ = expected.updateValue(source["id"]!, forKey: "id")
                _ = expected.updateValue(source["label"]!, forKey: "gold")
                XCTAssertEqual(JSONSerializer.string(record), JSONSerializer.string(.object(expected)), method)
            }
        }
        return runRecords
    }

    /// A text longer than the model's positions: the record is the daemon's `explain` with `long: "windows"`
    /// (and the stride), every token scored, the windows listed; `truncate` keeps explain's default.
    func testLongTextsInWindowsAreTheDaemonsWindows() throws {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.txt"), output = work.appendingPathComponent("out.jsonl")
        let long = (0..<70).map { ["the senate", "passed", "a budget", "after the", "football match"][$0 % 5] }.joined(separator: " ")
        try write([long], to: input)
        let run = try CorpusFixtures.corpus(["--in", input.path, "--out", output.path, "--model", CorpusFixtures.model, "--stride", "24"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let record = try XCTUnwrap(try CorpusFixtures.lines(output).first)
        let replies = try CorpusFixtures.daemon([
            JSONSerializer.string(["jsonrpc": "2.0", "id": 1, "method": "initialize", "params": ["positionEncodings": ["utf-32"]]]),
            JSONSerializer.string(["jsonrpc": "2.0", "id": 2, "method": "explain", "params": [
                "texts": [.string(long)], "granularity": "word", "long": "windows", "stride": 24]]),
            JSONSerializer.string(["jsonrpc": "2.0", "id": 3, "method": "explain", "params": ["text": .string(long), "stride": 24]]),
        ])
        guard case .array(let list)? = replies.first(where: { $0["id"] == 2 })?["result"]?["explanations"],
              case .object(var expected)? = list.first else {
            return XCTFail("no explanation: \(replies)")
        }
        _ = expected.removeValue(forKey: "elapsedMs")
        _ = expected.updateValue(JSONValue.integer(1), forKey: "id")
        XCTAssertEqual(JSONSerializer.string(record), JSONSerializer.string(.object(expected)))
        guard case .array(let windows)? = record["windows"], case .array(let tokens)? = record["tokens"] else {
            return XCTFail("no windows in \(record)")
        }
        XCTAssertGreaterThan(windows.count, 1)
        XCTAssertEqual(record["truncated"], .bool(false))
        XCTAssertGreaterThan(tokens.count, 64)
        XCTAssertTrue(tokens.allSatisfy { $0["score"]?.doubleValue?.isFinite == true })
        // stride without windows is refused by the daemon.
        XCTAssertEqual(replies.first(where: { $0["id"] == 3 })?["error"]?["data"]?["field"], .string("stride"))
    }

    /// Columns named by --text-field, --id-field and --label-field in a TSV file read by --format (its name says
    /// nothing), with --threads and --long truncate: ids and gold labels from the named columns, the same
    /// record as the JSON Lines input gives, and the long text cut to the model's positions as `explain` cuts it.
    func testNamedFieldsFormatThreadsAndTruncate() throws {
        let work = try scratchDirectory("corpus")
        let long = (0..<70).map { ["the senate", "passed", "a budget"][$0 % 3] }.joined(separator: " ")
        let tsv = work.appendingPathComponent("in.data"), jsonl = work.appendingPathComponent("in.jsonl")
        try write(["tid\tbody\tclass\ttext", "a7\tvote for the senate\tpolitical\tdecoy", "b9\t\(long)\tgeneral\tdecoy"], to: tsv)
        try write(["{\"id\": \"a7\", \"text\": \"vote for the senate\", \"label\": \"political\"}",
                   "{\"id\": \"b9\", \"text\": \"\(long)\", \"label\": \"general\"}"], to: jsonl)
        let named = work.appendingPathComponent("named.jsonl"), plain = work.appendingPathComponent("plain.jsonl")
        let common = ["--model", CorpusFixtures.model, "--long", "truncate", "--threads", "1"]
        let run = try CorpusFixtures.corpus(common + ["--in", tsv.path, "--out", named.path, "--format", "tsv",
                                                      "--text-field", "body", "--id-field", "tid", "--label-field", "class"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try CorpusFixtures.corpus(common + ["--in", jsonl.path, "--out", plain.path]).status, 0)
        let records = try CorpusFixtures.lines(named)
        XCTAssertEqual(records.map { $0["id"] }, ["a7", "b9"])
        XCTAssertEqual(records.map { $0["gold"] }, ["political", "general"])
        XCTAssertEqual(try Data(contentsOf: named), try Data(contentsOf: plain))
        XCTAssertEqual(records[1]["truncated"], .bool(true))
        XCTAssertNil(records[1]["windows"])
        XCTAssertEqual(records[1]["tokens"]?.arrayValue?.count, 64)  // the fixture's positions
    }

    /// Killed at random points, resumed until done (and once with a half line cut by hand): the output is byte
    /// for byte the uninterrupted run's. Ctrl-C stops with status 130 after writing whole lines.
    func testResumeAfterKillsAndInterrupts() throws {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.jsonl")
        try write(try CorpusFixtures.tweetLines(60), to: input)
        let reference = work.appendingPathComponent("reference.jsonl"), resumed = work.appendingPathComponent("resumed.jsonl")
        let common = ["--in", input.path, "--model", CorpusFixtures.model, "--batch", "4"]
        XCTAssertEqual(try CorpusFixtures.corpus(common + ["--out", reference.path]).status, 0)
        let expected = try Data(contentsOf: reference)
        XCTAssertEqual(try CorpusFixtures.lines(reference).count, 60)

        var generator = SystemRandomNumberGenerator()
        var kills = 0, interrupts = 0, partial = 0
        for attempt in 0..<12 where kills + interrupts < 6 {
            let process = try CorpusFixtures.start(common + ["--out", resumed.path, "--resume"])
            // At a random point of what is left: once a random number of records is out (timing would be at the
            // mercy of the machine's load, and the model's load takes a varying part of a run), then a moment
            // into the next batch.
            let newlines = { ((try? Data(contentsOf: resumed)) ?? Data()).reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            // Always past what earlier runs wrote: a signal before this run has installed its handlers would be
            // the shell's Ctrl-C during start-up, not the resume under test.
            let start = newlines()
            let target = Int.random(in: (start + 1)...max(start + 1, 52), using: &generator)
            let deadline = Date().addingTimeInterval(60)
            while process.isRunning, Date() < deadline, newlines() < target { usleep(2_000) }
            usleep(UInt32.random(in: 0...30_000, using: &generator))
            let signal = attempt % 3 == 2 ? SIGINT : SIGKILL
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            if process.terminationReason == .exit && process.terminationStatus == 0 {
                if partial > 0 { break }
                // It finished before the signal landed (the fixture model is fast, and the target may sit near the
                // end): nothing was stopped part way yet, so start the output over and try again.
                try FileManager.default.removeItem(at: resumed)
                continue
            }
            if signal == SIGINT {
                XCTAssertEqual(process.terminationReason, .exit)
                interrupts += 1
                XCTAssertEqual(process.terminationStatus, 130)
                let bytes = try Data(contentsOf: resumed)
                XCTAssertTrue(bytes.isEmpty || bytes.last == UInt8(ascii: "\n"), "Ctrl-C left a half line")
            } else {
                kills += 1
            }
            let done = (try? CorpusFixtures.lines(resumed).count) ?? 0
            if done > 0 && done < 60 { partial += 1 }
            // Once: a half-written last line, as a crash in the middle of a write leaves it.
            if attempt == 1, let handle = try? FileHandle(forWritingTo: resumed) {
                handle.seekToEndOfFile()
                handle.write(Data("{\"id\":\"half".utf8))
                try handle.close()
            }
        }
        XCTAssertGreaterThan(kills + interrupts, 0)
        XCTAssertGreaterThan(partial, 0, "no run was stopped part way")
        let last = try CorpusFixtures.corpus(common + ["--out", resumed.path, "--resume"])
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertEqual(try Data(contentsOf: resumed), expected)

        // A resumed run over another input is refused, not appended to.
        let other = work.appendingPathComponent("other.jsonl")
        try write(["{\"id\": \"zzz\", \"text\": \"something else entirely\"}"], to: other)
        let refused = try CorpusFixtures.corpus(["--in", other.path, "--out", resumed.path, "--resume", "--model", CorpusFixtures.model])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("not this input's output"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: resumed), expected)
    }

    /// Bad records are reported with their line and skipped; --strict stops at the first one after writing
    /// the records before it.
    func testBadRecordsAndStrict() throws {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.jsonl"), output = work.appendingPathComponent("out.jsonl")
        let good = try CorpusFixtures.tweetLines(4)
        try write([good[0], "{\"text\": 5}", good[1], "{not json", "{\"id\": \"e\", \"text\": \"\"}", good[2],
                   "{\"text\": \"\\u0001\"}", good[3]], to: input)
        let run = try CorpusFixtures.corpus(["--in", input.path, "--out", output.path, "--model", CorpusFixtures.model])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(try CorpusFixtures.lines(output).map { $0["id"] }, ["t0", "t1", "t2", "t3"])
        for expected in ["line 2: \"text\" is number, not a string", "line 4: invalid JSON", "line 5: empty text",
                         "line 7: nothing to explain", "4 records written", "4 bad records skipped"] {
            XCTAssertTrue(run.stderr.contains(expected), "missing \(expected) in \(run.stderr)")
        }
        let strict = try CorpusFixtures.corpus(["--in", input.path, "--out", output.path, "--model", CorpusFixtures.model, "--strict"])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stderr.contains("--strict: stopped at line 2"), strict.stderr)
        XCTAssertEqual(try CorpusFixtures.lines(output).map { $0["id"] }, ["t0"])
    }

    /// On a terminal (a pseudo-terminal from util-linux's `script`): a bar redrawn in place with texts done,
    /// texts/s and the time left.
    func testProgressBarOnATerminal() throws {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.jsonl"), output = work.appendingPathComponent("out.jsonl")
        try write(try CorpusFixtures.tweetLines(12), to: input)
        let command = [try CorpusFixtures.explaind.path, "corpus", "--in", input.path, "--out", output.path,
                       "--model", CorpusFixtures.model, "--batch", "4"].map { "'\($0)'" }.joined(separator: " ")
        let script = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/script"), ["-qec", command, "/dev/null"])
        let shown = script.stdout
        XCTAssertEqual(script.status, 0, shown)
        XCTAssertTrue(shown.contains("\r█"), shown)
        XCTAssertTrue(shown.contains("4/12 texts"), shown)
        XCTAssertTrue(shown.contains("12/12 texts"), shown)
        XCTAssertTrue(shown.contains("texts/s"), shown)
        XCTAssertTrue(shown.contains(" left"), shown)
        XCTAssertEqual(try CorpusFixtures.lines(output).count, 12)
    }

    /// Plain lines on stderr when it is not a terminal: texts done, texts/s.
    func testProgressLinesWithoutATerminal() throws {
        let work = try scratchDirectory("corpus")
        let input = work.appendingPathComponent("in.txt"), output = work.appendingPathComponent("out.jsonl")
        try write(["the senate votes today", "rain again tomorrow"], to: input)
        let run = try CorpusFixtures.corpus(["--in", input.path, "--out", output.path, "--model", CorpusFixtures.model])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("2/2 texts"), run.stderr)
        XCTAssertFalse(run.stderr.contains("\r"))
        XCTAssertEqual(try CorpusFixtures.lines(output).map { $0["id"] }, [1, 2])
    }
}
