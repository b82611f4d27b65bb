import Foundation
import ExplainJSON

/// One text of an input file: where it is in the file, its id and its gold label if any.
public struct TextRecord: Sendable, Equatable {
    public var line: Int
    /// The id field's value as given (a JSON string or number), else the line number.
    public var id: JSONValue
    public var text: String
    public var gold: String?

    public init(line: Int, id: JSONValue, text: String, gold: String?) {
        self.line = line; self.id = id; self.text = text; self.gold = gold
    }
}

/// A record that cannot be used, with the line it is on.
public struct BadRecord: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
    public init(line: Int, reason: String) { self.line = line; self.reason = reason }
}

/// A file that cannot be read as records at all: unreadable, or its header row is broken or lacks the text column.
public struct RecordFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): \(reason)" }
}

/// An input file's records in order, each a text or a bad record: what `explaind corpus` explains and
/// `explaind adapt` (and `explaind train`) trains on, read one way for all of them.
public enum RecordFile {
    public typealias Item = Result<TextRecord, BadRecord>

    /// The records of `path` as `format` lays them out, their text, id and gold label in the named fields (no
    /// `idField`: every record's id is its line number). A missing label is no error here (`gold` is nil).
    public static func read(path: String, format: InputFormat, textField: String, idField: String?,
                            labelField: String) throws -> [Item] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecordFileError(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        let bytes = [UInt8](data)
        switch format {
        case .jsonl: return jsonLines(bytes, textField: textField, idField: idField, labelField: labelField)
        case .csv: return try delimited(bytes, delimiter: UInt8(ascii: ","), textField: textField, idField: idField, labelField: labelField, path: path)
        case .tsv: return try delimited(bytes, delimiter: UInt8(ascii: "\t"), textField: textField, idField: idField, labelField: labelField, path: path)
        case .text: return plainText(bytes)
        }
    }

    /// The lines of `bytes` (LF or CRLF) with their numbers, blank lines left out.
    public static func lines(_ bytes: [UInt8]) -> [(number: Int, bytes: ArraySlice<UInt8>)] {
        var lines: [(Int, ArraySlice<UInt8>)] = []
        var start = 0, number = 1
        for i in 0...bytes.count where i == bytes.count || bytes[i] == UInt8(ascii: "\n") {
            var end = i
            if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let line = bytes[start..<end]
            if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) { lines.append((number, line)) }
            start = i + 1
            number += 1
        }
        return lines
    }

    static func plainText(_ bytes: [UInt8]) -> [Item] {
        lines(bytes).map { number, line in
            record(line: number, id: .integer(number), text: String(decoding: line, as: UTF8.self), gold: nil)
        }
    }

    static func jsonLines(_ bytes: [UInt8], textField: String, idField: String?, labelField: String) -> [Item] {
        lines(bytes).map { number, line in
            let value: JSONValue
            do { value = try JSONParser.parse(line) } catch {
                return .failure(BadRecord(line: number, reason: "invalid JSON: \(error)"))
            }
            guard case .object(let fields) = value else {
                return .failure(BadRecord(line: number, reason: "expected a JSON object, got \(value.typeName)"))
            }
            guard let text = fields[textField] else {
                return .failure(BadRecord(line: number, reason: "no \"\(textField)\" field"))
            }
            guard case .string(let string) = text else {
                return .failure(BadRecord(line: number, reason: "\"\(textField)\" is \(text.typeName), not a string"))
            }
            var id = JSONValue.integer(number)
            switch idField.flatMap({ fields[$0] }) {
            case nil, .null?: break
            case .string(let s)?: id = .string(s)
            case .integer(let i)?: id = .integer(i)
            case let other?: return .failure(BadRecord(line: number, reason: "\"\(idField!)\" is \(other.typeName), not a string or integer"))
            }
            var gold: String? = nil
            switch fields[labelField] {
            case nil, .null?: break
            case .string(let s)?: gold = s
            case let other?: return .failure(BadRecord(line: number, reason: "\"\(labelField)\" is \(other.typeName), not a string"))
            }
            return record(line: number, id: id, text: string, gold: gold)
        }
    }

    static func delimited(_ bytes: [UInt8], delimiter: UInt8, textField: String, idField: String?, labelField: String,
                          path: String) throws -> [Item] {
        var rows = DelimitedText.rows(bytes, delimiter: delimiter)[...]
        guard let first = rows.popFirst() else { return [] }
        let header: [String]
        switch first {
        case .success(let row): header = row.fields.enumerated().map { $0 == 0 ? String($1.trimmingPrefix("\u{FEFF}")) : $1 }
        case .failure(let problem): throw RecordFileError(path: path, reason: "the header row is malformed: \(problem)")
        }
        guard let textColumn = header.firstIndex(of: textField) else {
            throw RecordFileError(path: path, reason: "no \"\(textField)\" column in the header (\(header.joined(separator: ", "))); name it with --text-field")
        }
        let idColumn = idField.flatMap(header.firstIndex(of:)), labelColumn = header.firstIndex(of: labelField)
        return rows.map { row in
            switch row {
            case .failure(let problem): return .failure(BadRecord(line: problem.line, reason: "malformed row: \(problem.reason)"))
            case .success(let row):
                guard row.fields.count == header.count else {
                    return .failure(BadRecord(line: row.line, reason: "\(row.fields.count) fields where the header has \(header.count)"))
                }
                let id = idColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : JSONValue.string($0) } ?? .integer(row.line)
                let gold = labelColumn.map { row.fields[$0] }.flatMap { $0.isEmpty ? nil : $0 }
                return record(line: row.line, id: id, text: row.fields[textColumn], gold: gold)
            }
        }
    }

    static func record(line: Int, id: JSONValue, text: String, gold: String?) -> Item {
        guard text.contains(where: { !$0.isWhitespace }) else {
            return .failure(BadRecord(line: line, reason: "empty text"))
        }
        return .success(TextRecord(line: line, id: id, text: text, gold: gold))
    }
}
