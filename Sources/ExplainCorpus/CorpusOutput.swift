#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ExplainJSON
import ExplainServer

/// --out: JSON Lines written a whole batch at a time, so an interruption leaves complete lines and at most one
/// half-written last line. Opening it to resume keeps the complete records and cuts off that last line.
final class CorpusOutput {
    private let fd: Int32
    let path: String

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    /// Creates or empties the file; with `resume`, keeps its complete records (returned as parsed) and truncates
    /// the file after the last of them: a line without its newline, or one that does not parse, is dropped.
    static func open(path: String, resume: Bool) throws -> (output: CorpusOutput, kept: [JSONValue]) {
        var kept: [JSONValue] = []
        var keptBytes = 0
        if resume, let data = FileManager.default.contents(atPath: path) {
            let bytes = [UInt8](data)
            var start = 0
            while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                guard let record = try? JSONParser.parse(bytes[start..<newline]), case .object = record else { break }
                kept.append(record)
                start = newline + 1
            }
            keptBytes = start
        }
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC)
        let fd = Glibc.open(path, flags, 0o644)
        guard fd >= 0 else { throw CommandLineError(description: "cannot open --out \(path): \(String(cString: strerror(errno)))") }
        let output = CorpusOutput(fd: fd, path: path)
        if resume {
            guard ftruncate(fd, off_t(keptBytes)) == 0, lseek(fd, off_t(keptBytes), SEEK_SET) >= 0 else {
                throw CommandLineError(description: "cannot repair --out \(path): \(String(cString: strerror(errno)))")
            }
        }
        return (output, kept)
    }

    /// One JSON object a line, the batch in one write.
    func append(_ records: [JSONValue]) throws {
        var bytes: [UInt8] = []
        for record in records {
            bytes += JSONSerializer.serialize(record)
            bytes.append(UInt8(ascii: "\n"))
        }
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw CommandLineError(description: "cannot write --out \(path): \(String(cString: strerror(errno)))") }
            written += n
        }
    }
}
