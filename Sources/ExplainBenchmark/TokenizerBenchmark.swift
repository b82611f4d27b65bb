import ExplainJSON
import ExplainTokenizer
import Foundation

/// `explaind-bench tokenizers DIR...`: each tokenizer on 10,000 tweet-length texts and on one 1 MB text, beside
/// HuggingFace `tokenizers` (Rust, one thread) on the same texts in the same run when Python has it
/// (Scripts/reference/bench_tokenizers.py). Best of three runs each, in CPU seconds of the process (both sides are
/// single-threaded), so a busy machine's waits for a core do not count.
public enum TokenizerBenchmark {
    public static func run(directories: [String], python: String, script: String, log: (String) -> Void) throws -> String {
        let tweets = tweetTexts(count: 10_000)
        let long = longText(bytes: 1_000_000)
        var rows: [(name: String, tweets: Double, long: Double, tokens: Int)] = []
        for directory in directories {
            let tokenizer = try Tokenizer.load(directory: URL(fileURLWithPath: directory))
            _ = tokenizer.encode("warm up")
            var tokens = 0
            let tweetSeconds = bestOf(3) { tokens = tweets.reduce(0) { $0 + tokenizer.encode($1).tokens.count } }
            let longSeconds = bestOf(3) { _ = tokenizer.encode(long) }
            rows.append((directory, tweetSeconds, longSeconds, tokens))
            log("tokenizers: \(directory) done")
        }
        var reference: [String: [String: Double]] = [:]
        let textsFile = FileManager.default.temporaryDirectory.appendingPathComponent("explaind-bench-texts-\(getpid()).json")
        defer { try? FileManager.default.removeItem(at: textsFile) }
        try Data(JSONSerializer.serialize(["tweets": tweets.json, "long": long.json])).write(to: textsFile)
        if let run = try? ChildProcess.run(python, [script, textsFile.path] + directories), run.exitStatus == 0,
           let parsed = try? [String: [String: Double]](json: JSONParser.parse(run.standardOutput), at: "") {
            reference = parsed
        } else {
            log("tokenizers: HuggingFace tokenizers not run (\(python) \(script) failed or is missing)")
        }
        var lines = ["tokenizer                      10,000 tweets: ours    HF     ratio   1 MB text: ours    HF     ratio   tokens"]
        for row in rows {
            let hf = reference[row.name]
            func cell(_ ours: Double, _ theirs: Double?) -> String {
                let ratio = theirs.map { String(format: "%6.2f", ours / $0) } ?? "     -"
                return String(format: "%8.3fs %8@ %@", ours, theirs.map { String(format: "%.3fs", $0) } ?? "-", ratio)
            }
            let name = URL(fileURLWithPath: row.name).lastPathComponent
            lines.append(name.padding(toLength: 30, withPad: " ", startingAt: 0) + "   " + cell(row.tweets, hf?["tweets_s"])
                         + "       " + cell(row.long, hf?["long_s"]) + "   \(row.tokens)")
        }
        lines.append("(CPU seconds, best of 3, one thread each; ratio: ours / HF, below 1 is faster)")
        return lines.joined(separator: "\n")
    }

    static func bestOf(_ runs: Int, _ work: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = Stopwatch.cpuNow()
            work()
            best = min(best, Stopwatch.cpuNow() - start)
        }
        return best
    }

    /// Deterministic tweet-like texts: words, mentions, hashtags, URLs, emoji, accents, numbers.
    static func tweetTexts(count: Int) -> [String] {
        let words = ["the", "movie", "was", "absolutely", "great", "terrible", "I", "can't", "believe", "it's", "so",
                     "good", "lol", "😂", "😍", "👍🏽", "🇫🇷", "café", "naïve", "#NLP", "#tbt", "@user", "@cardiffnlp",
                     "https://t.co/xYz123", "2023", "10/10", "!!!", "...", "Ça", "va", "über", "東京", "مرحبا", "wow",
                     "tokenization", "RT", "—", "don't", "won't", "👨‍👩‍👧", "yesss", "omg", "sooo", "$100", "I'm"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            (0..<(8 + next() % 18)).map { _ in words[next() % words.count] }.joined(separator: " ")
        }
    }

    static func longText(bytes: Int) -> String {
        var text = ""
        var index = 0
        let tweets = tweetTexts(count: 2_000)
        while text.utf8.count < bytes {
            text += tweets[index % tweets.count] + (index % 7 == 6 ? "\n" : " ")
            index += 1
        }
        return text
    }
}
