import ExplainJSON

/// The aggregate file: the sums and counts (which `merge` reads back), and what is derived from them for people
/// (means, each class's top words, accuracy, the fragmentation ranking), rewritten on every save.
extension CorpusAggregate {
    static let format = "explaind-corpus-aggregate/1"
    static let topWords = 50

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "format": .string(Self.format), "labels": .array(labels.map { .string($0) }), "method": .string(method),
            "minCount": .integer(minCount), "texts": .integer(texts),
            "predicted": .object(byPredicted.mapValues { classJSON($0) }),
            "gold": .object(byGold.mapValues { classJSON($0) }),
            "confusion": .object(confusion.mapValues { .object($0.mapValues { .integer($0) }) }),
            "confident": .object(confident.mapValues { .array($0.map(Self.exampleJSON)) }),
            "misclassified": .array(misclassified.map(Self.exampleJSON)),
            "fragmentation": .array(rankedFragments.map { word, f in
                ["word": .string(word), "pieces": .array(f.pieces.map { .string($0) }), "count": .integer(f.count),
                 "totalUnits": .integer(Int(f.total.units)), "total": JSONValue(f.total.value),
                 "totalAbsoluteUnits": .integer(Int(f.totalAbsolute.units)), "totalAbsolute": JSONValue(f.totalAbsolute.value),
                 "mean": JSONValue(f.total.value / Double(f.count))]
            }),
        ]
        let labelled = confusion.values.reduce(0) { $0 + $1.values.reduce(0, +) }
        if labelled > 0 {
            let correct = confusion.reduce(0) { $0 + ($1.value[$1.key] ?? 0) }
            o["labelled"] = .integer(labelled)
            o["correct"] = .integer(correct)
            o["accuracy"] = JSONValue(Double(correct) / Double(labelled))
        }
        return .object(o)
    }

    /// Fragmented words by count × mean |attribution| (their total |attribution|), ties by word.
    var rankedFragments: [(word: String, fragment: Fragment)] {
        fragments.map { ($0.key, $0.value) }.sorted {
            $0.fragment.totalAbsolute.units != $1.fragment.totalAbsolute.units
                ? $0.fragment.totalAbsolute.units > $1.fragment.totalAbsolute.units : $0.word < $1.word
        }
    }

    /// The class's words seen at least minCount times, by mean attribution (highest first), ties by word.
    func topWords(_ tally: ClassTally) -> [(word: String, tally: WordTally)] {
        func mean(_ t: WordTally) -> Double { t.total.value / Double(t.count) }
        let seen: [(word: String, tally: WordTally)] = tally.words.filter { $0.value.count >= minCount }.map { ($0.key, $0.value) }
        let sorted = seen.sorted { (a, b) -> Bool in mean(a.tally) != mean(b.tally) ? mean(a.tally) > mean(b.tally) : a.word < b.word }
        return Array(sorted.prefix(Self.topWords))
    }

    func classJSON(_ tally: ClassTally) -> JSONValue {
        func word(_ t: WordTally) -> JSONObject {
            ["count": .integer(t.count), "documents": .integer(t.documents), "totalUnits": .integer(Int(t.total.units)),
             "total": JSONValue(t.total.value), "mean": JSONValue(t.total.value / Double(t.count))]
        }
        return ["texts": .integer(tally.texts),
                "words": .object(tally.words.mapValues { .object(word($0)) }),
                "top": .array(topWords(tally).map { entry in
                    var o = word(entry.tally)
                    _ = o.updateValue(.string(entry.word), forKey: "word")
                    return .object(o)
                })]
    }

    static func exampleJSON(_ example: Example) -> JSONValue {
        ["probability": JSONValue(example.probability), "record": example.record]
    }

    init(json: JSONValue) throws {
        let o = try ObjectReader(json, at: "")
        guard try o.required("format", as: String.self) == Self.format else {
            throw InvalidField(field: "format", reason: "expected \(Self.format)")
        }
        self.init(labels: try o.required("labels"), method: try o.required("method"), minCount: try o.required("minCount"))
        texts = try o.required("texts")
        func classes(_ key: String) throws -> [String: ClassTally] {
            var result: [String: ClassTally] = [:]
            for (label, value) in try o.object(key).fields {
                let c = try ObjectReader(value, at: "\(key).\(label)")
                var tally = ClassTally(texts: try c.required("texts"))
                for (word, w) in try c.object("words").fields {
                    let r = try ObjectReader(w, at: "\(key).\(label).words")
                    tally.words[word] = WordTally(count: try r.required("count"), documents: try r.required("documents"),
                                                  total: Attribution(units: Int64(try r.required("totalUnits", as: Int.self))))
                }
                result[label] = tally
            }
            return result
        }
        byPredicted = try classes("predicted")
        byGold = try classes("gold")
        for (gold, row) in try o.object("confusion").fields {
            confusion[gold] = try [String: Int](json: row, at: "confusion.\(gold)")
        }
        func example(_ value: JSONValue, at path: String) throws -> Example {
            let e = try ObjectReader(value, at: path)
            return Example(probability: try e.required("probability"), record: try e.required("record"))
        }
        for (label, list) in try o.object("confident").fields {
            let values = try [JSONValue](json: list, at: "confident.\(label)")
            confident[label] = try values.map { try example($0, at: "confident.\(label)") }
        }
        misclassified = try o.required("misclassified", as: [JSONValue].self).map { try example($0, at: "misclassified") }
        for value in try o.required("fragmentation", as: [JSONValue].self) {
            let f = try ObjectReader(value, at: "fragmentation")
            fragments[try f.required("word")] = Fragment(
                pieces: try f.required("pieces"), count: try f.required("count"),
                total: Attribution(units: Int64(try f.required("totalUnits", as: Int.self))),
                totalAbsolute: Attribution(units: Int64(try f.required("totalAbsoluteUnits", as: Int.self))))
        }
    }
}
