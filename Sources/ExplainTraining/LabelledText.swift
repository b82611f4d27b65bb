import Foundation
import ExplainJSON

/// One example of a classification dataset: a text and its gold label, from a JSON Lines record or a CSV/TSV
/// row. (`explaind corpus` reads the same formats with the same field flags; this reader is the shared one.)
struct LabelledText: Sendable, Equatable {
    var text: String
    var label: String

    /// Reads a JSONL file of {"text": ..., "label": ...} lines (the training sets' format).
    static func read(jsonl url: URL) throws -> [LabelledText] { try read(url, textField: "text", labelField: "label") }

    /// Reads JSON Lines, or CSV (`.csv`) / TSV (`.tsv`) with a header row, taking the text and the label from
    /// the named fields. Blank lines are skipped; a record without a string text or a non-empty label is an
    /// error naming its line.
    static func read(_ url: URL, textField: String, labelField: String) throws -> [LabelledText] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw TrainingError.missingFile(url.path) }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
        guard let content = String(data: data, encoding: .utf8) else {
            throw TrainingError.malformedFile(file: url.path, reason: "not UTF-8")
        }
        let fileExtension = url.pathExtension.lowercased()
        let examples: [LabelledText]
        if fileExtension == "csv" || fileExtension == "tsv" {
            examples = try readDelimited(content, separator: fileExtension == "csv" ? "," : "\t", file: url.path,
                                         textField: textField, labelField: labelField)
        } else {
            examples = try readLines(content, file: url.path, textField: textField, labelField: labelField)
        }
        guard !examples.isEmpty else { throw TrainingError.malformedFile(file: url.path, reason: "no examples") }
        return examples
    }

    private static func readLines(_ content: String, file: String, textField: String, labelField: String) throws -> [LabelledText] {
        var examples: [LabelledText] = []
        for (index, line) in content.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            func fail(_ reason: String) -> TrainingError { .malformedData(file: file, line: index + 1, reason: reason) }
            guard let object = (try? JSONParser.parse(Array(trimmed.utf8)))?.objectValue else {
                throw fail("not a JSON object")
            }
            guard let text = object[textField]?.stringValue else { throw fail("missing string \"\(textField)\"") }
            guard let label = object[labelField]?.stringValue, !label.isEmpty else { throw fail("missing string \"\(labelField)\"") }
            guard !text.isEmpty else { throw fail("empty \"\(textField)\"") }
            examples.append(LabelledText(text: text, label: label))
        }
        return examples
    }

    private static func readDelimited(_ content: String, separator: Character, file: String, textField: String,
                                      labelField: String) throws -> [LabelledText] {
        let rows = try DelimitedRows.parse(content, separator: separator, file: file)
        guard let header = rows.first else { return [] }
        guard let textColumn = header.fields.firstIndex(of: textField) else {
            throw TrainingError.malformedData(file: file, line: 1, reason: "no column \"\(textField)\" in the header")
        }
        guard let labelColumn = header.fields.firstIndex(of: labelField) else {
            throw TrainingError.malformedData(file: file, line: 1, reason: "no column \"\(labelField)\" in the header")
        }
        return try rows.dropFirst().compactMap { row in
            if row.fields.count == 1 && row.fields[0].isEmpty { return nil }
            guard row.fields.count == header.fields.count else {
                throw TrainingError.malformedData(file: file, line: row.line, reason: "\(row.fields.count) fields, the header has \(header.fields.count)")
            }
            let text = row.fields[textColumn], label = row.fields[labelColumn]
            guard !text.isEmpty else { throw TrainingError.malformedData(file: file, line: row.line, reason: "empty \"\(textField)\"") }
            guard !label.isEmpty else { throw TrainingError.malformedData(file: file, line: row.line, reason: "empty \"\(labelField)\"") }
            return LabelledText(text: text, label: label)
        }
    }
}

/// RFC 4180 rows: fields separated by `separator`, quoted with ", a doubled "" inside quotes is one ", quoted
/// fields may hold separators and line breaks; CRLF or LF ends a row. Each row keeps the line it starts on.
enum DelimitedRows {
    static func parse(_ content: String, separator: Character, file: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(line: Int, fields: [String])] = []
        var fields: [String] = [], field = "", quoted = false, afterQuote = false
        var line = 1, rowLine = 1
        var characters = content.makeIterator()
        func endRow() {
            fields.append(field)
            rows.append((rowLine, fields))
            fields = []; field = ""; afterQuote = false
            rowLine = line
        }
        while let c = characters.next() {
            if quoted {
                if c == "\"" { quoted = false; afterQuote = true } else { field.append(c) }
                if c == "\n" || c == "\r\n" { line += 1 }
                continue
            }
            switch c {
            case "\"" where afterQuote:
                field.append("\""); quoted = true; afterQuote = false
            case "\"" where field.isEmpty:
                quoted = true
            case separator:
                fields.append(field); field = ""; afterQuote = false
            case "\n", "\r\n":
                line += 1
                endRow()
            default:
                if afterQuote { throw TrainingError.malformedData(file: file, line: line, reason: "text after a closing quote") }
                field.append(c)
            }
        }
        if quoted { throw TrainingError.malformedData(file: file, line: rowLine, reason: "a quoted field is not closed") }
        if !field.isEmpty || !fields.isEmpty { endRow() }
        return rows
    }
}
