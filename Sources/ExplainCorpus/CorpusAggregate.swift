import Foundation
import ExplainJSON
import ExplainRecords
import ExplainServer
import ExplainProtocol

/// What drives each class across a corpus, as sums and counts only, so that aggregates of parts merge into
/// exactly the aggregate of the whole: attributions are summed in fixed point (units of 2⁻³², `Attribution`),
/// where addition is exact in any order, and example lists keep the best few under a total order.
public struct CorpusAggregate: Equatable {
    public static let examplesPerClass = 5

    var labels: [String]
    var method: String
    var minCount: Int
    var texts = 0
    var byPredicted: [String: ClassTally] = [:]
    var byGold: [String: ClassTally] = [:]
    /// gold → predicted → texts.
    var confusion: [String: [String: Int]] = [:]
    /// The most confident texts per predicted class, and the most confident wrong ones.
    var confident: [String: [Example]] = [:]
    var misclassified: [Example] = []
    /// Words split into 3 or more pieces.
    var fragments: [String: Fragment] = [:]

    struct WordTally: Equatable {
        var count = 0
        var documents = 0
        var total = Attribution()
    }

    struct ClassTally: Equatable {
        var texts = 0
        var words: [String: WordTally] = [:]

        mutating func add(_ words: [(text: String, score: Float)]) throws {
            texts += 1
            var seen = Set<String>()
            for word in words {
                self.words[word.text, default: WordTally()].count += 1
                try self.words[word.text]!.total.add(word.score)
                if seen.insert(word.text).inserted { self.words[word.text]!.documents += 1 }
            }
        }

        mutating func merge(_ other: ClassTally) throws {
            texts += other.texts
            for (word, tally) in other.words {
                var mine = words[word] ?? WordTally()
                mine.count += tally.count
                mine.documents += tally.documents
                try mine.total.add(tally.total)
                words[word] = mine
            }
        }
    }

    struct Fragment: Equatable {
        var pieces: [String]
        var count = 0
        var total = Attribution()
        var totalAbsolute = Attribution()
    }

    /// A text kept as an example: ranked by the probability of its predicted class, ties by id then text.
    struct Example: Equatable {
        var probability: Float
        var record: JSONValue

        static func ranked(_ a: Example, _ b: Example) -> Bool {
            if a.probability != b.probability { return a.probability > b.probability }
            let idA = JSONSerializer.string(a.record["id"] ?? .null), idB = JSONSerializer.string(b.record["id"] ?? .null)
            if idA != idB { return idA < idB }
            return JSONSerializer.string(a.record) < JSONSerializer.string(b.record)
        }

        static func best(_ examples: [Example]) -> [Example] {
            Array(examples.sorted(by: ranked).prefix(CorpusAggregate.examplesPerClass))
        }
    }

    init(labels: [String], method: String, minCount: Int) {
        self.labels = labels
        self.method = method
        self.minCount = minCount
    }

    /// Adds one output record (an `explain` explanation with id and gold label).
    mutating func add(record: JSONValue, line: Int) throws {
        let info: ExplanationInfo
        do { info = try Self.explanation(record) } catch {
            throw CommandLineError(description: "output record \(line) does not read as an explanation: \(error)")
        }
        let predicted = info.prediction.label
        let gold = record["gold"]?.stringValue
        // A word's score: its own (granularity word) or the sum of its tokens'.
        let words = info.words.enumerated().map { index, word -> (text: String, score: Float) in
            let score = info.wordScores.map { $0[index] } ?? word.tokens.reduce(Float(0)) { $0 + info.tokenScores[$1] }
            return (word.text, score)
        }
        texts += 1
        try byPredicted[predicted, default: ClassTally()].add(words)
        if let gold {
            try byGold[gold, default: ClassTally()].add(words)
            confusion[gold, default: [:]][predicted, default: 0] += 1
        }
        for (index, word) in info.words.enumerated() where word.tokens.count >= 3 {
            var fragment = fragments[word.text] ?? Fragment(pieces: word.tokens.map { info.tokens[$0].text })
            fragment.count += 1
            try fragment.total.add(words[index].score)
            try fragment.totalAbsolute.add(abs(words[index].score))
            fragments[word.text] = fragment
        }
        let example = Example(probability: info.prediction.probabilities[info.prediction.index], record: record)
        confident[predicted] = Example.best((confident[predicted] ?? []) + [example])
        if let gold, gold != predicted { misclassified = Example.best(misclassified + [example]) }
    }

    /// An output record read back as `explain`'s reply; records leave out the reply's timing (so reruns are byte
    /// for byte the same), and zero stands in for it.
    static func explanation(_ record: JSONValue) throws -> ExplanationInfo {
        var timed = record
        if case .object(var fields) = record, fields["elapsedMs"] == nil {
            _ = fields.updateValue(.integer(0), forKey: "elapsedMs")
            timed = .object(fields)
        }
        return try ExplanationInfo(json: timed, at: "")
    }

    mutating func merge(_ other: CorpusAggregate) throws {
        guard other.labels == labels, other.method == method else {
            throw CommandLineError(description: "the aggregates are of different models or methods (\(labels) \(method) vs \(other.labels) \(other.method))")
        }
        minCount = min(minCount, other.minCount)
        texts += other.texts
        for (label, tally) in other.byPredicted { try byPredicted[label, default: ClassTally()].merge(tally) }
        for (label, tally) in other.byGold { try byGold[label, default: ClassTally()].merge(tally) }
        for (gold, row) in other.confusion { for (predicted, n) in row { confusion[gold, default: [:]][predicted, default: 0] += n } }
        for (label, examples) in other.confident { confident[label] = Example.best((confident[label] ?? []) + examples) }
        misclassified = Example.best(misclassified + other.misclassified)
        for (word, fragment) in other.fragments {
            var mine = fragments[word] ?? Fragment(pieces: fragment.pieces)
            mine.count += fragment.count
            try mine.total.add(fragment.total)
            try mine.totalAbsolute.add(fragment.totalAbsolute)
            fragments[word] = mine
        }
    }

    // MARK: files

    /// The aggregate of an output file (every complete record of it, kept ones from a resumed run included).
    static func of(outputFile path: String, labels: [String], method: String, minCount: Int) throws -> CorpusAggregate {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandLineError(description: "cannot read \(path)")
        }
        var aggregate = CorpusAggregate(labels: labels, method: method, minCount: minCount)
        for (number, line) in RecordFile.lines([UInt8](data)) {
            try aggregate.add(record: try JSONParser.parse(line), line: number)
        }
        return aggregate
    }

    /// After a run: the aggregate (--aggregate) and the report (--report) of --out.
    static func write(options: CorpusOptions, labels: [String]) throws {
        guard options.aggregate != nil || options.report != nil else { return }
        let aggregate = try of(outputFile: options.output, labels: labels, method: options.request.method, minCount: options.minCount)
        if let path = options.aggregate { try aggregate.save(to: path) }
        if let path = options.report { try CorpusReport.write(aggregate, to: path) }
    }

    /// `explaind corpus merge A.json B.json ... --aggregate OUT.json`.
    public static func merge(files: [String], into path: String, report: String? = nil) throws {
        var merged: CorpusAggregate? = nil
        for file in files {
            let part = try load(from: file)
            if merged == nil { merged = part } else { try merged!.merge(part) }
        }
        try merged?.save(to: path)
        if let report, let merged { try CorpusReport.write(merged, to: report) }
    }

    func save(to path: String) throws {
        var bytes = JSONSerializer.serialize(json)
        bytes.append(UInt8(ascii: "\n"))
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CommandLineError(description: "cannot write \(path)")
        }
    }

    static func load(from path: String) throws -> CorpusAggregate {
        guard let data = FileManager.default.contents(atPath: path) else { throw CommandLineError(description: "cannot read \(path)") }
        do { return try CorpusAggregate(json: try JSONParser.parse([UInt8](data))) } catch let error as InvalidField {
            throw CommandLineError(description: "\(path) is not an aggregate of explaind corpus: \(error)")
        }
    }
}

/// A sum of attributions in fixed point, units of 2⁻³²: each score is rounded once, and the sums of those are
/// exact integers, the same in any order. |sum| must stay below 2³¹ (a million words of score up to 2000).
struct Attribution: Equatable {
    static let scale = 4294967296.0
    var units: Int64 = 0

    var value: Double { Double(units) / Self.scale }

    mutating func add(_ score: Float) throws {
        let scaled = (Double(score) * Self.scale).rounded()
        guard scaled.isFinite, abs(scaled) < 9.2e18 else { throw overflow }
        try add(Attribution(units: Int64(scaled)))
    }

    mutating func add(_ other: Attribution) throws {
        let (sum, overflowed) = units.addingReportingOverflow(other.units)
        guard !overflowed else { throw overflow }
        units = sum
    }

    private var overflow: CommandLineError {
        CommandLineError(description: "attribution sums beyond 2^31 in magnitude: normalise the scores (--set normalize=max)")
    }
}
