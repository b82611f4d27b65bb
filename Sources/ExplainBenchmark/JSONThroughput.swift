#if canImport(Glibc)
import Glibc
#endif
import ExplainJSON

/// `explaind-bench json`: ExplainJSON's parser on a tokenizer.json-sized document (XLM-R's is 17 MB), beside
/// Python's `json` module on the same file in the same run. Both are timed in CPU seconds per parse (the
/// machine may be shared), median of the repeats after one warm-up parse each.
public enum JSONThroughput {
    public struct Options: Sendable {
        public var megabytes = 20
        public var repeats = 5
        public var python = "python3"
        public init() {}
    }

    public struct Report: Sendable {
        public var bytes: Int
        public var ours: TimingSummary
        /// nil when Python could not be run.
        public var python: TimingSummary?
        public var pythonVersion: String?

        public func megabytesPerSecond(_ seconds: Double) -> Double { Double(bytes) / seconds / 1e6 }
    }

    public static func run(_ options: Options, log: (String) -> Void) throws -> Report {
        let document = syntheticTokenizerJSON(bytes: options.megabytes * 1_000_000)
        let path = "/tmp/explaind-bench-tokenizer-\(getpid()).json"
        try write(document, to: path)
        defer { unlink(path) }
        log("parsing \(document.count) bytes (a synthetic tokenizer.json) \(options.repeats) times")

        var check = try JSONParser.parse(document)  // warm-up, and a check that it is what we meant
        guard let vocab = check["model"]?["vocab"]?.arrayValue, !vocab.isEmpty else {
            throw BenchmarkError.usage("the synthetic document has no model.vocab")
        }
        check = .null
        var ours: [Double] = []
        for _ in 0..<options.repeats {
            var parsed: JSONValue = .null
            let (_, cpu) = try Stopwatch.measureBoth { parsed = try JSONParser.parse(document) }
            ours.append(cpu)
            parsed = .null
        }

        let script = """
            import json, sys, time
            data = open(sys.argv[1], "rb").read()
            json.loads(data)
            times = []
            for _ in range(int(sys.argv[2])):
                start = time.process_time()
                json.loads(data)
                times.append(time.process_time() - start)
            print(sys.version.split()[0])
            print(" ".join(repr(t) for t in times))
            """
        var python: TimingSummary? = nil, version: String? = nil
        if let run = try? ChildProcess.run(options.python, ["-c", script, path, String(options.repeats)]), run.exitStatus == 0 {
            let lines = run.standardOutput.split(separator: "\n")
            let times = lines.count == 2 ? lines[1].split(separator: " ").compactMap { Double($0) } : []
            if !times.isEmpty {
                python = TimingSummary(times)
                version = String(lines[0])
            }
        } else {
            log("\(options.python) could not be run: no Python figure")
        }
        return Report(bytes: document.count, ours: TimingSummary(ours), python: python, pythonVersion: version)
    }

    public static func render(_ r: Report) -> String {
        func line(_ name: String, _ t: TimingSummary) -> String {
            let mbps = r.megabytesPerSecond(t.median)
            return "\(name)  \(format(t.median * 1000, 1)) ms CPU per parse (min \(format(t.min * 1000, 1)))  \(format(mbps, 1)) MB/s"
        }
        var lines = ["JSON parse of a \(format(Double(r.bytes) / 1e6, 1)) MB tokenizer.json-like document, median of \(r.ours.samples)"]
        lines.append(line("ExplainJSON         ", r.ours))
        if let p = r.python {
            let name = "Python \(r.pythonVersion ?? "") json"
            lines.append(line(name + String(repeating: " ", count: max(0, 20 - name.count)), p))
            lines.append("ratio (Python time / ours): \(format(p.median / r.ours.median, 2))×")
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ x: Double, _ digits: Int) -> String {
        let scale = pow(10, Double(digits))
        let rounded = (x * scale).rounded() / scale
        let text = String(rounded)
        guard let dot = text.firstIndex(of: ".") else { return text + "." + String(repeating: "0", count: digits) }
        let decimals = text.distance(from: dot, to: text.endIndex) - 1
        return text + String(repeating: "0", count: max(0, digits - decimals))
    }

    /// A document shaped like HuggingFace's tokenizer.json, written as `tokenizers` writes it (two-space
    /// indent): added tokens, a Unigram vocabulary of [piece, score] pairs (XLM-R's 250k), a WordPiece-style
    /// {token: id} object and BPE merges, with pieces from several scripts. Deterministic.
    public static func syntheticTokenizerJSON(bytes target: Int) -> [UInt8] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzéèàüößçñ東京大阪日本語한국어русскийالعربية▁")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        func piece(_ serial: Int) -> String {
            let length = 1 + Int(next() % 8)
            return String((0..<length).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] }) + String(serial, radix: 36)
        }
        // Sections sized as fractions of the target: vocab pairs ~60%, the {token: id} object ~25%, merges ~15%.
        var pairs: [JSONValue] = [], bytesSoFar = 0, serial = 0
        while bytesSoFar < target * 6 / 10 {
            let p = piece(serial); serial += 1
            let score = -Double(next() % 2_000_000) / 100_000
            pairs.append([.string(p), .number(score)])
            bytesSoFar += p.utf8.count + 40
        }
        var vocab = JSONObject(); bytesSoFar = 0
        while bytesSoFar < target / 4 {
            let p = piece(serial); serial += 1
            vocab[p] = .integer(vocab.count)
            bytesSoFar += p.utf8.count + 12
        }
        var merges: [JSONValue] = []; bytesSoFar = 0
        while bytesSoFar < target * 15 / 100 {
            let m = piece(serial) + " " + piece(serial + 1); serial += 2
            merges.append(.string(m))
            bytesSoFar += m.utf8.count + 8
        }
        let added: [JSONValue] = (0..<5).map { i in
            ["id": .integer(i), "content": .string("<special\(i)>"), "single_word": false, "lstrip": false, "rstrip": false,
             "normalized": false, "special": true]
        }
        let document: JSONValue = [
            "version": "1.0", "truncation": nil, "padding": nil, "added_tokens": .array(added),
            "normalizer": ["type": "Precompiled", "precompiled_charsmap": .string(String(repeating: "ALQCAACEAAAAAACAAQAAgMz8", count: 500))],
            "pre_tokenizer": ["type": "Metaspace", "replacement": "▁", "add_prefix_space": true],
            "model": ["type": "Unigram", "unk_id": 3, "vocab": .array(pairs)],
            "wordpiece": ["type": "WordPiece", "vocab": .object(vocab)],
            "merges": .array(merges),
        ]
        var out: [UInt8] = []
        out.reserveCapacity(target + target / 4)
        pretty(document, indent: 0, into: &out)
        return out
    }

    /// Two-space indented JSON, one member or element per line, as serde_json's pretty printer writes it.
    private static func pretty(_ value: JSONValue, indent: Int, into out: inout [UInt8]) {
        func newline(_ level: Int) {
            out.append(0x0A)
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * level))
        }
        switch value {
        case .array(let items) where !items.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                pretty(item, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(UInt8(ascii: "{"))
            for (i, member) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                newline(indent + 1)
                out.append(contentsOf: JSONSerializer.serialize(.string(member.key)))
                out.append(contentsOf: ": ".utf8)
                pretty(member.value, indent: indent + 1, into: &out)
            }
            newline(indent)
            out.append(UInt8(ascii: "}"))
        default:
            out.append(contentsOf: JSONSerializer.serialize(value))
        }
    }

    private static func write(_ bytes: [UInt8], to path: String) throws {
        guard let file = fopen(path, "wb") else { throw BenchmarkError.spawnFailed("write \(path)", reason: String(cString: strerror(errno))) }
        defer { fclose(file) }
        guard bytes.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == bytes.count else {
            throw BenchmarkError.spawnFailed("write \(path)", reason: String(cString: strerror(errno)))
        }
    }
}
