import XCTest
import ExplainJSON
import ExplainTestSupport
@testable import ExplainModel

/// pytorch_model.bin without running its pickle, sharded checkpoints, and which file wins.
final class PyTorchCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = try scratchDirectory("explaind-bin")
    }

    func expectedLogits(_ name: String) throws -> (ids: [[Int]], logits: [[Float]]) {
        let expected: PyTorchParityTests.Expected = try JSONFile.read(fixturesDirectory.appendingPathComponent("expected/\(name).json"))
        return (expected.ids, expected.logits)
    }

    /// The same weights as a safetensors file, as a .bin with views, offsets, strides and a tied key, and
    /// as shards of either kind give PyTorch's logits and gradients.
    func testOtherWeightFilesMatchPyTorch() throws {
        for (variant, base) in [("roberta-3labels-bin", "roberta-3labels"), ("xlm-roberta-2labels-f16-sharded-bin", "xlm-roberta-2labels-f16"),
                                ("camembert-4labels-bf16-sharded", "camembert-4labels-bf16")] {
            let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("weight-files/\(variant)"))
            let reference = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/\(base)"))
            let (ids, logits) = try expectedLogits(base)
            let ours = model.logits(ModelInput(ids: ids))
            for b in ids.indices { assertClose(ours[b], logits[b], atol: 1e-4, "\(variant) text \(b)") }
            // Bit for bit the numbers of the safetensors checkpoint: the same weights.
            XCTAssertEqual(ours, reference.logits(ModelInput(ids: ids)), variant)
        }
        let checkpoint = try Checkpoint.load(directory: fixturesDirectory.appendingPathComponent("weight-files/roberta-3labels-bin"))
        XCTAssertEqual(checkpoint.name, "pytorch_model.bin")
        XCTAssertEqual(checkpoint.tensors["lm_head.decoder.weight"]?.shape, [700, 20])
    }

    func link(_ file: String, from fixture: String) throws {
        let folder = fixture.hasSuffix("-sharded") || fixture.hasSuffix("-bin") ? "weight-files" : "models"
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(file),
                                                   withDestinationURL: fixturesDirectory.appendingPathComponent("\(folder)/\(fixture)/\(file)"))
    }

    func loadError() -> ModelError? {
        do { _ = try ClassifierModel.load(directory: directory) } catch let error as ModelError { return error } catch {
            XCTFail("unexpected error type \(error)")
        }
        return nil
    }

    /// safetensors first, as HuggingFace: a broken .bin beside a good model.safetensors is never opened.
    func testSafetensorsWinsOverBin() throws {
        for file in ["config.json", "tokenizer.json", "tokenizer_config.json"] { try link(file, from: "roberta-3labels") }
        try Data("not a checkpoint".utf8).write(to: directory.appendingPathComponent("pytorch_model.bin"))
        guard case .malformedCheckpoint(let file, _)? = loadError() else { return XCTFail("\(String(describing: loadError()))") }
        XCTAssertEqual(file, "pytorch_model.bin")
        try link("model.safetensors", from: "roberta-3labels")
        XCTAssertNil(loadError())
        XCTAssertEqual(try Checkpoint.load(directory: directory).name, "model.safetensors")
    }

    func testNoWeightsNamesEveryFileLookedFor() throws {
        try link("config.json", from: "roberta-3labels")
        guard case .missingFile(let path)? = loadError() else { return XCTFail() }
        for name in Checkpoint.fileNames { XCTAssertTrue(path.contains(name), path) }
    }

    func testShardIndexProblems() throws {
        for file in ["config.json", "tokenizer.json", "tokenizer_config.json"] { try link(file, from: "camembert-4labels-bf16-sharded") }
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        for (text, phrase) in [("{", "not valid JSON"), (#"{"weight_map": 3}"#, "no weight_map"),
                               (#"{"weight_map": {"a": "../../etc/passwd"}}"#, "not a file of this directory"),
                               (#"{"weight_map": {}}"#, "empty")] {
            try Data(text.utf8).write(to: index)
            guard case .malformedCheckpoint(let file, let reason)? = loadError() else { XCTFail(text); continue }
            XCTAssertEqual(file, "model.safetensors.index.json")
            XCTAssertTrue(reason.contains(phrase), "\(reason) should mention \(phrase)")
        }
        try Data(#"{"weight_map": {"x": "model-00009-of-00009.safetensors"}}"#.utf8).write(to: index)
        guard case .missingFile(let path)? = loadError() else { return XCTFail() }
        XCTAssertTrue(path.hasSuffix("model-00009-of-00009.safetensors"))
        // A tensor the index puts in a shard that lacks it.
        try link("model-00001-of-00002.safetensors", from: "camembert-4labels-bf16-sharded")
        try Data(#"{"weight_map": {"no.such.tensor": "model-00001-of-00002.safetensors"}}"#.utf8).write(to: index)
        guard case .malformedCheckpoint(_, let reason)? = loadError() else { return XCTFail("\(String(describing: loadError()))") }
        XCTAssertTrue(reason.contains("no.such.tensor is not in model-00001-of-00002.safetensors"), reason)
    }

    func testLegacyFormatRefusedWithHowToConvert() throws {
        // torch.save(..., _use_new_zipfile_serialization=False): PROTO 2, then LONG1 with torch's magic number.
        let legacy: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
        try Data(legacy).write(to: directory.appendingPathComponent("pytorch_model.bin"))
        do { _ = try PyTorchCheckpointFile(url: directory.appendingPathComponent("pytorch_model.bin")); XCTFail("loaded") } catch let error as ModelError {
            guard case .unsupported(_, let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("legacy") && reason.contains("save_pretrained") && reason.contains("weights_only=True"), reason)
            XCTAssertFalse(error.isCorrupt)
        }
    }

    // MARK: the pickle reader

    /// Builds pickles opcode by opcode (protocol 2, as torch.save writes).
    struct Pickle {
        var bytes: [UInt8] = [0x80, 0x02]
        mutating func op(_ code: UInt8, _ argument: [UInt8] = []) { bytes.append(code); bytes += argument }
        mutating func string(_ text: String) {
            let utf8 = Array(text.utf8)
            op(0x58, withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init) + utf8)
        }
        /// LONG1 with 8 bytes: any Int.
        mutating func int(_ value: Int) { op(0x8A, [8] + withUnsafeBytes(of: Int64(value).littleEndian, Array.init)) }
        mutating func global(_ module: String, _ name: String) { op(0x63, Array("\(module)\n\(name)\n".utf8)) }
        mutating func mark() { op(0x28) }
        mutating func tuple() { op(0x74) }
        mutating func ints(_ values: [Int]) { mark(); values.forEach { int($0) }; tuple() }

        /// {name: _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', count), offset, shape, strides, False, OrderedDict())}
        static func stateDict(_ tensors: [(name: String, key: String, count: Int, offset: Int, shape: [Int], strides: [Int])],
                              storageType: String = "FloatStorage") -> Pickle {
            var p = Pickle()
            p.op(0x7D)   // EMPTY_DICT
            p.mark()
            for t in tensors {
                p.string(t.name)
                p.global("torch._utils", "_rebuild_tensor_v2")
                p.mark()
                p.mark(); p.string("storage"); p.global("torch", storageType); p.string(t.key); p.string("cpu"); p.int(t.count); p.tuple()
                p.op(0x51)   // BINPERSID
                p.int(t.offset); p.ints(t.shape); p.ints(t.strides)
                p.op(0x89)   // NEWFALSE
                p.global("collections", "OrderedDict"); p.op(0x29); p.op(0x52)
                p.tuple()
                p.op(0x52)   // REDUCE
            }
            p.op(0x75)   // SETITEMS
            p.op(0x2E)   // STOP
            return p
        }
    }

    /// A zip of stored members, as torch.save writes them (no compression, no data descriptors).
    static func storedZip(_ members: [(name: String, data: [UInt8])]) -> [UInt8] {
        func u16(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt16(v).littleEndian, Array.init) }
        func u32(_ v: Int) -> [UInt8] { withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }
        var out: [UInt8] = [], directory: [UInt8] = []
        for member in members {
            let name = Array(member.name.utf8), offset = out.count
            let fields = u16(0) + u16(0) + u32(0) + u32(0) + u32(member.data.count) + u32(member.data.count) + u16(name.count) + u16(0)
            out += u32(0x0403_4B50) + u16(20) + fields + name + member.data
            directory += u32(0x0201_4B50) + u16(20) + u16(20) + fields + u16(0) + u16(0) + u16(0) + u32(0) + u32(offset) + name
        }
        let start = out.count
        out += directory
        out += u32(0x0605_4B50) + u16(0) + u16(0) + u16(members.count) + u16(members.count) + u32(directory.count) + u32(start) + u16(0)
        return out
    }

    func archive(_ pickle: Pickle, storages: [String: [Float]] = [:]) -> [UInt8] {
        var members: [(name: String, data: [UInt8])] = [("archive/data.pkl", pickle.bytes), ("archive/byteorder", Array("little".utf8))]
        for (key, values) in storages.sorted(by: { $0.key < $1.key }) {
            members.append(("archive/data/\(key)", values.withUnsafeBytes(Array.init)))
        }
        return Self.storedZip(members)
    }

    func open(_ bytes: [UInt8]) throws -> PyTorchCheckpointFile {
        let url = directory.appendingPathComponent("pytorch_model.bin")
        try Data(bytes).write(to: url)
        return try PyTorchCheckpointFile(url: url)
    }

    func refusal(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        do { _ = try open(bytes); XCTFail("accepted", file: file, line: line) } catch let error as ModelError {
            guard case .malformedCheckpoint(let name, let reason) = error else { XCTFail("\(error)", file: file, line: line); return "" }
            XCTAssertEqual(name, "pytorch_model.bin", file: file, line: line)
            return reason
        } catch { XCTFail("\(error)", file: file, line: line) }
        return ""
    }

    func assertRefused(_ bytes: [UInt8], mentions phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        let reason = refusal(bytes, file: file, line: line)
        XCTAssertTrue(reason.contains(phrase), "\(reason) should mention \(phrase)", file: file, line: line)
    }

    func testHandWrittenStateDictReads() throws {
        // A 2 × 3 view at offset 1 of a 7-value storage, transposed (strides 1, 2), and a second tensor on the same storage.
        let pickle = Pickle.stateDict([("a", "0", 7, 1, [2, 3], [1, 2]), ("b", "0", 7, 0, [7], [1])])
        let file = try open(archive(pickle, storages: ["0": [0, 1, 2, 3, 4, 5, 6]]))
        XCTAssertEqual(file.weights("a")?.array, [1, 3, 5, 2, 4, 6])
        XCTAssertEqual(file.weights("b")?.array, [0, 1, 2, 3, 4, 5, 6])
    }

    /// The whole proof that nothing runs: the reader has no way to call anything, and a GLOBAL naming
    /// os.system is refused at that opcode, before the REDUCE that would call it is even read.
    func testOsSystemIsRefusedBeforeAnythingRuns() throws {
        let marker = directory.appendingPathComponent("ran")
        var p = Pickle()
        p.global("os", "system")
        p.mark(); p.string("touch \(marker.path)"); p.tuple()
        p.op(0x52)   // REDUCE: os.system("touch ...")
        p.op(0x2E)
        let reason = refusal(archive(p))
        XCTAssertTrue(reason.contains("os.system") && reason.contains("at byte 2"), reason)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker.path))
        // STACK_GLOBAL spelling, and builtins.eval.
        var q = Pickle()
        q.string("builtins"); q.string("eval"); q.op(0x93); q.op(0x2E)
        assertRefused(archive(q), mentions: "builtins.eval")
    }

    func testHostilePickles() throws {
        // REDUCE on a known global that is not a function (a storage type), and on a non-global.
        var p = Pickle()
        p.global("torch", "FloatStorage"); p.op(0x29); p.op(0x52); p.op(0x2E)
        assertRefused(archive(p), mentions: "REDUCE calls torch.FloatStorage")
        p = Pickle(); p.string("x"); p.op(0x29); p.op(0x52); p.op(0x2E)
        assertRefused(archive(p), mentions: "REDUCE calls a str")
        // Opcodes a state dict never uses: INST, OBJ, NEWOBJ, EXT1.
        for code: UInt8 in [0x69, 0x6F, 0x81, 0x82] {
            p = Pickle(); p.op(code); p.op(0x2E)
            assertRefused(archive(p), mentions: String(format: "opcode 0x%02X", code))
        }
        // A list appended to itself, and tuples nested a million deep: refused, not a stack overflow.
        p = Pickle(); p.op(0x5D); p.op(0x71, [0])
        for _ in 0..<100 { p.op(0x68, [0]); p.op(0x61); p.op(0x71, [0]) }
        p.op(0x2E)
        assertRefused(archive(p), mentions: "nest deeper")
        p = Pickle(); p.op(0x4E)
        p.bytes += [UInt8](repeating: 0x85, count: 1_000_000)
        p.op(0x2E)
        assertRefused(archive(p), mentions: "nest deeper")
        // Huge lengths and integers.
        p = Pickle(); p.op(0x58, [0xFF, 0xFF, 0xFF, 0x7F]); p.op(0x2E)
        assertRefused(archive(p), mentions: "runs past the pickle's end")
        p = Pickle(); p.op(0x8A, [200] + [UInt8](repeating: 1, count: 200)); p.op(0x2E)
        assertRefused(archive(p), mentions: "larger than any size")
        // Memo slots never written, stack underflow, no STOP, no state dict.
        p = Pickle(); p.op(0x6A, [9, 9, 9, 9]); p.op(0x2E)
        assertRefused(archive(p), mentions: "empty memo slot")
        p = Pickle(); p.op(0x74)
        assertRefused(archive(p), mentions: "no MARK")
        p = Pickle(); p.op(0x4E)
        assertRefused(archive(p), mentions: "ends inside")
        p = Pickle(); p.int(3); p.op(0x2E)
        assertRefused(archive(p), mentions: "not a state dict")
    }

    func testStoragesAreChecked() throws {
        // A view reading past its storage, a huge shape, a storage size that disagrees with the archive,
        // a storage missing from the archive, negative strides.
        assertRefused(archive(Pickle.stateDict([("a", "0", 4, 2, [3], [1])]), storages: ["0": [0, 1, 2, 3]]), mentions: "read past its storage")
        assertRefused(archive(Pickle.stateDict([("a", "0", 4, 0, [1 << 20, 1 << 20, 1 << 30], [1, 1, 1])]), storages: ["0": [0, 1, 2, 3]]),
                      mentions: "overflows")
        assertRefused(archive(Pickle.stateDict([("a", "0", 1 << 40, 0, [1], [1])]), storages: ["0": [0, 1, 2, 3]]), mentions: "the archive holds 16")
        assertRefused(archive(Pickle.stateDict([("a", "7", 4, 0, [4], [1])]), storages: ["0": [0, 1, 2, 3]]), mentions: "storage 7 is not in the archive")
        assertRefused(archive(Pickle.stateDict([("a", "0", 4, 0, [2], [-1])]), storages: ["0": [0, 1, 2, 3]]), mentions: "negative")
    }

    /// Every truncation and thousands of corrupted bytes of a real torch.save archive: a ModelError or a
    /// checkpoint, never a crash.
    func testFuzzedArchives() throws {
        let original = [UInt8](try Data(contentsOf: fixturesDirectory.appendingPathComponent("weight-files/roberta-3labels-bin/pytorch_model.bin")))
        var rejected = 0
        func attempt(_ bytes: [UInt8]) {
            do { _ = try open(bytes) } catch is ModelError { rejected += 1 } catch { XCTFail("\(error)") }
        }
        for length in stride(from: 0, to: original.count, by: 61) { attempt(Array(original[0..<length])) }
        for length in original.count - 200..<original.count { attempt(Array(original[0..<length])) }
        var random = SplitMix64(state: 15)
        let pickleRange = 0..<4800   // data.pkl and the first storages
        for round in 0..<2000 {
            var bytes = original
            for _ in 0..<(1 + round % 4) {
                let at = round % 2 == 0 ? Int.random(in: pickleRange, using: &random) : Int.random(in: bytes.indices, using: &random)
                bytes[at] = UInt8.random(in: 0...255, using: &random)
            }
            attempt(bytes)
        }
        XCTAssertGreaterThan(rejected, 500)
    }
}
