#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainJSON
import ExplainRecords
import ExplainProtocol
import ExplainServer
import ExplainAttribution
import ExplainModel

/// `explaind corpus`: read the records, explain them batch by batch in input order, write each batch as it is
/// done, then the aggregate and the report.
public enum CorpusRun {
    /// Exit statuses: 0 done, 1 stopped by a bad record under --strict or by an error, 2 a usage error,
    /// 130 interrupted (the output holds every complete batch; --resume goes on).
    public static func main(_ arguments: [String], defaultModel: () throws -> String) -> Int32 {
        do {
            switch try CorpusCommandLine.parse(arguments) {
            case .help:
                print(CorpusCommandLine.usage)
                return 0
            case .merge(let inputs, let output, let report):
                try CorpusAggregate.merge(files: inputs, into: output, report: report)
                return 0
            case .aggregate(var options):
                // What a Ray shard (Clients/python/explaind_ray.py) or any other writer of records left.
                if options.model == nil { options.model = try defaultModel() }
                let labels = try ModelConfig.load(file: URL(fileURLWithPath: options.model!).appendingPathComponent("config.json")).labels
                options.output = options.input
                try CorpusAggregate.write(options: options, labels: labels)
                return 0
            case .run(var options):
                if options.model == nil { options.model = try defaultModel() }
                return try run(options)
            }
        } catch let error as CommandLineError {
            fputs("explaind corpus: \(error)\n", stderr)
            return 2
        } catch let error as RecordFileError {
            fputs("explaind corpus: --in \(error)\n", stderr)
            return 2
        } catch {
            fputs("explaind corpus: \(error)\n", stderr)
            return 1
        }
    }

    static func run(_ options: CorpusOptions) throws -> Int32 {
        // First of all, so that Ctrl-C during the model's loading also stops cleanly.
        let stop = CancellationFlag()
        TerminationSignals.install { signal in
            fputs("\nexplaind corpus: \(TerminationSignals.name(signal)): stopping after writing what is done\n", stderr)
            stop.cancel()
        }
        let format = options.format ?? InputFormat.guess(path: options.input)
        let items = try RecordFile.read(path: options.input, format: format, textField: options.textField,
                                         idField: options.idField, labelField: options.labelField)
        if let threads = options.threads { ClassifierModel.threadCount = threads }
        var limits = ServerOptions()
        limits.maxTexts = options.batch
        // A batch job's work is the user's own: no per-request bound.
        limits.maxWork = Int.max / 2
        let explainer = try LocalExplainer(directory: options.model ?? "", limits: limits, positionEncoding: .utf32)
        let (output, kept) = try CorpusOutput.open(path: options.output, resume: options.resume)

        // Resuming: the kept records must be this input's good records in order (a text found to have nothing
        // to explain was skipped, so it may be missing between them).
        let records = items.compactMap { try? $0.get() }
        var resumeLine = 0, next = 0
        for (k, record) in kept.enumerated() {
            guard let match = records[next...].firstIndex(where: { $0.id == record["id"] }) else {
                throw CommandLineError(description: "--out record \(k + 1) has id \(record["id"].map(JSONSerializer.string) ?? "none"), which --in does not have after line \(resumeLine): not this input's output; run without --resume")
            }
            resumeLine = records[match].line
            next = match + 1
        }
        if !kept.isEmpty { fputs("explaind corpus: resuming after \(kept.count) complete records (line \(resumeLine))\n", stderr) }

        let runner = CorpusBatchRunner(explainer: explainer, options: options, stop: stop)
        let progress = CorpusProgress(total: records.count, alreadyDone: next)
        var pending: [TextRecord] = []
        var badCount = 0, written = kept.count
        var status: Int32 = 0

        /// Explains and writes the pending records; false when the run must stop.
        func flush() throws -> Bool {
            guard !pending.isEmpty else { return true }
            let outcome = try runner.explain(pending)
            for bad in outcome.bad { fputs("explaind corpus: skipped \(bad)\n", stderr) }
            badCount += outcome.bad.count
            try output.append(outcome.records)
            written += outcome.records.count
            progress.advance(by: outcome.records.count + outcome.bad.count)
            pending.removeAll()
            if outcome.interrupted { status = 130; return false }
            if options.strict, let bad = outcome.bad.first {
                fputs("explaind corpus: --strict: stopped at line \(bad.line)\n", stderr)
                status = 1
                return false
            }
            return true
        }

        loop: for item in items {
            switch item {
            case .success(let record):
                guard record.line > resumeLine else { continue }
                pending.append(record)
                if pending.count == options.batch, try !flush() { break loop }
            case .failure(let bad):
                guard bad.line > resumeLine else { continue }
                // Records before a bad one are written first, so --strict stops exactly there.
                if options.strict, try !flush() { break loop }
                fputs("explaind corpus: skipped \(bad)\n", stderr)
                badCount += 1
                if options.strict {
                    fputs("explaind corpus: --strict: stopped at line \(bad.line)\n", stderr)
                    status = 1
                    break loop
                }
            }
            if stop.isCancelled { status = 130; break }
        }
        if status == 0 { _ = try flush() }
        progress.finish()
        if status == 130 {
            fputs("explaind corpus: interrupted: \(written) records complete in \(options.output); go on with --resume\n", stderr)
            return status
        }
        fputs("explaind corpus: \(written) records written to \(options.output)\(badCount > 0 ? ", \(badCount) bad records skipped" : "")\n", stderr)
        guard status == 0 else { return status }
        try CorpusAggregate.write(options: options, labels: explainer.labels)
        return 0
    }
}
