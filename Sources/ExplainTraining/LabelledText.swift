import Foundation
import ExplainRecords

/// One example of a classification dataset: a text and its gold label, read by the reader `explaind corpus`
/// uses (JSON Lines, or CSV/TSV with a header row; the same field names and format flag), with its line.
struct LabelledText: Sendable, Equatable {
    var text: String
    var label: String
    var line: Int

    /// The labelled records of `url` (`format`, else by the file's extension as corpus guesses it). Training
    /// takes every record or none: if any record is bad (as corpus reports it, or without a gold label), all
    /// of them are reported by line and nothing is read.
    static func read(_ url: URL, format: InputFormat? = nil, textField: String = "text", labelField: String = "label") throws -> [LabelledText] {
        let format = format ?? InputFormat.guess(path: url.path)
        guard format != .text else {
            throw TrainingError.malformedFile(file: url.path, reason: "plain text has no gold labels: give JSON Lines, CSV or TSV with a \"\(labelField)\" field (--format)")
        }
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingError.missingFile(url.path) }
        let items: [RecordFile.Item]
        do {
            items = try RecordFile.read(path: url.path, format: format, textField: textField, idField: nil, labelField: labelField)
        } catch let error as RecordFileError {
            throw TrainingError.malformedFile(file: error.path, reason: error.reason)
        }
        guard !items.isEmpty else { throw TrainingError.malformedFile(file: url.path, reason: "no records") }
        var examples: [LabelledText] = [], bad: [BadRecord] = [], unlabelled = 0
        for item in items {
            switch item {
            case .failure(let record): bad.append(record)
            case .success(let record):
                if let label = record.gold, !label.isEmpty {
                    examples.append(LabelledText(text: record.text, label: label, line: record.line))
                } else {
                    bad.append(BadRecord(line: record.line, reason: "no gold label (\"\(labelField)\")"))
                    unlabelled += 1
                }
            }
        }
        if examples.isEmpty && unlabelled > 0 {
            throw TrainingError.malformedFile(file: url.path, reason: "no record has a gold label \"\(labelField)\" (name its field with --label-field)")
        }
        guard bad.isEmpty else { throw TrainingError.badRecords(file: url.path, records: bad) }
        return examples
    }
}
