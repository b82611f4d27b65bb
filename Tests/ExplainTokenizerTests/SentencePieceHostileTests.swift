@testable import ExplainTokenizer
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// SentencePiece files that are broken or hostile: each gets a clear error naming the problem, nothing crashes.
final class SentencePieceHostileTests: XCTestCase {
    private var albertModel: [UInt8] {
        get throws {
            Array(try Data(contentsOf: SentencePieceParityTests.root.appendingPathComponent("albert/spiece.model")))
        }
    }

    /// A directory holding `files` (name → bytes).
    private func directory(_ files: [String: [UInt8]]) throws -> URL {
        let directory = try scratchDirectory("explain-spm")
        for (name, bytes) in files { try Data(bytes).write(to: directory.appendingPathComponent(name)) }
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }

    private func loadError(_ files: [String: [UInt8]], file: StaticString = #filePath, line: UInt = #line) throws -> String {
        do {
            _ = try Tokenizer.load(directory: try directory(files))
        } catch let error as TokenizerError {
            return error.description
        }
        XCTFail("loaded without an error", file: file, line: line)
        return ""
    }

    // MARK: the protobuf

    func testEveryTruncationFailsCleanlyOrLoads() throws {
        let model = try albertModel
        var failures = 0
        for cut in stride(from: 0, to: model.count, by: 23) {
            do {
                _ = try SentencePieceModelFile(Array(model[..<cut]))
            } catch {
                failures += 1
                XCTAssertFalse(error.reason.isEmpty)
            }
        }
        XCTAssertGreaterThan(failures, model.count / 23 / 2, "most cuts land inside a field")
        let message = try loadError(["spiece.model": Array(model.dropLast())])
        XCTAssert(message.contains("spiece.model") && message.contains("runs past the end"), message)
    }

    func testGarbageIsNotAModel() throws {
        var state: UInt64 = 14
        for length in [1, 2, 7, 100, 4096] {
            var bytes: [UInt8] = []
            for _ in 0..<length {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(UInt8(truncatingIfNeeded: state >> 56))
            }
            XCTAssertThrowsError(try SentencePieceModelFile(bytes), "\(length) random bytes")
        }
        XCTAssert(try loadError(["spm.model": Array("hello, I am not protobuf".utf8)]).contains("not a SentencePiece model"))
        XCTAssert(try loadError(["spm.model": []]).contains("no pieces"))
    }

    func testDuplicatePiecesAndBadIdsAreRefused() throws {
        let pieces = [piece("<unk>", type: 2), piece("▁a", score: -1), piece("▁a", score: -2)]
        var message = try loadError(["spm.model": model(pieces)])
        XCTAssert(message.contains("\"▁a\" appears twice (ids 1 and 2)"), message)

        message = try loadError(["spm.model": model([piece("<unk>", type: 2), piece("x", type: 9)])])
        XCTAssert(message.contains("unknown piece type 9"), message)

        message = try loadError(["spm.model": model([piece("<unk>", type: 2)], trainer: field(40, varint: 5))])
        XCTAssert(message.contains("unk_id 5 is outside the 1 pieces"), message)

        // A field with the wrong wire type, and a group (wire type 3).
        message = try loadError(["spm.model": model([piece("<unk>", type: 2)]) + [0x10, 0x01]])
        XCTAssert(message.contains("ModelProto.trainer_spec"), message)
        message = try loadError(["spm.model": [0x0B]])
        XCTAssert(message.contains("unsupported wire type 3"), message)
    }

    // MARK: the charsmap

    func testCharsmapBlobsThatLieAreRefused() throws {
        func reason(_ blob: [UInt8]) -> String {
            do {
                _ = try PrecompiledCharsmap(blob)
                return ""
            } catch {
                return error.description
            }
        }
        XCTAssert(reason([1, 0]).contains("shorter than its 4-byte header"))
        XCTAssert(reason([0xFC, 0xFF, 0, 0, 1, 2, 3, 4]).contains("announces a trie of 65532 bytes but only 4 follow"))
        XCTAssert(reason([6, 0, 0, 0, 1, 2, 3, 4, 5, 6]).contains("positive multiple of 4"))
        XCTAssert(reason([0, 0, 0, 0]).contains("positive multiple of 4"))
        // A root whose leaf flag points at unit 1 of a one-unit trie.
        let far: UInt32 = 1 << 8 | 1 << 10
        XCTAssert(reason([4, 0, 0, 0] + le(far)).contains("points outside the trie"))
        // A leaf value past the end of the replacement strings, and one inside a character.
        let leaf: UInt32 = 1 << 8 | 1 << 10  // has-leaf, offset 1: its value is unit 0 ^ 1
        XCTAssert(reason([8, 0, 0, 0] + le(leaf) + le(100) + Array("ab".utf8)).contains("points outside the replacement"))
        XCTAssert(reason([8, 0, 0, 0] + le(leaf) + le(1) + Array("é".utf8)).contains("inside a character"))
        XCTAssert(reason([4, 0, 0, 0] + le(0) + [0xC3]).contains("not UTF-8"))

        // The real charsmap of the ALBERT fixture parses, and its strings cut short are refused.
        let model = try SentencePieceModelFile(try albertModel)
        let blob = model.normalizerSpec.precompiledCharsmap
        XCTAssertNoThrow(try PrecompiledCharsmap(blob))
        let trieEnd = 4 + Int(blob[0]) + Int(blob[1]) << 8 + Int(blob[2]) << 16
        let cut = reason(Array(blob.prefix(trieEnd + (blob.count - trieEnd) / 2)))
        XCTAssert(cut.contains("points outside the replacement") || cut.contains("inside a character"), cut)
    }

    func testCharsmapInTokenizerJSONMustBeBase64AndWhole() throws {
        var message = try loadError(["tokenizer.json": try edited("xlmr") { json in
            json[keyPath: "normalizer.precompiled_charsmap"] = "%%% not base64 %%%"
        }])
        XCTAssert(message.contains("precompiled_charsmap: not base64"), message)
        message = try loadError(["tokenizer.json": try edited("xlmr") { json in
            json[keyPath: "normalizer.precompiled_charsmap"] = .string(Data([0x40, 0, 0, 0, 1, 2]).base64EncodedString())
        }])
        XCTAssert(message.contains("trie of 64 bytes but only 2 follow"), message)
    }

    // MARK: tokenizer.json parts

    func testUnigramAndMetaspaceFieldsAreChecked() throws {
        var message = try loadError(["tokenizer.json": try edited("xlmr") { $0[keyPath: "model.unk_id"] = .null }])
        XCTAssert(message.contains("without unk_id"), message)
        message = try loadError(["tokenizer.json": try edited("xlmr") { $0[keyPath: "model.unk_id"] = 7000 }])
        XCTAssert(message.contains("unk_id 7000 is outside"), message)
        message = try loadError(["tokenizer.json": try edited("xlmr") { $0[keyPath: "model.vocab.2"] = ["<s>", 0.0] }])
        XCTAssert(message.contains("\"<s>\" appears twice (ids 0 and 2)"), message)
        message = try loadError(["tokenizer.json": try edited("xlmr") {
            $0[keyPath: "pre_tokenizer.pretokenizers.1.prepend_scheme"] = "sometimes"
        }])
        XCTAssert(message.contains("unknown prepend_scheme \"sometimes\""), message)
    }

    /// A family's tokenizer.json with one change made to its JSON.
    private func edited(_ family: String, _ change: (inout JSONTree) -> Void) throws -> [UInt8] {
        var tree = JSONTree(try JSONFile.read(SentencePieceParityTests.root.appendingPathComponent("\(family)/tokenizer.json")))
        change(&tree)
        return JSONSerializer.serialize(tree.value)
    }

    // MARK: directories

    func testDirectoryWithoutTokenizerFilesNamesWhatItLookedFor() throws {
        let message = try loadError(["config.json": Array("{}".utf8)])
        for name in ["tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model", "spm.model"] {
            XCTAssert(message.contains(name), "\(name) not named in: \(message)")
        }
    }

    func testUnsupportedTokenizerClassIsNamed() throws {
        let message = try loadError(["spiece.model": try albertModel,
                                     "tokenizer_config.json": Array(#"{"tokenizer_class": "T5Tokenizer"}"#.utf8)])
        XCTAssert(message.contains("tokenizer_class \"T5Tokenizer\""), message)
    }

    // MARK: a protobuf writer for the cases above

    private func le(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }

    private func varint(_ value: UInt64) -> [UInt8] {
        var value = value, out: [UInt8] = []
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return out + [UInt8(value)]
    }

    private func field(_ number: Int, varint value: UInt64) -> [UInt8] { varint(UInt64(number << 3)) + varint(value) }

    private func field(_ number: Int, bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }

    private func piece(_ text: String, score: Float = 0, type: UInt64 = 1) -> [UInt8] {
        field(1, bytes: Array(text.utf8)) + [0x15] + le(score.bitPattern) + field(3, varint: type)
    }

    private func model(_ pieces: [[UInt8]], trainer: [UInt8] = []) -> [UInt8] {
        pieces.flatMap { field(1, bytes: $0) } + field(2, bytes: trainer)
    }
}

/// A JSON value edited along a dotted path of keys and array indices.
struct JSONTree {
    var value: JSONValue

    init(_ value: JSONValue) { self.value = value }

    subscript(keyPath path: String) -> JSONValue {
        get { fatalError("write-only") }
        set { value = Self.set(value, Array(path.split(separator: ".").map(String.init)), newValue) }
    }

    private static func set(_ node: JSONValue, _ path: [String], _ newValue: JSONValue) -> JSONValue {
        guard let key = path.first else { return newValue }
        if case .array(var array) = node, let index = Int(key) {
            array[index] = set(array[index], Array(path.dropFirst()), newValue)
            return .array(array)
        }
        var object = node.objectValue ?? [:]
        object[key] = set(object[key] ?? .object(JSONObject()), Array(path.dropFirst()), newValue)
        return .object(object)
    }
}
