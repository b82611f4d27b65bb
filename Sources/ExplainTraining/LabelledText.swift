import Foundation
import ExplainJSON

/// One example of a classification dataset: a line {"text": ..., "label": ...} of a JSONL file.
struct LabelledText: Sendable, Equatable {
    var text: String
    var label: String

    /// Reads a JSONL file; blank lines are skipped, anything else that is not an object with string
    /// `text` and `label` is an error naming the line.
    static func read(jsonl url: URL) throws -> [LabelledText] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingError.missingFile(url.path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw TrainingError.malformedFile(file: url.path, reason: "not UTF-8")
        }
        var examples: [LabelledText] = []
        for (index, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func fail(_ reason: String) -> TrainingError { .malformedData(file: url.path, line: index + 1, reason: reason) }
            guard let object = (try? JSONParser.parse(Array(trimmed.utf8)))?.objectValue else {
                throw fail("not a JSON object")
            }
            guard let text = object["text"]?.stringValue else { throw fail("missing string \"text\"") }
            guard let label = object["label"]?.stringValue, !label.isEmpty else { throw fail("missing string \"label\"") }
            guard !text.isEmpty else { throw fail("empty \"text\"") }
            examples.append(LabelledText(text: text, label: label))
        }
        guard !examples.isEmpty else { throw TrainingError.malformedFile(file: url.path, reason: "no examples") }
        return examples
    }
}
