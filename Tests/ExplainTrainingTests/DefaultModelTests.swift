import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainAttribution
import ExplainModel
@testable import ExplainTraining

/// The real default model, as `explaind setup` assembled it in the cache (CI runs setup first: .ci/run).
/// Skipped, with a message saying why, where it has not been assembled.
final class DefaultModelTests: XCTestCase {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/default-model/pytorch-logits.json")

    /// The five reference sentences (/work/notes/SENTENCES.md), byte-identical.
    static let sentences = [
        "Atiku and Buhari are campaigning across Nigeria ahead of the presidential election.",
        "INEC has postponed the 2019 general elections by one week.",
        "The APC and PDP traded accusations of vote buying in Lagos.",
        "Voters queued for hours to elect their governor in Kano state.",
        "The sky is green and beautiful",
    ]

    func assembledModel() throws -> (ClassifierModel, ModelAssembly.Stamp) {
        guard let directory = DefaultModel.cachedDirectory, let stamp = ModelAssembly.stamp(of: directory) else {
            throw XCTSkip("the default model is not assembled in \(DefaultModel.cacheRoot.path) (run `explaind setup`); skipping the tests on its real weights")
        }
        return (try ClassifierModel.load(directory: directory), stamp)
    }

    func testReferenceSentencesGetSensibleLabels() throws {
        let (model, _) = try assembledModel()
        let predictions = try Explainer(model: model).predict(texts: Self.sentences).map { $0.1 }
        XCTAssertEqual(predictions.map(\.label), ["political", "political", "political", "political", "general"])
        for (sentence, prediction) in zip(Self.sentences, predictions) {
            XCTAssertGreaterThan(prediction.probabilities.max()!, 0.9, "not confident on \"\(sentence)\": \(prediction.probabilities)")
        }
    }

    /// explaind's logits against transformers' on the same directory (Scripts/reference/check_default_model.py
    /// --write-fixture); also leaves them in $TMPDIR for that script's comparison the other way round.
    func testLogitsMatchPyTorch() throws {
        let (model, stamp) = try assembledModel()
        let ids = Self.sentences.map { model.tokenizer.encode($0, maxLength: model.maxTokens).ids }
        let logits = Self.sentences.indices.map { model.logits(ModelInput(ids: [ids[$0]]))[0] }
        let output: JSONValue = ["texts": Self.sentences.json, "ids": ids.json, "logits": logits.map { $0.map(Double.init) }.json]
        try PrettyJSON.string(output).write(to: FileManager.default.temporaryDirectory.appendingPathComponent("explaind-default-model-logits.json"),
                                            atomically: true, encoding: .utf8)

        let reference = try ObjectReader(try JSONFile.read(Self.fixture), at: "")
        guard try reference.optional("head_sha256", as: String.self) == stamp.headSha256 else {
            throw XCTSkip("the cached default model was assembled from another head than \(Self.fixture.lastPathComponent) describes (run `explaind setup`)")
        }
        XCTAssertEqual(try reference.required("texts", as: [String].self), Self.sentences)
        XCTAssertEqual(try reference.required("ids", as: [[Int]].self), ids)
        let expected = try reference.required("logits", as: [[Double]].self)
        var worst = 0.0
        for (row, expectedRow) in zip(logits, expected) {
            for (value, reference) in zip(row, expectedRow) { worst = max(worst, abs(Double(value) - reference)) }
        }
        XCTAssertLessThan(worst, 5e-5, "largest logit difference from PyTorch")
        print("default model: largest |explaind − PyTorch| logit difference \(worst)")
    }

    /// The vanilla-gradient map of each political sentence peaks on a word piece of a politically meaningful
    /// word ("INEC" is the pieces "in", "##ec").
    func testVanillaGradientPeaksOnPoliticalTokens() throws {
        let (model, _) = try assembledModel()
        let meaningful: Set<String> = ["atiku", "buhari", "campaigning", "presidential", "election", "elections", "nigeria",
                                       "inec", "postponed", "general", "apc", "pdp", "vote", "buying", "accusations",
                                       "voters", "elect", "governor", "kano", "state", "lagos"]
        let explanations = try Explainer(model: model).explain(texts: Array(Self.sentences.prefix(4)), request: ExplainRequest())
        for explanation in explanations {
            let scored = zip(explanation.encoding.tokens, explanation.tokenScores).filter { !$0.0.special }
            let topToken = scored.max { $0.1 < $1.1 }!.0
            let top = explanation.encoding.words[topToken.word!].text.lowercased()
            XCTAssertTrue(meaningful.contains(top), "\"\(explanation.text)\": the highest score is on \"\(topToken.text)\" of \"\(top)\"; "
                          + scored.map { "\($0.0.text) \(String(format: "%.2f", $0.1))" }.joined(separator: ", "))
        }
    }
}
