/// Why a tokenizer directory could not be loaded. Every case names the file and the problem.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// Neither `tokenizer.json` nor `vocab.txt` (or the directory itself) exists; the payload says where.
    case missingFile(String)
    /// A file exists but cannot be used: unreadable, bad JSON, a missing or ill-typed field, a missing token.
    case malformed(file: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let what):
            return "missing tokenizer file: \(what)"
        case .malformed(let file, let reason):
            return "malformed tokenizer file \(file): \(reason)"
        }
    }
}
