import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// The model fixtures' directories link to the tokenizer files (one model to vocab.txt + tokenizer_config.json
/// only); their expected ids, written by transformers, must be what this tokenizer gives.
final class ModelFixtureTests: XCTestCase {
    struct Expected: JSONRecord {
        var texts: [String]
        var ids: [[Int]]
    }

    func testModelFixtureIDs() throws {
        let models = Fixtures.root.appendingPathComponent("models")
        let names = try FileManager.default.contentsOfDirectory(atPath: models.path).sorted()
        try XCTSkipIf(names.isEmpty, "no model fixtures")
        for name in names {
            let tokenizer = try Tokenizer.load(directory: models.appendingPathComponent(name))
            let file = Fixtures.root.appendingPathComponent("expected/\(name).json")
            let expected: Expected = try JSONFile.read(file)
            XCTAssertEqual(expected.texts.count, expected.ids.count)
            for (text, ids) in zip(expected.texts, expected.ids) {
                XCTAssertEqual(tokenizer.encode(text).ids, ids, "\(name): \"\(text)\"")
            }
        }
    }
}
