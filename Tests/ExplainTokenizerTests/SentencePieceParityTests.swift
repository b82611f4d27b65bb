@testable import ExplainTokenizer
import Foundation
import XCTest
import ExplainJSON
import ExplainTestSupport

/// SentencePiece tokenizers (Unigram, Precompiled, Metaspace) against HF on the hostile corpus of
/// Scripts/reference/make_sentencepiece_fixtures.py: through the tokenizer.json transformers wrote, and through
/// the `.model` file alone, converted the way transformers converts it.
final class SentencePieceParityTests: XCTestCase {
    static let root = Fixtures.root.appendingPathComponent("sentencepiece")

    static let corpus: SentencePieceCorpus = {
        try! JSONFile.read(Fixtures.root.appendingPathComponent("sentencepiece-corpus.json"))
    }()

    private func check(_ family: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let corpus = Self.corpus
        let expected = try XCTUnwrap(corpus.families[family], file: file, line: line)
        XCTAssertGreaterThanOrEqual(corpus.strings.count, 300, file: file, line: line)
        let tokenizer = try Tokenizer.load(directory: Self.root.appendingPathComponent(family))
        XCTAssertEqual(tokenizer.vocabularySize, expected.vocabSize, file: file, line: line)
        assertParity(tokenizer, strings: corpus.strings, expected: expected.expected, label: "\(family) tokenizer.json",
                     file: file, line: line)
    }

    func testXLMRobertaFromTokenizerJSON() throws { try check("xlmr") }
    func testAlbertFromTokenizerJSON() throws { try check("albert") }
    func testDebertaV2FromTokenizerJSON() throws { try check("deberta") }
    func testGenericFromTokenizerJSON() throws { try check("generic") }
    /// A BPE-type SentencePiece model as SpmConverter writes it, and as LlamaTokenizer does (BPE with fuse_unk and
    /// byte_fallback, Metaspace prepend_scheme first without split, no normalizer).
    func testSentencePieceBPEFromTokenizerJSON() throws { try check("spmbpe") }
    func testLlamaStyleBPEFromTokenizerJSON() throws { try check("llama") }
}

struct SentencePieceCorpus: JSONRecord {
    var strings: [String]
    var families: [String: Family]
    var variantStrings: [String]
    var variants: [Variant]

    enum CodingKeys: String, CodingKey { case strings, families, variantStrings = "variant_strings", variants }

    struct Variant: JSONRecord {
        var family: String
        var tokenizerConfig: [String: ConfigValue]
        var expected: [Corpus.Expected]

        enum CodingKeys: String, CodingKey { case family, tokenizerConfig = "tokenizer_config", expected }
    }

    /// A tokenizer_config.json value: a flag or a class name.
    struct ConfigValue: JSONValueCodable {
        var json: JSONValue

        init(json: JSONValue, at path: String) throws {
            guard json.boolValue != nil || json.stringValue != nil else { throw InvalidField.mismatch("boolean or string", json, at: path) }
            self.json = json
        }
    }

    struct Family: JSONRecord {
        var modelFile: String
        var vocabSize: Int
        var expected: [Corpus.Expected]

        enum CodingKeys: String, CodingKey { case modelFile = "model_file", vocabSize = "vocab_size", expected }
    }
}

/// The same corpus through the `.model` file alone, and with the tokenizer_config.json transformers saved.
final class SentencePieceModelFileTests: XCTestCase {
    private func check(_ family: String, withConfig: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let corpus = SentencePieceParityTests.corpus
        let expected = try XCTUnwrap(corpus.families[family], file: file, line: line)
        let source = SentencePieceParityTests.root.appendingPathComponent(family)
        let directory = try scratchDirectory("explain-spm")
        var files = [expected.modelFile]
        if withConfig { files.append("tokenizer_config.json") }
        for name in files {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        let tokenizer = try Tokenizer.load(directory: directory)
        XCTAssertEqual(tokenizer.vocabularySize, expected.vocabSize, file: file, line: line)
        assertParity(tokenizer, strings: corpus.strings, expected: expected.expected,
                     label: "\(family) \(expected.modelFile)\(withConfig ? " + tokenizer_config.json" : " alone")",
                     file: file, line: line)
    }

    func testXLMRobertaModelFile() throws {
        try check("xlmr", withConfig: false)
        try check("xlmr", withConfig: true)
    }

    func testAlbertModelFile() throws {
        try check("albert", withConfig: false)
        try check("albert", withConfig: true)
    }

    func testDebertaV2ModelFile() throws {
        try check("deberta", withConfig: false)
        try check("deberta", withConfig: true)
    }

    func testGenericModelFile() throws {
        try check("generic", withConfig: false)
        try check("generic", withConfig: true)
    }

    /// model_type BPE in the proto: merges recovered from the pieces and their scores, as SpmConverter does.
    func testSentencePieceBPEModelFile() throws {
        try check("spmbpe", withConfig: false)
        try check("spmbpe", withConfig: true)
    }

    /// tokenizer_config.json options the classes read: prepend schemes never and first, cased ALBERT with
    /// accents kept, DeBERTa's split_by_punct and do_lower_case, SentencePiece's non-legacy dummy prefix.
    func testOptionsFromTokenizerConfig() throws {
        let corpus = SentencePieceParityTests.corpus
        XCTAssertEqual(corpus.variants.count, 5)
        for variant in corpus.variants {
            let family = try XCTUnwrap(corpus.families[variant.family])
            let directory = try scratchDirectory("explain-spm")
            try FileManager.default.copyItem(
                at: SentencePieceParityTests.root.appendingPathComponent(variant.family).appendingPathComponent(family.modelFile),
                to: directory.appendingPathComponent(family.modelFile))
            let config = variant.tokenizerConfig.json
            try JSONFile.write(config, to: directory.appendingPathComponent("tokenizer_config.json"))
            let tokenizer = try Tokenizer.load(directory: directory)
            assertParity(tokenizer, strings: corpus.variantStrings, expected: variant.expected,
                         label: "\(variant.family) \(JSONSerializer.string(config))")
        }
    }
}
