import Foundation
import ExplainAttribution
import ExplainJSON
import ExplainModel

/// What an adaptation changed: accuracy before and after on the held-out texts (the training texts when
/// none are given), and per added token its attribution before — summed over the pieces it split into —
/// and after, on the texts that contain it (vanilla gradient, the reference workflow's method, towards the
/// gold label, unnormalised; also as a share of the text's total). Written as adapt-report.json and .html.
public struct AdaptReport: Sendable {
    public struct TokenFigures: Sendable {
        public var token: String
        public var id: Int
        public var pieces: [String]
        public var texts: Int
        public var attributionBefore: Double
        public var attributionAfter: Double
        public var shareBefore: Double
        public var shareAfter: Double
    }

    public var model: String
    public var evaluatedOn: String   // "heldout" or "training"
    public var evaluatedTexts: Int
    public var accuracyBefore: Double
    public var accuracyAfter: Double
    public var tokens: [TokenFigures]
    public var training: String
    public var settings: [String: JSONValue]
    public var epochs: [(epoch: Int, loss: Double, accuracy: Double)]
    public var stopped: Bool

    static let method = "vanillaGradient"

    static func make(before: ClassifierModel, after: ClassifierModel, addition: TokenAddition, texts: [LabelledText], heldout: Bool,
                     settings: AdaptTrainer.Settings, epochs: [AdaptTrainer.EpochReport], stopped: Bool) throws -> AdaptReport {
        let labels = after.config.labels
        func accuracy(_ model: ClassifierModel) -> Double {
            var correct = 0
            for start in stride(from: 0, to: texts.count, by: 32) {
                let batch = texts[start..<min(start + 32, texts.count)]
                let logits = model.logits(ModelInput(ids: batch.map { model.tokenizer.encode($0.text, maxLength: model.maxTokens).ids }))
                for (row, text) in zip(logits, batch) where labels[row.indices.max(by: { row[$0] < row[$1] })!] == text.label { correct += 1 }
            }
            return Double(correct) / Double(max(texts.count, 1))
        }
        let newIDs = Set(addition.ids)
        let containing = texts.filter { text in after.tokenizer.encode(text.text, maxLength: after.maxTokens).ids.contains { newIDs.contains($0) } }
        var sums = [(before: Double, after: Double, shareBefore: Double, shareAfter: Double, texts: Int)](repeating: (0, 0, 0, 0, 0), count: addition.tokens.count)
        do {
            for label in labels {
                let group = containing.filter { $0.label == label }.map(\.text)
                guard !group.isEmpty else { continue }
                var request = ExplainRequest(method: method)
                request.scoring.target = .label(label)
                request.scoring.normalize = .none
                let afterExplanations = try Explainer(model: after).explain(texts: group, request: request)
                let beforeExplanations = try Explainer(model: before).explain(texts: group, request: request)
                for (a, b) in zip(afterExplanations, beforeExplanations) {
                    let totalAfter = Self.total(a), totalBefore = Self.total(b)
                    var perToken = [(before: Double, after: Double)?](repeating: nil, count: addition.tokens.count)
                    for (t, token) in a.encoding.tokens.enumerated() where newIDs.contains(token.id) {
                        guard let start = token.start, let end = token.end else { continue }
                        let k = token.id - addition.firstID
                        let pieces = b.encoding.tokens.indices.filter { i in
                            let piece = b.encoding.tokens[i]
                            return !piece.special && (piece.start ?? -1) >= start && (piece.end ?? Int.max) <= end
                        }
                        let old = pieces.reduce(0.0) { $0 + Double(b.rawTokenScores[$1]) }
                        let current = perToken[k] ?? (0, 0)
                        perToken[k] = (current.before + old, current.after + Double(a.rawTokenScores[t]))
                    }
                    for (k, figures) in perToken.enumerated() {
                        guard let figures else { continue }
                        sums[k].before += figures.before
                        sums[k].after += figures.after
                        sums[k].shareBefore += totalBefore > 0 ? figures.before / totalBefore : 0
                        sums[k].shareAfter += totalAfter > 0 ? figures.after / totalAfter : 0
                        sums[k].texts += 1
                    }
                }
            }
        } catch {
            throw TrainingError.model("attributions for the report: \(error)")
        }
        let tokens = addition.tokens.enumerated().map { k, token in
            let n = Double(max(sums[k].texts, 1))
            return TokenFigures(token: token, id: addition.firstID + k, pieces: addition.pieces[k].map { before.tokenizer.token(forID: $0) ?? "#\($0)" },
                                texts: sums[k].texts, attributionBefore: sums[k].before / n, attributionAfter: sums[k].after / n,
                                shareBefore: sums[k].shareBefore / n, shareAfter: sums[k].shareAfter / n)
        }
        return AdaptReport(
            model: before.directory.path, evaluatedOn: heldout ? "heldout" : "training", evaluatedTexts: texts.count,
            accuracyBefore: accuracy(before), accuracyAfter: accuracy(after), tokens: tokens, training: settings.training.name,
            settings: ["epochs": .integer(settings.epochs), "learningRate": JSONValue(settings.learningRate),
                       "weightDecay": JSONValue(settings.weightDecay), "batchSize": .integer(settings.batchSize),
                       "seed": .string(String(settings.seed))],
            epochs: epochs.map { ($0.epoch, $0.meanLoss, $0.accuracy) }, stopped: stopped)
    }

    /// The sum of a text's non-special tokens' absolute scores.
    private static func total(_ explanation: Explanation) -> Double {
        zip(explanation.encoding.tokens, explanation.rawTokenScores).reduce(0.0) { $0 + ($1.0.special ? 0 : Double(abs($1.1))) }
    }

    public var json: JSONValue {
        (["model": .string(model), "training": .string(training), "settings": .object(JSONObject(settings.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })), "evaluatedOn": .string(evaluatedOn), "evaluatedTexts": .integer(evaluatedTexts), "accuracyBefore": JSONValue(accuracyBefore), "accuracyAfter": JSONValue(accuracyAfter), "attributionMethod": .string(Self.method), "stopped": .bool(stopped), "epochs": .array(epochs.map { (["epoch": .integer($0.epoch), "loss": JSONValue($0.loss), "accuracy": JSONValue($0.accuracy)] as JSONValue) }), "tokens": .array(tokens.map { t in
                (["token": .string(t.token), "id": .integer(t.id), "pieces": .array(t.pieces.map { .string($0) }), "texts": .integer(t.texts), "attributionBefore": JSONValue(t.attributionBefore), "attributionAfter": JSONValue(t.attributionAfter), "shareBefore": JSONValue(t.shareBefore), "shareAfter": JSONValue(t.shareAfter)] as JSONValue)
            })] as JSONValue)
    }

    /// A self-contained page: the accuracies, the epochs, and a table of the tokens with bars for their share.
    public var html: String {
        func escape(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
                .replacingOccurrences(of: "\"", with: "&quot;")
        }
        func percent(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        func bar(_ share: Double, _ colour: String) -> String {
            "<span class=\"bar\" style=\"width:\(Int((min(max(share, 0), 1) * 200).rounded()))px;background:\(colour)\"></span> \(percent(share))"
        }
        var rows = ""
        for t in tokens {
            rows += "<tr><td>\(escape(t.token))</td><td>\(escape(t.pieces.joined(separator: " ")))</td><td>\(t.texts)</td>"
                + "<td>\(String(format: "%.4g", t.attributionBefore))</td><td>\(String(format: "%.4g", t.attributionAfter))</td>"
                + "<td>\(bar(t.shareBefore, "#9ab"))</td><td>\(bar(t.shareAfter, "#36c"))</td></tr>\n"
        }
        let epochRows = epochs.map { "<tr><td>\($0.epoch)</td><td>\(String(format: "%.4f", $0.loss))</td><td>\(percent($0.accuracy))</td></tr>" }.joined(separator: "\n")
        return """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><title>explaind adapt report</title>
        <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
        .bar{display:inline-block;height:10px}</style></head><body>
        <h1>Adaptation of \(escape(model))</h1>
        <p>Trained: <b>\(escape(training))</b>\(stopped ? " (stopped early; the best epoch so far was kept)" : "").
        Accuracy on the \(evaluatedTexts) \(evaluatedOn == "heldout" ? "held-out" : "training") texts: <b>\(percent(accuracyBefore))</b> before,
        <b>\(percent(accuracyAfter))</b> after.</p>
        <h2>Added tokens</h2>
        <p>Attribution (\(Self.method), towards the gold label, mean over the texts containing the token): before, the sum over the pieces
        the token split into; after, the new token's own. Share: of the text's total attribution.</p>
        <table><tr><th>token</th><th>pieces before</th><th>texts</th><th>attribution before</th><th>after</th><th>share before</th><th>share after</th></tr>
        \(rows)</table>
        <h2>Epochs</h2>
        <table><tr><th>epoch</th><th>mean loss</th><th>accuracy</th></tr>
        \(epochRows)</table>
        </body></html>

        """
    }

    func write(into directory: URL) throws {
        do {
            try Data(JSONSerializer.serialize(json) + [UInt8(ascii: "\n")]).write(to: directory.appendingPathComponent("adapt-report.json"))
            try Data(html.utf8).write(to: directory.appendingPathComponent("adapt-report.html"))
        } catch {
            throw TrainingError.fileSystem(path: directory.path, reason: error.localizedDescription)
        }
    }
}
