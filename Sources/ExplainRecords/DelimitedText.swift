/// CSV and TSV rows as RFC 4180 reads them: fields separated by the delimiter, a field in double quotes may hold
/// the delimiter, line breaks and "" for a quote; rows end at LF or CRLF outside quotes. Each row carries the
/// line it starts on, for error messages.
struct DelimitedText {
    struct Row {
        var line: Int
        var fields: [String]
    }

    struct Malformed: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    /// The rows of `bytes`; a malformed row (a stray quote inside an unquoted field, text after a closing
    /// quote, a quote never closed) is returned as an error in its place so the rest can go on.
    static func rows(_ bytes: [UInt8], delimiter: UInt8) -> [Result<Row, Malformed>] {
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var rows: [Result<Row, Malformed>] = []
        var i = 0, line = 1
        let n = bytes.count
        while i < n {
            let rowLine = line
            var fields: [String] = [], field: [UInt8] = [], problem: String? = nil
            var rowEnded = false
            while !rowEnded {
                // One field.
                if i < n, bytes[i] == quote {
                    i += 1
                    var closed = false
                    while i < n {
                        if bytes[i] == quote {
                            if i + 1 < n, bytes[i + 1] == quote { field.append(quote); i += 2; continue }
                            i += 1
                            closed = true
                            break
                        }
                        if bytes[i] == lf { line += 1 }
                        field.append(bytes[i])
                        i += 1
                    }
                    if !closed { problem = problem ?? "a quoted field is never closed" }
                    // After the closing quote: the delimiter, the end of the row, or a malformed tail.
                    while i < n, bytes[i] != delimiter, bytes[i] != lf, !(bytes[i] == cr && i + 1 < n && bytes[i + 1] == lf) {
                        problem = problem ?? "text after a closing quote"
                        i += 1
                    }
                } else {
                    while i < n, bytes[i] != delimiter, bytes[i] != lf {
                        if bytes[i] == cr, i + 1 < n, bytes[i + 1] == lf { break }
                        if bytes[i] == quote { problem = problem ?? "a quote inside an unquoted field" }
                        field.append(bytes[i])
                        i += 1
                    }
                }
                fields.append(String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                if i < n, bytes[i] == delimiter {
                    i += 1
                    continue
                }
                // End of the row (LF, CRLF or the end of the file).
                if i < n, bytes[i] == cr { i += 1 }
                if i < n, bytes[i] == lf { i += 1; line += 1 }
                rowEnded = true
            }
            if let problem {
                rows.append(.failure(Malformed(line: rowLine, reason: problem)))
            } else if fields == [""] {
                continue  // a blank line
            } else {
                rows.append(.success(Row(line: rowLine, fields: fields)))
            }
        }
        return rows
    }
}
