import XCTest
import ExplainTestSupport
import ExplainJSON
import ExplainModel

/// Broken model directories give a ModelError that names the file and the problem, never a crash.
final class ModelLoadingErrorTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try scratchDirectory("explaind-model")
    }

    func write(_ text: String, _ name: String) throws {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }

    func writeBytes(_ data: Data) throws { try data.write(to: directory.appendingPathComponent("model.safetensors")) }

    /// A small valid safetensors image to corrupt.
    func validSafetensors() -> Data {
        SafeTensorsWriter.data([(name: "a", shape: [2, 3], values: [1, 2, 3, 4, 5, 6]), (name: "b", shape: [4], values: [7, 8, 9, 10])])
    }

    func safetensorsError(_ data: Data) -> ModelError? {
        do { try writeBytes(data); _ = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors")) } catch let error as ModelError {
            return error
        } catch { XCTFail("unexpected error type \(error)") }
        return nil
    }

    func assertMalformed(_ data: Data, mentions phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let error = safetensorsError(data) else { return XCTFail("no error", file: file, line: line) }
        guard case .malformedSafetensors(let name, let reason) = error else { return XCTFail("\(error)", file: file, line: line) }
        XCTAssertEqual(name, "model.safetensors", file: file, line: line)
        XCTAssertTrue(reason.contains(phrase), "\(reason) should mention \(phrase)", file: file, line: line)
        XCTAssertTrue(error.description.hasPrefix("model.safetensors: "), file: file, line: line)
    }

    func testValidFileReadsBack() throws {
        try writeBytes(validSafetensors())
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(file.floats("a"), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(file.entries["b"]?.shape, [4])
    }

    func testHalfPrecisionIsWidened() throws {
        // 1.5 and -2 in F16 (0x3E00, 0xC000), 1.5 and -2 in BF16 (0x3FC0, 0xC000).
        let header = #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"g":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(contentsOf: [0x00, 0x3E, 0x00, 0xC0, 0xC0, 0x3F, 0x00, 0xC0])
        try writeBytes(data)
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(file.floats("h"), [1.5, -2])
        XCTAssertEqual(file.floats("g"), [1.5, -2])
    }

    func testTruncatedFile() {
        let data = validSafetensors()
        assertMalformed(data.prefix(5), mentions: "shorter than the 8-byte header length")
        assertMalformed(data.prefix(data.count - 4), mentions: "outside the data section")
    }

    func testHeaderLengthBeyondFile() {
        var data = validSafetensors()
        data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        assertMalformed(data, mentions: "exceeds the file size")
    }

    func testHeaderNotJSON() {
        var data = validSafetensors()
        data[8] = UInt8(ascii: "x")
        assertMalformed(data, mentions: "not valid JSON")
    }

    func rewritten(_ header: String, dataBytes: Int) -> Data {
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(Data(count: dataBytes))
        return data
    }

    func testRangeOutsideData() {
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 4), mentions: "outside the data section")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, dataBytes: 16), mentions: "outside the data section")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}}"#, dataBytes: 16), mentions: "outside the data section")
    }

    func testLengthDisagreesWithShape() {
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, dataBytes: 16), mentions: "does not match shape")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]}}"#, dataBytes: 16), mentions: "larger than the data section")
    }

    func testOverlapsGapsAndTrailingBytesAreRefused() {
        // The format forbids them (safetensors' `validate`): offsets in order, back to back, covering the data.
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, dataBytes: 12),
                        mentions: "overlaps the tensor before it")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8),
                        mentions: "overlaps the tensor before it")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, dataBytes: 12),
                        mentions: "leaves a gap of 4 bytes")
        assertMalformed(rewritten(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 8), mentions: "cover 4 of the data section's 8 bytes")
        // Out of order in the header is fine as long as the ranges tile the data.
        XCTAssertNil(safetensorsErrorOrNil(rewritten(#"{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, dataBytes: 8)))
    }

    func safetensorsErrorOrNil(_ data: Data) -> ModelError? {
        do { try writeBytes(data); _ = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors")) } catch {
            return error as? ModelError
        }
        return nil
    }

    func testDtypes() throws {
        assertMalformed(rewritten(#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8), mentions: "unknown dtype Q4")
        assertMalformed(rewritten(#"{"a":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}}"#, dataBytes: 8), mentions: "does not match shape")
        // Integer buffers (position_ids) are valid entries, just not readable as weights.
        try writeBytes(rewritten(#"{"position_ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, dataBytes: 8))
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        XCTAssertNil(file.floats("position_ids"))
    }

    // Whole directories: config.json problems.

    func loadError(_ other: URL? = nil) -> ModelError? {
        do { _ = try ClassifierModel.load(directory: other ?? directory) } catch let error as ModelError { return error } catch {
            XCTFail("unexpected error type \(error)")
        }
        return nil
    }

    func testMissingDirectoryAndConfig() throws {
        try FileManager.default.removeItem(at: directory)
        XCTAssertEqual(loadError(), .missingFile(directory.path))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        XCTAssertEqual(loadError(), .missingFile(directory.appendingPathComponent("config.json").path))
    }

    /// A model kept as the HuggingFace cache keeps it (snapshot files are relative links into blobs/), copied
    /// with `cp -r`: the whole cache still loads wherever it is; the snapshot alone names each dangling link.
    func testRelativeLinksCopiedWithCpR() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/models/distilbert-3labels-bf16")
        let cache = directory.appendingPathComponent("cache")
        let snapshot = cache.appendingPathComponent("snapshots/rev")
        try FileManager.default.createDirectory(at: cache.appendingPathComponent("blobs"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: snapshot, withIntermediateDirectories: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.path).sorted()
        for name in names {
            // the contents (some fixture files are links themselves)
            try Data(contentsOf: fixture.appendingPathComponent(name)).write(to: cache.appendingPathComponent("blobs/\(name).blob"))
            try FileManager.default.createSymbolicLink(atPath: snapshot.appendingPathComponent(name).path, withDestinationPath: "../../blobs/\(name).blob")
        }
        func cpR(_ from: URL, _ to: URL) throws {
            // spawned and reaped directly: Foundation's Process can report an exit before the copy is done
            let arguments: [String] = ["/bin/cp", "-r", from.path, to.path]
            var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
            argv.append(nil)
            defer { argv.forEach { free($0) } }
            var pid: pid_t = 0
            XCTAssertEqual(posix_spawn(&pid, "/bin/cp", nil, nil, argv, environ), 0)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            XCTAssertEqual(status, 0)
        }
        // the whole cache copied: every link is resolved against its own directory, whatever the working directory
        let copiedCache = directory.appendingPathComponent("copied")
        try cpR(cache, copiedCache)
        let model = try ClassifierModel.load(directory: copiedCache.appendingPathComponent("snapshots/rev"))
        XCTAssertEqual(model.config.labels, try ClassifierModel.load(directory: fixture).config.labels)

        // the snapshot alone: its links lead nowhere, and each error names the link and the path it resolves to
        let alone = directory.appendingPathComponent("alone")
        try cpR(snapshot, alone)
        func expectDangling(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let message = try XCTUnwrap(loadError(alone), file: file, line: line).description
            let link = alone.appendingPathComponent(name).path
            let resolved = directory.deletingLastPathComponent().appendingPathComponent("blobs/\(name).blob").path
            XCTAssertTrue(message.contains("\(link) is a symbolic link to ../../blobs/\(name).blob, and \(resolved) does not exist"),
                          message, file: file, line: line)
            XCTAssertTrue(message.contains("cp -rL"), message, file: file, line: line)
            // the next file: a real copy in place of the link
            try FileManager.default.removeItem(atPath: link)
            try Data(contentsOf: fixture.appendingPathComponent(name)).write(to: URL(fileURLWithPath: link))
        }
        try expectDangling("config.json")
        try expectDangling("model.safetensors")
        try expectDangling("tokenizer_config.json")
        try expectDangling("vocab.txt")
        XCTAssertNil(loadError(alone))
    }

    func testBrokenConfig() throws {
        try write("{\"model_type\": \"bert\", ", "config.json")
        XCTAssertEqual(loadError(), .malformedConfig(file: "config.json", reason: "not valid JSON: unexpected end of input at byte 23"))
        try write("[1, 2]", "config.json")
        XCTAssertEqual(loadError(), .malformedConfig(file: "config.json", reason: "not a JSON object"))
        try write(#"{"model_type": "bert", "vocab_size": 10, "hidden_size": "big"}"#, "config.json")
        guard case .malformedConfig(_, let reason)? = loadError() else { return XCTFail() }
        XCTAssertTrue(reason.contains("hidden_size"), reason)
        try write(#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 6, "num_hidden_layers": 1, "num_attention_heads": 4, "intermediate_size": 8}"#, "config.json")
        guard case .malformedConfig(_, let reason2)? = loadError() else { return XCTFail() }
        XCTAssertTrue(reason2.contains("multiple of the head count"), reason2)
        try write(#"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8, "hidden_act": "swish"}"#, "config.json")
        guard case .malformedConfig(_, let reason3)? = loadError() else { return XCTFail() }
        XCTAssertTrue(reason3.contains("hidden_act"), reason3)
    }

    /// config.json and the safetensors header go through the strict JSON reader: each hostile form is an error
    /// that names the file and the byte.
    func testHostileJSONInConfigAndHeader() throws {
        let base = #"{"model_type": "bert", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8"#
        let cases: [(String, String)] = [
            (base + #", "hidden_size": 16}"#, "duplicate key \"hidden_size\" at byte"),
            (base + #", "layer_norm_eps": NaN}"#, "unexpected byte 'N' at byte"),
            (base + #", "layer_norm_eps": Infinity}"#, "unexpected byte 'I' at byte"),
            (base + #", "layer_norm_eps": 1e999}"#, "invalid or out-of-range number at byte"),
            (String(repeating: "[", count: 10_000), "nesting deeper than"),
        ]
        for (text, phrase) in cases {
            try write(text, "config.json")
            guard case .malformedConfig(let file, let reason)? = loadError() else { XCTFail(text); continue }
            XCTAssertEqual(file, "config.json")
            XCTAssertTrue(reason.contains(phrase), "\(reason) should mention \(phrase)")
        }
        try Data(Array(base.utf8) + [UInt8](#", "x": ""#.utf8) + [0xC3, 0x28] + [UInt8](#""}"#.utf8))
            .write(to: directory.appendingPathComponent("config.json"))
        guard case .malformedConfig(_, let reason)? = loadError() else { return XCTFail() }
        XCTAssertTrue(reason.contains("invalid UTF-8 at byte"), reason)
        // Canonically equivalent label names stay two labels.
        let labels = try ModelConfig(json: JSONParser.parse(base + ", \"id2label\": {\"0\": \"caf\u{E9}\", \"1\": \"cafe\u{301}\"}}").objectValue!)
        XCTAssertEqual(labels.labels.map { Array($0.utf8) }, [Array("caf\u{E9}".utf8), Array("cafe\u{301}".utf8)])

        func header(_ json: String) -> Data {
            var data = Data()
            withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { data.append(contentsOf: $0) }
            data.append(Data(json.utf8))
            data.append(Data(count: 8))
            return data
        }
        let tensor = #"{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        assertMalformed(header("{\"a\":\(tensor),\"a\":\(tensor)}"), mentions: "duplicate key \"a\" at byte 54")
        assertMalformed(header("{\"\u{E9}\":\(tensor),\"e\u{301}\":\(tensor)}"), mentions: "two tensors named")
        assertMalformed(header(#"{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,8]}}"#), mentions: "unexpected byte 'N'")
        assertMalformed(header(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8e999]}}"#), mentions: "out-of-range number")
    }

    func testUnknownModelType() throws {
        try write(#"{"model_type": "gpt2", "vocab_size": 10}"#, "config.json")
        XCTAssertEqual(loadError(), .unsupportedModelType(file: "config.json", modelType: "gpt2"))
        XCTAssertEqual(loadError()?.description,
                       "config.json: unsupported model_type \"gpt2\" (supported: bert, distilbert, roberta, xlm-roberta, camembert, electra, albert, modernbert, deberta-v2)")
    }

    /// Another head than sequence classification, or regression outputs, are refused naming what runs;
    /// multi-label classification loads with sigmoid probabilities.
    func testUnsupportedHeads() throws {
        try write(#"{"model_type": "roberta", "architectures": ["RobertaForTokenClassification"]}"#, "config.json")
        guard case .unsupported(_, let reason)? = loadError() else { return XCTFail("\(String(describing: loadError()))") }
        XCTAssertTrue(reason.contains("RobertaForTokenClassification") && reason.contains("ForSequenceClassification"), reason)
        try write(#"{"model_type": "bert", "problem_type": "regression"}"#, "config.json")
        guard case .unsupported(_, let reason2)? = loadError() else { return XCTFail() }
        XCTAssertTrue(reason2.contains("\"regression\"") && reason2.contains("single_label_classification, multi_label_classification"), reason2)
        XCTAssertFalse(loadError()!.isCorrupt)
        let multiLabel = try ModelConfig(json: ["model_type": "bert", "problem_type": "multi_label_classification"])
        XCTAssertEqual(multiLabel.problemType, .multiLabel)
        XCTAssertEqual(try ModelConfig(json: ["model_type": "bert", "problem_type": .null]).problemType, .singleLabel)
        XCTAssertEqual(ClassifierModel.probabilities([0, 2, -1], .multiLabel), [0.5, 1 / (1 + expf(-2)), 1 / (1 + expf(1))])
    }

    /// Fields a config leaves out take the family's transformers defaults.
    func testFamilyDefaults() throws {
        func config(_ type: String) throws -> ModelConfig {
            try ModelConfig(json: ["model_type": .string(type), "architectures": [.string("X\(type)ForSequenceClassification")]])
        }
        let roberta = try config("roberta")
        XCTAssertEqual([roberta.vocabSize, roberta.hiddenSize, roberta.embeddingSize, roberta.layerCount, roberta.padTokenID, roberta.firstPosition, roberta.maxTokens],
                       [50265, 768, 768, 12, 1, 2, 510])
        let xlm = try config("xlm-roberta")
        XCTAssertEqual([xlm.vocabSize, xlm.padTokenID, xlm.typeVocabSize], [30522, 1, 2])
        let electra = try config("electra")
        XCTAssertEqual([electra.embeddingSize, electra.hiddenSize, electra.headCount, electra.intermediateSize, electra.firstPosition], [128, 256, 4, 1024, 0])
        XCTAssertEqual(electra.activation, .geluErf)
        let albert = try config("albert")
        XCTAssertEqual([albert.vocabSize, albert.embeddingSize, albert.hiddenSize, albert.headCount, albert.intermediateSize, albert.layerGroupCount, albert.layersPerGroup],
                       [30000, 128, 4096, 64, 16384, 1, 1])
        XCTAssertEqual(albert.activation, .geluTanh)
        let distil = try config("distilbert")
        XCTAssertEqual([distil.hiddenSize, distil.layerCount, distil.intermediateSize], [768, 6, 3072])
        XCTAssertThrowsError(try ModelConfig(json: ["model_type": "albert", "num_hidden_layers": 5, "num_hidden_groups": 2]))
    }

    func testLabelsFromConfig() throws {
        let base = #""model_type": "bert", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 8"#
        let named = try ModelConfig(json: JSONParser.parse("{\(base), \"id2label\": {\"1\": \"b\", \"0\": \"a\"}}").objectValue!)
        XCTAssertEqual(named.labels, ["a", "b"])
        let counted = try ModelConfig(json: JSONParser.parse("{\(base), \"num_labels\": 3}").objectValue!)
        XCTAssertEqual(counted.labels, ["LABEL_0", "LABEL_1", "LABEL_2"])
        XCTAssertEqual(counted.activation, .geluErf)
        XCTAssertEqual(counted.layerNormEps, 1e-12)
        XCTAssertThrowsError(try ModelConfig(json: JSONParser.parse("{\(base), \"id2label\": {\"0\": \"a\", \"5\": \"b\"}}").objectValue!))
    }

    /// A config that loads, with weights missing one tensor or holding one of the wrong shape.
    func testMissingAndMisshapenTensors() throws {
        try write(#"{"model_type": "distilbert", "vocab_size": 4, "dim": 2, "n_layers": 1, "n_heads": 1, "hidden_dim": 2, "max_position_embeddings": 3, "num_labels": 2}"#, "config.json")
        var tensors: [(name: String, shape: [Int], values: [Float])] = [
            ("distilbert.embeddings.word_embeddings.weight", [4, 2], .init(repeating: 0.1, count: 8)),
            ("distilbert.embeddings.position_embeddings.weight", [3, 2], .init(repeating: 0.1, count: 6)),
        ]
        try SafeTensorsWriter.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(loadError(), .missingTensor(file: "model.safetensors", name: "distilbert.embeddings.LayerNorm.weight"))
        tensors[1] = ("embeddings.position_embeddings.weight", [2, 3], .init(repeating: 0.1, count: 6))
        try SafeTensorsWriter.write(tensors, to: directory.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(loadError(), .wrongShape(file: "model.safetensors", name: "embeddings.position_embeddings.weight", expected: [3, 2], found: [2, 3]))
    }
}
