import ExplainJSON
import ExplainRecords
import ExplainProtocol
import ExplainServer
import ExplainAttribution

/// One batch of records through `explain` (one call with `texts`), each explanation becoming an output record.
struct CorpusBatchRunner {
    let explainer: LocalExplainer
    let options: CorpusOptions
    let stop: CancellationFlag

    struct Outcome {
        var records: [JSONValue] = []
        var bad: [BadRecord] = []
        /// Stopped by a signal: `records` is empty, the batch is done again on --resume.
        var interrupted = false
    }

    func explain(_ batch: [TextRecord]) throws -> Outcome {
        var outcome = Outcome()
        var batch = batch
        let control = RunControl(isCancelled: { [stop] in stop.isCancelled })
        while !batch.isEmpty {
            var params = options.request
            params.input = .many(batch.map(\.text))
            do {
                let infos = try explainer.explain(params, control: control)
                outcome.records = zip(batch, infos).map { Self.record($0, $1) }
                return outcome
            } catch let error as InvalidField {
                // A text the request refuses (too long, nothing to explain) is a bad record; the others go on.
                guard let index = Self.textIndex(error.field), batch.indices.contains(index) else { throw error }
                outcome.bad.append(BadRecord(line: batch[index].line, reason: error.reason))
                batch.remove(at: index)
            } catch let error as ResponseError where error.code == .requestCancelled {
                outcome.interrupted = true
                return outcome
            }
        }
        return outcome
    }

    /// "texts[3]" → 3.
    static func textIndex(_ field: String) -> Int? {
        guard field.hasPrefix("texts["), field.hasSuffix("]") else { return nil }
        return Int(field.dropFirst(6).dropLast())
    }

    /// The explanation as `explain` replies it, without the timing (so reruns are byte for byte the same), with
    /// the record's id and gold label.
    static func record(_ record: TextRecord, _ info: ExplanationInfo) -> JSONValue {
        guard case .object(var fields) = info.json else { return info.json }
        _ = fields.removeValue(forKey: "elapsedMs")
        _ = fields.updateValue(record.id, forKey: "id")
        if let gold = record.gold { _ = fields.updateValue(.string(gold), forKey: "gold") }
        return .object(fields)
    }
}
