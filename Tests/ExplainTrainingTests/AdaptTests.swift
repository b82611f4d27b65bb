import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainModel
import ExplainTokenizer
@testable import ExplainTraining

/// `explaind adapt` against transformers on the bert-gelu-2labels fixture (Scripts/reference/make_adapt_fixtures.py):
/// the grown tokenizer and model as add_tokens + resize_token_embeddings leave them, the loss gradients of the new
/// rows and of every head and layer weight as PyTorch autograd gives them — also for a RoBERTa on a byte-level BPE
/// tokenizer, a DeBERTa-v2 (position projections) and a DeBERTa-v3 (shared attention keys, normed relative
/// embeddings) on a Unigram one, an ALBERT (one group of weights for every layer) and two ModernBERTs (without
/// and with biases) —, finite differences, hostile input.
final class AdaptTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    static let modelDirectory = fixtures.appendingPathComponent("models/bert-gelu-2labels")
    /// The WordPiece fixture and the BPE and Unigram families' (Tests/Fixtures/adapt), each with its expectations.
    static let gradientFixtures = [modelDirectory, fixtures.appendingPathComponent("adapt/roberta-bpe-2labels"),
                                   fixtures.appendingPathComponent("adapt/deberta-v2-unigram-4labels"),
                                   fixtures.appendingPathComponent("adapt/deberta-v3-unigram-3labels"),
                                   fixtures.appendingPathComponent("models/albert-3labels-f16"),
                                   fixtures.appendingPathComponent("models/modernbert-3labels"),
                                   fixtures.appendingPathComponent("models/modernbert-2labels-mean-bias-bf16")]

    struct Expected {
        let json: JSONValue
        var tokens: [String] { json["new_tokens"]!.arrayValue!.map { $0.stringValue! } }
        var texts: [String] { json["texts"]!.arrayValue!.map { $0.stringValue! } }
        var labels: [String] { json["labels"]!.arrayValue!.map { $0.stringValue! } }
        var ids: [[Int]] { json["ids"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } } }
        func floats(_ value: JSONValue) -> [Float] { value.arrayValue!.map { Float($0.doubleValue!) } }
        func rows(_ key: String) -> [[Float]] { json[key]!.arrayValue!.map(floats) }
    }

    func expected(_ model: URL = modelDirectory) throws -> Expected {
        Expected(json: try JSONParser.parse(try Data(contentsOf: Self.fixtures.appendingPathComponent("expected/adapt-\(model.lastPathComponent).json"))))
    }

    /// The grown model, its token addition and the expectations.
    func grown(_ fixture: URL = modelDirectory) throws -> (ClassifierModel, TokenAddition, Expected) {
        let expected = try expected(fixture)
        let original = try ClassifierModel.load(directory: fixture)
        let addition = try TokenAddition(tokens: expected.tokens, tokenizer: original.tokenizer)
        let directory = try scratchDirectory("explaind-adapt").appendingPathComponent("grown")
        try addition.writeGrownModel(from: original, rows: addition.initialRows(original), into: directory)
        return (try ClassifierModel.load(directory: directory), addition, expected)
    }

    func assertClose(_ actual: [Float], _ reference: [Float], relative: Float, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(actual.count, reference.count, what, file: file, line: line)
        // A tensor whose exact gradient is zero (attention's key bias: softmax ignores a shift; the references
        // hold round-off under 1e-7) is compared on the scale of its neighbours' gradients (the query bias's,
        // 1e-2 or more here), 1e-6 absolute, rather than on its own round-off.
        let largest = reference.map(abs).max() ?? 0
        let scale = largest < 1e-6 ? 1e-2 : largest
        let worst = zip(actual, reference).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, relative * scale, "\(what): largest difference \(worst) against largest value \(scale)", file: file, line: line)
    }

    func testGrownTokenizerAndModelAreTransformers() throws {
        let (model, addition, expected) = try grown()
        XCTAssertEqual(addition.pieces, expected.json["pieces"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } })
        XCTAssertEqual(Array(addition.ids), expected.json["new_ids"]!.arrayValue!.map { $0.intValue! })
        XCTAssertEqual(model.config.vocabSize, expected.json["vocab_size"]!.intValue)
        let tokenizerJSON = try JSONParser.parse(try Data(contentsOf: model.directory.appendingPathComponent("tokenizer.json")))
        let written = tokenizerJSON["added_tokens"]!.arrayValue!.filter { $0["id"]!.intValue! >= addition.firstID }
        XCTAssertEqual(written, expected.json["added_tokens"]!.arrayValue!)
        XCTAssertEqual(expected.texts.map { model.tokenizer.encode($0).ids }, expected.ids)
        for (k, row) in expected.rows("new_rows").enumerated() {
            assertClose(model.wordEmbeddings(ids: [addition.firstID + k]), row, relative: 1e-6, "new row \(k)")
        }
        for (logits, reference) in zip(model.logits(ModelInput(ids: expected.ids)), expected.rows("logits")) {
            assertClose(logits, reference, relative: 1e-4, "logits")
        }
    }

    /// Byte-level BPE (RoBERTa's) and Unigram (XLM-R's) tokenizers: the same pieces, entries and ids after as transformers.
    func testTokensAddedToBPEAndUnigramTokenizersAreTransformers() throws {
        let expected = try expected()
        for (name, reference) in expected.json["tokenizers"]!.objectValue! {
            let tokenizer = try Tokenizer.load(directory: Self.fixtures.appendingPathComponent(name))
            let addition = try TokenAddition(tokens: expected.tokens, tokenizer: tokenizer)
            XCTAssertEqual(addition.pieces, reference["pieces"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }, name)
            let directory = try scratchDirectory("explaind-adapt")
            try addition.writeTokenizer(from: Self.fixtures.appendingPathComponent(name), into: directory)
            let written = try JSONParser.parse(try Data(contentsOf: directory.appendingPathComponent("tokenizer.json")))["added_tokens"]!
                .arrayValue!.filter { $0["id"]!.intValue! >= addition.firstID }
            XCTAssertEqual(written, reference["added_tokens"]!.arrayValue!, name)
            let grown = try Tokenizer.load(directory: directory)
            XCTAssertEqual(expected.texts.map { grown.encode($0).ids }, reference["ids"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }, name)
        }
    }

    /// Mean cross-entropy over the fixture texts, and its gradients.
    func lossAndGradients(_ model: ClassifierModel, _ expected: Expected, _ trained: TrainedWeights) -> (Float, LossGradients) {
        let labels = expected.labels.map { model.config.labels.firstIndex(of: $0)! }, c = model.config.labels.count
        let pass = model.trainingForward(ModelInput(ids: expected.ids), trained)
        let (loss, dLogits) = CrossEntropy.lossAndGradient(logits: pass.logits.flatMap { $0 }, labels: labels, classCount: c)
        return (loss, model.lossGradients(pass, dLogits: (0..<labels.count).map { Array(dLogits[$0 * c..<($0 + 1) * c]) }, trained))
    }

    /// Every layer and the head trained (top-layers:all), and so what the layers share.
    func everything(_ model: ClassifierModel) -> TrainedWeights { TrainedWeights(head: true, topLayers: model.config.layerCount) }

    func testLossGradientsEqualAutograd() throws {
        for fixture in Self.gradientFixtures { try assertLossGradientsEqualAutograd(fixture) }
    }

    func assertLossGradientsEqualAutograd(_ fixture: URL) throws {
        let (model, addition, expected) = try grown(fixture)
        let name = fixture.lastPathComponent
        for (logits, reference) in zip(model.logits(ModelInput(ids: expected.ids)), expected.rows("logits")) {
            assertClose(logits, reference, relative: 1e-4, "\(name) logits")
        }
        let trained = everything(model)
        let (loss, gradients) = lossAndGradients(model, expected, trained)
        XCTAssertEqual(Double(loss), expected.json["loss"]!.doubleValue!, accuracy: 1e-5, name)
        let e = model.config.embeddingSize
        var rows = [[Float]](repeating: [Float](repeating: 0, count: e), count: addition.tokens.count)
        for (s, ids) in expected.ids.enumerated() {
            for (t, id) in ids.enumerated() where addition.ids.contains(id) {
                for j in 0..<e { rows[id - addition.firstID][j] += gradients.wordEmbeddings[s][t * e + j] }
            }
        }
        for (k, reference) in expected.rows("new_row_gradients").enumerated() { assertClose(rows[k], reference, relative: 1e-4, "\(name) new row \(k)") }
        let references = expected.json["weight_gradients"]!.objectValue!
        XCTAssertEqual(Set(gradients.weights.map(\.name)), Set(references.keys), name)
        for tensor in gradients.weights { assertClose(tensor.values, expected.floats(references[tensor.name]!), relative: 1e-4, "\(name) \(tensor.name)") }
    }

    /// Each trained tensor's gradient against central differences of the loss, at its largest entry; one test
    /// per fixture.
    func testWeightGradientsMatchFiniteDifferencesBERT() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[0]) }
    func testWeightGradientsMatchFiniteDifferencesRoBERTa() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[1]) }
    func testWeightGradientsMatchFiniteDifferencesDebertaV2() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[2]) }
    func testWeightGradientsMatchFiniteDifferencesDebertaV3() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[3]) }
    func testWeightGradientsMatchFiniteDifferencesALBERT() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[4]) }
    func testWeightGradientsMatchFiniteDifferencesModernBERT() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[5]) }
    func testWeightGradientsMatchFiniteDifferencesModernBERTBiases() throws { try assertWeightGradientsMatchFiniteDifferences(Self.gradientFixtures[6]) }

    func assertWeightGradientsMatchFiniteDifferences(_ fixture: URL) throws {
        let (model, _, expected) = try grown(fixture)
        let trained = everything(model)
        let (_, gradients) = lossAndGradients(model, expected, trained)
        let values = model.trainedTensors(trained)
        for (index, tensor) in values.enumerated() {
            let gradient = gradients.weights[index].values
            // The entry of largest gradient.
            let largest = gradient.indices.max { abs(gradient[$0]) < abs(gradient[$1]) }!
            for entry in [largest] {
                let step: Float = 1e-2
                func loss(_ delta: Float) throws -> Double {
                    var changed = values
                    changed[index].values[entry] += delta
                    return Double(lossAndGradients(try model.replacing(changed, trained), expected, trained).0)
                }
                let numeric = (try loss(step) - loss(-step)) / Double(2 * step)
                XCTAssertEqual(Double(gradient[entry]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(fixture.lastPathComponent) \(tensor.name)[\(entry)]")
            }
        }
    }

    /// Directories `explaind adapt` wrote (Tests/Fixtures/adapt/NAME, --add-tokens Ezekwesili,Atiku,INEC --epochs 2
    /// --lr 0.01 --batch-size 2 on the texts of the source's expectations): the source and --train of each.
    static let adaptedDirectories: [(name: String, source: URL, training: AdaptTraining)] = [
        ("roberta-bpe-2labels-adapted", gradientFixtures[1], .topLayers(2)),
        ("deberta-v3-unigram-3labels-adapted", gradientFixtures[3], .topLayers(3)),
        ("modernbert-3labels-adapted", gradientFixtures[5], .topLayers(2)),
    ]

    /// Each adapted directory is what the same run writes today, and transformers loads it with explaind's ids and
    /// logits (expected/adapt-NAME.json, from AutoTokenizer and AutoModelForSequenceClassification).
    func testAdaptedDirectoryIsWhatTransformersLoads() throws {
        for (name, source, training) in Self.adaptedDirectories {
            let written = Self.fixtures.appendingPathComponent("adapt/\(name)")
            let reference = try JSONParser.parse(try Data(contentsOf: Self.fixtures.appendingPathComponent("expected/adapt-\(name).json")))
            let adapted = try ClassifierModel.load(directory: written)
            let texts = reference["texts"]!.arrayValue!.map { $0.stringValue! }
            let ids = texts.map { adapted.tokenizer.encode($0).ids }
            XCTAssertEqual(ids, reference["ids"]!.arrayValue!.map { $0.arrayValue!.map { $0.intValue! } }, name)
            let expectedLogits = reference["logits"]!.arrayValue!.map { $0.arrayValue!.map { Float($0.doubleValue!) } }
            for (k, logits) in adapted.logits(ModelInput(ids: ids)).enumerated() {
                assertClose(logits, expectedLogits[k], relative: 1e-4, "\(name): logits of \(texts[k])")
            }
            // The same run again, from the fixture it started from.
            let directory = try scratchDirectory("explaind-adapt")
            let again = try ClassifierModel.load(directory: try Self.adapt(source, training: training, out: directory.appendingPathComponent("out"),
                                                                            data: try fixtureData(in: directory, expected: try expected(source))))
            XCTAssertEqual(again.checkpointTensors().map { [$0.name] + $0.shape.map(String.init) },
                           adapted.checkpointTensors().map { [$0.name] + $0.shape.map(String.init) }, name)
            // Its logits, not its weights: AdamW moves the key biases, whose exact gradient is zero, by the sign of
            // round-off, which the softmax then ignores.
            for (k, logits) in again.logits(ModelInput(ids: ids)).enumerated() {
                assertClose(logits, expectedLogits[k], relative: 1e-4, "\(name) run again: logits of \(texts[k])")
            }
        }
    }

    /// The run that wrote an adapted directory.
    static func adapt(_ source: URL, training: AdaptTraining, out: URL, data: URL) throws -> URL {
        var adaptation = Adaptation(model: source, data: data, tokens: .list(["Ezekwesili", "Atiku", "INEC"]), out: out)
        adaptation.training = training
        adaptation.epochs = 2
        adaptation.learningRate = 1e-2
        adaptation.batchSize = 2
        return try adaptation.run().directory
    }

    func dataFile(_ lines: [String], in directory: URL, name: String = "train.jsonl") throws -> URL {
        let url = directory.appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    func fixtureData(in directory: URL, expected given: Expected? = nil) throws -> URL {
        let expected = try given ?? expected()
        return try dataFile(zip(expected.texts, expected.labels).map { text, label in
            JSONSerializer.string(["text": .string(text), "label": .string(label)] as JSONValue)
        }, in: directory)
    }

    /// Training twice from the same state with the same seed gives the same rows and weights, bit for bit.
    func testTrainingIsDeterministic() throws {
        let (model, addition, expected) = try grown()
        let settings = AdaptTrainer.Settings(epochs: 2, learningRate: 1e-2, batchSize: 2, seed: 3, training: .topLayers(1))
        let trainer = AdaptTrainer(settings: settings, firstNewID: addition.firstID)
        let examples = AdaptTrainer.Examples(ids: expected.ids, labels: expected.labels.map { model.config.labels.firstIndex(of: $0)! })
        let initial = AdaptTrainer.State(rows: addition.initialRows(model), weights: model.trainedTensors(settings.training.weights))
        let first = try trainer.train(model, initial: initial, on: examples, heldout: nil)
        let second = try trainer.train(model, initial: initial, on: examples, heldout: nil)
        XCTAssertEqual(first.state.rows, second.state.rows)
        XCTAssertEqual(first.state.weights, second.state.weights)
        XCTAssertEqual(first.reports, second.reports)
        XCTAssertEqual(first.reports.count, 2)
        XCTAssertNotEqual(first.state.rows, initial.rows)
        XCTAssertNotEqual(first.state.weights, initial.weights)
        XCTAssertEqual(first.reports[0].meanLoss, expected.json["loss"]!.doubleValue!, accuracy: 0.5, "the first batches start from the fixture's loss")
    }

    /// The whole command on the fixture: the result loads, only the asked-for weights moved, the report names
    /// each token with its pieces and texts, and no staging directory is left.
    func testAdaptWritesModelAndReport() throws {
        let directory = try scratchDirectory("explaind-adapt")
        let data = try fixtureData(in: directory)
        var adaptation = Adaptation(model: Self.modelDirectory, data: data, heldout: data, tokens: .list(["Ezekwesili", "Atiku", "INEC"]),
                                    out: directory.appendingPathComponent("out"))
        adaptation.training = .topLayers(1)
        adaptation.epochs = 2
        adaptation.learningRate = 1e-2
        adaptation.batchSize = 2
        var epochs: [Int] = []
        let result = try adaptation.run(events: { if case .epoch(let n, _, _, _, _) = $0 { epochs.append(n) } })
        XCTAssertEqual(epochs, [1, 2])
        XCTAssertFalse(result.stopped)
        let adapted = try ClassifierModel.load(directory: result.directory)
        let original = try ClassifierModel.load(directory: Self.modelDirectory)
        XCTAssertEqual(adapted.config.vocabSize, 30525)
        XCTAssertEqual(adapted.tokenizer.encode("Atiku").ids, [101, 30523, 102])
        let trained = TrainedWeights(head: true, topLayers: 1), layer0 = TrainedWeights(head: false, topLayers: 2)
        XCTAssertNotEqual(adapted.trainedTensors(trained), original.trainedTensors(trained))
        XCTAssertEqual(adapted.trainedTensors(layer0).prefix(12), original.trainedTensors(layer0).prefix(12), "layer 0 is not trained by top-layers:1")
        XCTAssertEqual(adapted.wordEmbeddings(ids: Array(0..<100)), original.wordEmbeddings(ids: Array(0..<100)))
        let report = try JSONParser.parse(try Data(contentsOf: result.directory.appendingPathComponent("adapt-report.json")))
        XCTAssertEqual(report["tokens"]?.arrayValue?.map { $0["token"]!.stringValue! }, ["Ezekwesili", "Atiku", "INEC"])
        XCTAssertEqual(report["tokens"]?.arrayValue?.map { $0["texts"]!.intValue! }, [2, 1, 2])
        XCTAssertEqual(report["tokens"]?.arrayValue?.first?["pieces"]?.arrayValue?.map { $0.stringValue! }, ["e", "##zek", "##wes", "##ili"])
        XCTAssertEqual(report["accuracyBefore"]?.doubleValue, result.report.accuracyBefore)
        XCTAssertTrue(report["tokens"]!.arrayValue!.allSatisfy { $0["attributionBefore"]!.doubleValue! > 0 && $0["attributionAfter"]!.doubleValue! > 0 })
        XCTAssertTrue(try String(contentsOf: result.directory.appendingPathComponent("adapt-report.html"), encoding: .utf8).contains("<td>Ezekwesili</td>"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".staging") }, [])
    }

    /// A stop in the middle of training (Ctrl-C) still writes the best state reached, marked as stopped.
    func testStoppedAdaptationWritesTheBestSoFar() throws {
        let directory = try scratchDirectory("explaind-adapt")
        let data = try fixtureData(in: directory)
        var adaptation = Adaptation(model: Self.modelDirectory, data: data, tokens: .list(["Atiku"]), out: directory.appendingPathComponent("out"))
        adaptation.epochs = 50
        adaptation.batchSize = 1
        var batches = 0
        let result = try adaptation.run(events: { if case .batch = $0 { batches += 1 } }, shouldStop: { batches >= 6 })
        XCTAssertTrue(result.stopped)
        XCTAssertEqual(batches, 6)
        XCTAssertEqual(result.report.epochs.map { $0.epoch }, [1, 2], "one whole epoch and the part of the second")
        XCTAssertTrue(result.report.stopped)
        XCTAssertEqual(try ClassifierModel.load(directory: result.directory).config.vocabSize, 30523)
        var cancelled = adaptation
        cancelled.out = directory.appendingPathComponent("cancelled")
        cancelled.keepOnStop = false
        XCTAssertThrowsError(try cancelled.run(shouldStop: { true })) { XCTAssertEqual($0 as? TrainingError, .cancelled) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cancelled.out.path))
    }

    /// The run fails with `message` and leaves nothing in `directory`/out or beside it.
    func assertRefused(_ tokens: Adaptation.TokenSource, data: URL? = nil, heldout: URL? = nil, training: AdaptTraining = .embeddingsAndHead,
                       in directory: URL, _ message: String, line: UInt = #line) {
        let out = directory.appendingPathComponent("out")
        var adaptation = Adaptation(model: Self.modelDirectory, data: data ?? (try! fixtureData(in: directory)), heldout: heldout, tokens: tokens, out: out)
        adaptation.training = training
        XCTAssertThrowsError(try adaptation.run(), line: line) { error in
            XCTAssertTrue("\(error)".contains(message), "\(error)", line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), line: line)
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasPrefix(".staging") }, [], line: line)
    }

    /// Hostile input: a clear error, and nothing in --out or beside it.
    func testHostileTokensAreRefusedAndLeaveNothing() throws {
        let directory = try scratchDirectory("explaind-adapt")
        assertRefused(.list(["the"]), in: directory, "\"the\" is already in the vocabulary")
        assertRefused(.list(["Nigeria"]), in: directory, "\"Nigeria\" is already one token (nigeria)")
        assertRefused(.list(["Atiku", ""]), in: directory, "token 2 is empty or only whitespace")
        assertRefused(.list(["  "]), in: directory, "token 1 is empty or only whitespace")
        assertRefused(.list(["Atiku", "Atiku"]), in: directory, "\"Atiku\" is given twice")
        assertRefused(.list((0..<1001).map { "Qzx\($0)" }), in: directory, "1001 tokens to add; at most 1000")
    }

    func testHostileDataIsRefusedAndLeavesNothing() throws {
        let directory = try scratchDirectory("explaind-adapt")
        let data = try fixtureData(in: directory)
        let out = directory.appendingPathComponent("out")
        assertRefused(.list(["Atiku"]), training: .topLayers(3), in: directory, "the model has 2 layers")
        let unlabelled = try dataFile(["{\"text\": \"no label here\"}"], in: directory, name: "unlabelled.jsonl")
        assertRefused(.list(["Atiku"]), data: unlabelled, in: directory, "no record has a gold label \"label\"")
        let unknown = try dataFile(["{\"text\": \"Atiku\", \"label\": \"positive\"}", "{\"text\": \"Atiku\", \"label\": \"sports\"}"],
                                   in: directory, name: "unknown.jsonl")
        assertRefused(.list(["Atiku"]), heldout: unknown, in: directory, "unknown.jsonl:2: label \"sports\" is not one of the model's (negative, positive)")
        let broken = try dataFile(["{\"text\": \"Atiku\", \"label\": \"positive\"}", "{\"text\": \"Atiku\"", "{\"body\": \"x\", \"label\": \"negative\"}"],
                                  in: directory, name: "broken.jsonl")
        assertRefused(.list(["Atiku"]), data: broken, in: directory, "2 bad records (training takes every record or none):\n\(broken.path):2: invalid JSON")
        assertRefused(.list(["Atiku"]), data: broken, in: directory, "\(broken.path):3: no \"text\" field")
        let aggregate = try dataFile(["{\"fragmentation\": 3}"], in: directory, name: "aggregate.json")
        assertRefused(.aggregate(aggregate, top: 2), in: directory, "no \"fragmentation\" array")
        // An existing, non-empty --out is never replaced.
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: out.appendingPathComponent("mine.txt"))
        var adaptation = Adaptation(model: Self.modelDirectory, data: data, tokens: .list(["Atiku"]), out: out)
        adaptation.epochs = 1
        XCTAssertThrowsError(try adaptation.run()) { XCTAssertTrue("\($0)".contains("already exists")) }
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("mine.txt"), encoding: .utf8), "keep")
    }

    /// What the layers share trains only with all of them: ALBERT's group (top-layers:K takes whole groups),
    /// DeBERTa's relative embeddings and their norm (top-layers:all; each layer's position projections with the
    /// layer). A checkpoint with spm.model and no tokenizer.json is refused saying what to save.
    func testSharedWeightsTrainWithEveryLayerThatUsesThem() throws {
        let albert = try ClassifierModel.load(directory: Self.gradientFixtures[4])
        XCTAssertNoThrow(try albert.checkTrainable(TrainedWeights(head: true, topLayers: 3)))
        let group = albert.trainedTensors(TrainedWeights(head: false, topLayers: 3)).map(\.name)
        XCTAssertEqual(group.count, 16)
        XCTAssertTrue(group.allSatisfy { $0.hasPrefix("albert.encoder.albert_layer_groups.0.albert_layers.0.") }, "\(group)")
        XCTAssertThrowsError(try albert.checkTrainable(TrainedWeights(head: true, topLayers: 1))) { error in
            XCTAssertTrue("\(error)".contains("ALBERT's 3 layers share one group of weights: training a group changes every layer that runs it, so top-layers:K takes whole groups (K a multiple of 3; top-layers:3 trains them all)"), "\(error)")
        }
        let v3 = try ClassifierModel.load(directory: Self.gradientFixtures[3])
        XCTAssertEqual(v3.config.deberta?.shareAttentionKey, true)
        func names(_ model: ClassifierModel, _ k: Int) -> [String] { model.trainedTensors(TrainedWeights(head: false, topLayers: k)).map(\.name) }
        XCTAssertFalse(names(v3, 2).contains { $0.contains("rel_embeddings") || $0.hasPrefix("deberta.encoder.LayerNorm") })
        XCTAssertEqual(names(v3, 3).filter { !$0.contains(".layer.") }, ["deberta.encoder.rel_embeddings.weight", "deberta.encoder.LayerNorm.weight", "deberta.encoder.LayerNorm.bias"])
        let v2 = try ClassifierModel.load(directory: Self.gradientFixtures[2])
        XCTAssertEqual(names(v2, 1).filter { $0.contains("pos_") },
                       ["deberta.encoder.layer.1.attention.self.pos_key_proj.weight", "deberta.encoder.layer.1.attention.self.pos_key_proj.bias",
                        "deberta.encoder.layer.1.attention.self.pos_query_proj.weight", "deberta.encoder.layer.1.attention.self.pos_query_proj.bias"])
        let directory = Self.fixtures.appendingPathComponent("models/deberta-v3-3labels")
        let model = try ClassifierModel.load(directory: directory)
        let addition = try TokenAddition(tokens: ["Ezekwesili"], tokenizer: model.tokenizer)
        let output = try scratchDirectory("explaind-adapt").appendingPathComponent("t")
        XCTAssertThrowsError(try addition.writeTokenizer(from: directory, into: output)) { error in
            XCTAssertTrue("\(error)".contains("(the tokenizer is only spm.model; adapt adds tokens to tokenizer.json as transformers' fast tokenizers keep them. Save the fast tokenizer first"), "\(error)")
            XCTAssertTrue("\(error)".contains("AutoTokenizer.from_pretrained('\(directory.path)').save_pretrained('\(directory.path)')"), "\(error)")
        }
    }

    /// A BERT with vocab.txt and no tokenizer.json: refused before anything is written, saying how to write the
    /// tokenizer.json (transformers' fast tokenizer, the same tokens) that adapt then adds to.
    func testSlowTokenizerAloneIsRefusedWithWhatToDo() throws {
        let directory = try scratchDirectory("explaind-adapt"), model = directory.appendingPathComponent("vocab-only")
        try FileManager.default.createDirectory(at: model, withIntermediateDirectories: true)
        for file in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"] {
            try Data(contentsOf: Self.modelDirectory.appendingPathComponent(file)).write(to: model.appendingPathComponent(file))   // links resolved
        }
        let out = directory.appendingPathComponent("out")
        let adaptation = Adaptation(model: model, data: try fixtureData(in: directory), tokens: .list(["Atiku"]), out: out)
        XCTAssertThrowsError(try adaptation.run()) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(model.path)/tokenizer.json (the tokenizer is only vocab.txt; adapt adds tokens to tokenizer.json"), "\(error)")
            XCTAssertTrue("\(error)".contains("AutoTokenizer.from_pretrained('\(model.path)').save_pretrained('\(model.path)')\", then run adapt again)"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".staging") }, [])
    }

    func testAggregateAndCSVInputs() throws {
        let directory = try scratchDirectory("explaind-adapt")
        let model = try ClassifierModel.load(directory: Self.modelDirectory)
        let aggregate = try dataFile(["{\"fragmentation\": [{\"word\": \"Ezekwesili\"}, {\"word\": \"the\"}, {\"word\": \"ezekwesili\"}, {\"word\": \"INEC\"}, {\"word\": \"Atiku\"}]}"],
                                     in: directory, name: "aggregate.json")
        // "the" is a token already and "ezekwesili" splits like "Ezekwesili" (an uncased tokenizer): both skipped.
        XCTAssertEqual(try TokenAddition.tokens(fromAggregate: aggregate, top: 2, tokenizer: model.tokenizer), ["Ezekwesili", "INEC"])
        // The fragmentation table as `explaind corpus --aggregate` wrote it on Data/political-general's training texts
        // (its first 8 entries), read in its ranking.
        let written = Self.fixtures.appendingPathComponent("adapt/political-general-train-aggregate.json")
        XCTAssertEqual(try TokenAddition.tokens(fromAggregate: written, top: 4, tokenizer: model.tokenizer), ["Tinubu", "Atiku", "Kwankwaso", "jollof"])
        let csv = try dataFile(["id,body,gold", "1,\"Atiku, again\",positive", "2,\"said \"\"no\"\"\nthen left\",negative", ""], in: directory, name: "data.csv")
        XCTAssertEqual(try LabelledText.read(csv, textField: "body", labelField: "gold"),
                       [LabelledText(text: "Atiku, again", label: "positive", line: 2), LabelledText(text: "said \"no\"\nthen left", label: "negative", line: 3)])
        XCTAssertThrowsError(try LabelledText.read(csv, textField: "text", labelField: "gold")) { XCTAssertTrue("\($0)".contains("no \"text\" column in the header (id, body, gold)"), "\($0)") }
        let parsed = try AdaptCommandLine.parse(["--model", "m", "--data", "d.jsonl", "--add-tokens", "A,B", "--train=top-layers:2", "--out", "o", "--epochs", "5", "--seed", "9"])
        XCTAssertEqual(parsed.tokens, .list(["A", "B"]))
        XCTAssertEqual(parsed.training, .topLayers(2))
        XCTAssertEqual(parsed.epochs, 5)
        XCTAssertEqual(parsed.seed, 9)
        XCTAssertThrowsError(try AdaptCommandLine.parse(["--model", "m", "--data", "d", "--out", "o"])) { XCTAssertTrue("\($0)".contains("give the tokens")) }
        XCTAssertThrowsError(try AdaptCommandLine.parse(["--model", "m", "--data", "d", "--out", "o", "--add-tokens", "A", "--train", "top-layers:0"]))
        XCTAssertThrowsError(try AdaptCommandLine.parse(["--model", "m", "--data", "d", "--out", "o", "--add-tokens", "A", "--format", "text"])) {
            XCTAssertTrue("\($0)".contains("--format is jsonl, csv or tsv (adapt needs gold labels)"), "\($0)")
        }
    }

    /// The fixture texts as a `.tab` file (TSV by its extension) and as CSV named by --format, both with their own
    /// column names and an id column, train exactly as the JSON Lines file does: the same weights, bit for bit,
    /// and the same report.
    func testTSVAndCSVWithTheirOwnFieldsTrainAsJSONLines() throws {
        let directory = try scratchDirectory("explaind-adapt")
        let expected = try expected()
        let rows = zip(expected.texts, expected.labels).enumerated()
        func quoted(_ field: String) -> String { "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let tab = try dataFile(["tweet_id\tgold\tbody"] + rows.map { "t\($0)\t\($1.1)\t\($1.0)" }, in: directory, name: "data.tab")
        let csv = try dataFile(["body,gold,tweet_id"] + rows.map { "\(quoted($1.0)),\($1.1),t\($0)" }, in: directory, name: "data.txt")
        let common = ["--model", Self.modelDirectory.path, "--add-tokens", "Ezekwesili,Atiku,INEC", "--train", "top-layers:1",
                      "--epochs", "1", "--lr", "1e-2", "--batch-size", "2"]
        func run(_ name: String, _ extra: [String]) throws -> (ClassifierModel, JSONValue) {
            let out = directory.appendingPathComponent(name)
            let result = try AdaptCommandLine.parse(common + extra + ["--out", out.path]).run()
            let report = try JSONParser.parse(try Data(contentsOf: out.appendingPathComponent("adapt-report.json")))
            return (try ClassifierModel.load(directory: result.directory), report)
        }
        let jsonl = try fixtureData(in: directory)
        let (reference, referenceReport) = try run("jsonl", ["--data", jsonl.path, "--heldout", jsonl.path])
        for (name, extra) in [("tab", ["--data", tab.path, "--heldout", tab.path, "--text-field", "body", "--label-field", "gold"]),
                              ("csv", ["--data", csv.path, "--heldout", csv.path, "--format", "csv", "--text-field=body", "--label-field=gold"])] {
            let (model, report) = try run(name, extra)
            XCTAssertEqual(model.checkpointTensors(), reference.checkpointTensors(), name)
            XCTAssertEqual(report, referenceReport, name)
        }
        // A .tab file read as CSV has no "body" column: the whole header is one field.
        XCTAssertThrowsError(try run("wrong", ["--data", tab.path, "--format", "csv", "--text-field", "body", "--label-field", "gold"])) {
            XCTAssertTrue("\($0)".contains("no \"body\" column in the header (tweet_id\tgold\tbody)"), "\($0)")
        }
    }
}
