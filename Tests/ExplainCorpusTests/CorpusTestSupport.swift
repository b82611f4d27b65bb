#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ExplainJSON

/// The fixtures, a scratch directory per test, and the built `explaind` run as a child process.
enum CorpusFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// 64 positions: texts of a few dozen words need windows.
    static let model = packageRoot.appendingPathComponent("Tests/Fixtures/models/bert-gelu-2labels").path
    static let tweets = packageRoot.appendingPathComponent("Data/political-general/heldout.jsonl").path

    static var explaind: URL {
        get throws {
            var candidates: [URL] = []
            if let override = ProcessInfo.processInfo.environment["EXPLAIND_PATH"] { candidates.append(URL(fileURLWithPath: override)) }
            for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
                candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("explaind"))
            }
            candidates.append(packageRoot.appendingPathComponent(".build/debug/explaind"))
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                throw XCTSkip("explaind is not built: run `swift build` before `swift test`")
            }
            return found
        }
    }

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The first `count` texts of the held-out tweets as JSON Lines, with ids and gold labels.
    static func tweetLines(_ count: Int) throws -> [String] {
        let text = try String(contentsOfFile: tweets, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        return (0..<count).map { i in
            let source = try! JSONParser.parse(lines[i % lines.count])
            let record: JSONValue = .object(["id": .string("t\(i)"), "text": source["text"]!, "label": source["label"]!])
            return JSONSerializer.string(record)
        }
    }

    struct Run {
        var status: Int32
        var stderr: String
    }

    /// `explaind corpus ARGS` to the end.
    static func corpus(_ arguments: [String]) throws -> Run {
        let process = try start(arguments)
        let errors = process.standardError as! Pipe
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stderr: String(decoding: data, as: UTF8.self))
    }

    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = try explaind
        process.arguments = ["corpus"] + arguments
        process.standardError = Pipe()
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The replies of the daemon (`explaind --framing ndjson`) to these request lines.
    static func daemon(_ requests: [String]) throws -> [JSONValue] {
        let daemon = Process()
        daemon.executableURL = try explaind
        daemon.arguments = ["--model", model, "--framing", "ndjson"]
        let stdin = Pipe(), stdout = Pipe()
        daemon.standardInput = stdin
        daemon.standardOutput = stdout
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        stdin.fileHandleForWriting.write(Data((requests.joined(separator: "\n") + "\n").utf8))
        try stdin.fileHandleForWriting.close()
        let replies = try String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map { try JSONParser.parse(String($0)) }
        daemon.waitUntilExit()
        return replies
    }

    static func lines(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }
}
