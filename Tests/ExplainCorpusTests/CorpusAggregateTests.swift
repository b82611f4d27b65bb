import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// --aggregate over the fixture: counts and sums as the records give them, top words by mean among words seen
/// --min-count times, fragmented words, the confusion matrix; two halves merged equal one run byte for byte.
final class CorpusAggregateTests: XCTestCase {
    func testAggregateAndMergeOfHalves() throws {
        let work = try scratchDirectory("corpus")
        let lines = try CorpusFixtures.tweetLines(40)
        let whole = work.appendingPathComponent("whole.jsonl"), first = work.appendingPathComponent("first.jsonl"),
            second = work.appendingPathComponent("second.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: whole, atomically: true, encoding: .utf8)
        try (lines[..<20].joined(separator: "\n") + "\n").write(to: first, atomically: true, encoding: .utf8)
        try (lines[20...].joined(separator: "\n") + "\n").write(to: second, atomically: true, encoding: .utf8)
        for name in ["whole", "first", "second"] {
            let run = try CorpusFixtures.corpus([
                "--in", work.appendingPathComponent("\(name).jsonl").path, "--out", work.appendingPathComponent("\(name)-out.jsonl").path,
                "--aggregate", work.appendingPathComponent("\(name).json").path, "--min-count", "2",
                "--model", CorpusFixtures.model, "--batch", "4"])
            XCTAssertEqual(run.status, 0, run.stderr)
        }
        let merge = try CorpusFixtures.corpus(["merge", work.appendingPathComponent("first.json").path,
                                               work.appendingPathComponent("second.json").path,
                                               "--aggregate", work.appendingPathComponent("merged.json").path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        let merged = try Data(contentsOf: work.appendingPathComponent("merged.json"))
        XCTAssertEqual(merged, try Data(contentsOf: work.appendingPathComponent("whole.json")))

        // The figures against the records themselves.
        let aggregate = try JSONParser.parse([UInt8](merged))
        let records = try CorpusFixtures.lines(work.appendingPathComponent("whole-out.jsonl"))
        XCTAssertEqual(aggregate["texts"], .integer(40))
        let correct = records.filter { $0["gold"] == $0["prediction"]?["label"] }.count
        XCTAssertEqual(aggregate["labelled"], .integer(40))
        XCTAssertEqual(aggregate["correct"], .integer(correct))
        XCTAssertEqual(aggregate["accuracy"]?.doubleValue ?? -1, Double(correct) / 40, accuracy: 1e-12)
        var confusion: [String: [String: Int]] = [:]
        var words: [String: [String: (count: Int, documents: Int, total: Double)]] = [:]
        for record in records {
            let predicted = record["prediction"]!["label"]!.stringValue!, gold = record["gold"]!.stringValue!
            confusion[gold, default: [:]][predicted, default: 0] += 1
            guard case .array(let list)? = record["words"] else { return XCTFail("no words") }
            var seen = Set<String>()
            for word in list {
                let text = word["text"]!.stringValue!
                var entry = words[predicted]?[text] ?? (0, 0, 0)
                entry.count += 1
                entry.total += word["score"]!.doubleValue!
                if seen.insert(text).inserted { entry.documents += 1 }
                words[predicted, default: [:]][text] = entry
            }
        }
        for (gold, row) in confusion { for (predicted, n) in row { XCTAssertEqual(aggregate["confusion"]?[gold]?[predicted], .integer(n)) } }
        for (label, table) in words {
            let tally = try XCTUnwrap(aggregate["predicted"]?[label])
            for (word, expected) in table {
                let entry = try XCTUnwrap(tally["words"]?[word], word)
                XCTAssertEqual(entry["count"], .integer(expected.count), word)
                XCTAssertEqual(entry["documents"], .integer(expected.documents), word)
                XCTAssertEqual(entry["total"]?.doubleValue ?? .nan, expected.total, accuracy: 1e-6, word)
            }
            guard case .array(let top)? = tally["top"] else { return XCTFail("no top words") }
            let eligible = table.filter { $0.value.count >= 2 }
            XCTAssertEqual(top.count, min(50, eligible.count))
            let means = top.map { $0["mean"]!.doubleValue! }
            XCTAssertEqual(means, means.sorted(by: >))
            if let best = eligible.max(by: { $0.value.total / Double($0.value.count) < $1.value.total / Double($1.value.count) }) {
                XCTAssertEqual(top.first?["word"], .string(best.key))
            }
        }
        guard case .array(let fragments)? = aggregate["fragmentation"] else { return XCTFail("no fragmentation table") }
        XCTAssertFalse(fragments.isEmpty)
        for fragment in fragments {
            guard case .array(let pieces)? = fragment["pieces"] else { return XCTFail("no pieces") }
            XCTAssertGreaterThanOrEqual(pieces.count, 3)
        }
        let ranks = fragments.map { $0["totalAbsolute"]!.doubleValue! }
        XCTAssertEqual(ranks, ranks.sorted(by: >))
        guard case .array(let wrong)? = aggregate["misclassified"] else { return XCTFail("no misclassified") }
        XCTAssertEqual(wrong.count, min(5, 40 - correct))
        for example in wrong { XCTAssertNotEqual(example["record"]?["gold"], example["record"]?["prediction"]?["label"]) }
    }
}
