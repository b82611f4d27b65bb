/// How an input file is laid out.
public enum InputFormat: String, Sendable, CaseIterable {
    /// One JSON object a line.
    case jsonl
    /// RFC 4180: a header row, fields separated by commas, quoted with "" when they hold commas, quotes or newlines.
    case csv
    /// The same with tabs.
    case tsv
    /// One text a line; the line number is its id.
    case text

    /// By the file's extension: .jsonl .ndjson .json, .csv, .tsv .tab; anything else is plain text.
    public static func guess(path: String) -> InputFormat {
        let name = path.lowercased()
        if [".jsonl", ".ndjson", ".json"].contains(where: name.hasSuffix) { return .jsonl }
        if name.hasSuffix(".csv") { return .csv }
        if name.hasSuffix(".tsv") || name.hasSuffix(".tab") { return .tsv }
        return .text
    }
}
