#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// The fixtures and the built `explaind` run as a child process.
enum CorpusFixtures {
    static let packageRoot = BuiltProducts.packageRoot
    /// 64 positions: texts of a few dozen words need windows.
    static let model = packageRoot.appendingPathComponent("Tests/Fixtures/models/bert-gelu-2labels").path
    static let tweets = packageRoot.appendingPathComponent("Data/political-general/heldout.jsonl").path

    static var explaind: URL {
        get throws { try BuiltProducts.require("explaind", override: "EXPLAIND_PATH") }
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

    /// `explaind corpus ARGS` to the end.
    static func corpus(_ arguments: [String]) throws -> Subprocess.Run {
        try Subprocess.run(try explaind, ["corpus"] + arguments)
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
        let run = try Subprocess.run(try explaind, ["--model", model, "--framing", "ndjson"],
                                     input: requests.joined(separator: "\n") + "\n")
        return try run.stdout.split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }

    static func lines(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
    }
}
