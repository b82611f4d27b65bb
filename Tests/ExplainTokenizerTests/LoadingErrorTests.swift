import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport

/// Every missing or malformed file is a TokenizerError naming the file and the problem, never a crash.
final class LoadingErrorTests: XCTestCase {
    let smallVocab = ###"{"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4, "hello": 5, "##s": 6}"###

    func testMissingDirectory() {
        let url = URL(fileURLWithPath: "/nonexistent/explain-tokenizer")
        XCTAssertThrowsError(try Tokenizer.load(directory: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingFile("no tokenizer directory at \(url.path)"))
        }
    }

    func testDirectoryWithoutTokenizerFiles() throws {
        let url = try directory(["config.json": "{}"])
        XCTAssertThrowsError(try Tokenizer.load(directory: url)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingFile("no tokenizer.json, vocab.txt, vocab.json + merges.txt or SentencePiece model "
                + "(sentencepiece.bpe.model, spiece.model, spm.model, tokenizer.model) in \(url.path)"))
            XCTAssert("\(error)".contains(url.path))
        }
    }

    func testMalformedTokenizerJSON() throws {
        try assertMalformed(["tokenizer.json": "{\"model\": "], file: "tokenizer.json", reason: "not valid JSON: unexpected end of input at byte 10")
        try assertMalformed(["tokenizer.json": "[1, 2]"], file: "tokenizer.json", reason: "expected")
        try assertMalformed(["tokenizer.json": "{}"], file: "tokenizer.json", reason: "missing field \"model\"")
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {"a": "one"}}}"#],
                            file: "tokenizer.json", reason: "model.vocab.a: expected")
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {"a": 1.5}}}"#],
                            file: "tokenizer.json", reason: "model.vocab.a: 1.5 is not an integer")
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {"a": -3}}}"#],
                            file: "tokenizer.json", reason: "out of range")
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "WordPiece", "vocab": {}}}"#],
                            file: "tokenizer.json", reason: "empty")
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "Foo", "vocab": {"a": 0}}}"#],
                            file: "tokenizer.json", reason: "model: unknown model type \"Foo\"")
        try assertMalformed(["tokenizer.json": #"{"model": {"vocab": {"[CLS]": 0, "[SEP]": 1}}}"#],
                            file: "tokenizer.json", reason: "unk_token \"[UNK]\"")
        // A special token named by tokenizer_config.json must exist; one nothing names may be missing.
        try assertMalformed(["tokenizer.json": #"{"model": {"vocab": {"[UNK]": 0, "[SEP]": 1, "[PAD]": 2, "[MASK]": 3}}}"#,
                             "tokenizer_config.json": #"{"cls_token": "[CLS]"}"#],
                            file: "tokenizer.json", reason: "no cls token \"[CLS]\"")
        try assertMalformed(["tokenizer.json": #"{"normalizer": {"type": "Sequence", "normalizers": [{"type": "Foo"}]}, "model": {"vocab": \#(smallVocab)}}"#],
                            file: "tokenizer.json", reason: "normalizer.normalizers[0]: unknown normalizer type \"Foo\"")
        try assertMalformed(["tokenizer.json": #"{"pre_tokenizer": {"type": "Foo"}, "model": {"vocab": \#(smallVocab)}}"#],
                            file: "tokenizer.json", reason: "pre_tokenizer: unknown pre-tokenizer type \"Foo\"")
        try assertMalformed(["tokenizer.json": #"{"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[X]"}}, {"Sequence": {"id": "A"}}], "special_tokens": {}}, "model": {"vocab": \#(smallVocab)}}"#],
                            file: "tokenizer.json", reason: "no ids for \"[X]\"")
        try assertMalformed(["tokenizer.json": #"{"added_tokens": [{"id": 1, "content": ""}], "model": {"vocab": \#(smallVocab)}}"#],
                            file: "tokenizer.json", reason: "added_tokens[0]: empty content")
        try assertMalformed(["tokenizer.json": #"{"normalizer": {"type": "BertNormalizer", "lowercase": "yes"}, "model": {"vocab": \#(smallVocab)}}"#],
                            file: "tokenizer.json", reason: "normalizer.lowercase")
    }

    func testMalformedVocabText() throws {
        try assertMalformed(["vocab.txt": ""], file: "vocab.txt", reason: "empty")
        try assertMalformed(["vocab.txt": "[PAD]\n[CLS]\n[SEP]\n[MASK]\nhello\n"], file: "vocab.txt",
                            reason: "no unk token \"[UNK]\"")
        try assertMalformed(["vocab.txt": "[PAD]\n[UNK]\n[SEP]\n[MASK]\nhello\n"], file: "vocab.txt",
                            reason: "no cls token \"[CLS]\"")
        // The special tokens' names come from tokenizer_config.json.
        try assertMalformed(["vocab.txt": "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n",
                             "tokenizer_config.json": #"{"cls_token": "<s>"}"#],
                            file: "vocab.txt", reason: "no cls token \"<s>\"")
        let url = try directory([:])
        try Data([0x5B, 0x55, 0x4E, 0x4B, 0x5D, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: url.appendingPathComponent("vocab.txt"))
        XCTAssertThrowsError(try Tokenizer.load(directory: url)) { error in
            XCTAssertEqual(error as? TokenizerError,
                           .malformed(file: url.appendingPathComponent("vocab.txt").path, reason: "not UTF-8 text"))
        }
    }

    func testMalformedTokenizerConfig() throws {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": "{do_lower_case: true}"],
                            file: "tokenizer_config.json", reason: "not valid JSON: unexpected byte 'd' at byte 1")
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": #"{"do_lower_case": "yes"}"#],
                            file: "tokenizer_config.json", reason: "do_lower_case: expected true or false, found string")
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": #"{"model_max_length": "512"}"#],
                            file: "tokenizer_config.json", reason: "model_max_length")
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": #"{"model_max_length": 12.5}"#],
                            file: "tokenizer_config.json", reason: "model_max_length must be an integer ≥ 2")
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": #"{"model_max_length": 0}"#],
                            file: "tokenizer_config.json", reason: "model_max_length must be an integer ≥ 2")
        try assertMalformed(["vocab.txt": vocab, "tokenizer_config.json": #"{"cls_token": 7}"#],
                            file: "tokenizer_config.json", reason: "cls_token")
        // Also next to a tokenizer.json, and special_tokens_map.json likewise.
        let json = #"{"model": {"vocab": \#(smallVocab)}}"#
        try assertMalformed(["tokenizer.json": json, "tokenizer_config.json": "nope"],
                            file: "tokenizer_config.json", reason: "not valid JSON")
        try assertMalformed(["tokenizer.json": json, "special_tokens_map.json": "[]"],
                            file: "special_tokens_map.json", reason: "expected")
    }

    /// transformers 5 reads vocab.txt lines split at "\n" with trailing whitespace trimmed (checked with
    /// `BertTokenizerFast.from_pretrained` on this very file): ids are line numbers, a lone "\r" stays.
    func testVocabTextLineEndingsAsTransformers() throws {
        let url = try directory([:])
        try Data("[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello \r\nworld\n\nfoo\rbar\n".utf8)
            .write(to: url.appendingPathComponent("vocab.txt"))
        let tokenizer = try Tokenizer.load(directory: url)
        XCTAssertEqual([tokenizer.padID, tokenizer.unkID, tokenizer.clsID, tokenizer.sepID, tokenizer.maskID], [0, 1, 2, 3, 4])
        XCTAssertEqual(tokenizer.id(forToken: "hello"), 5)
        XCTAssertEqual(tokenizer.id(forToken: "world"), 6)
        XCTAssertEqual(tokenizer.id(forToken: ""), 7)
        XCTAssertEqual(tokenizer.id(forToken: "foo\rbar"), 8)
        XCTAssertEqual(tokenizer.vocabularySize, 9)
        XCTAssertEqual(tokenizer.encode("Hello, world").ids, [2, 5, 1, 6, 3])
    }

    /// transformers writes int(1e30) as model_max_length when a model sets none; that means "no limit".
    func testUnsetModelMaxLengthFallsBack() throws {
        let vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\n"
        let huge = try Tokenizer.load(directory: directory([
            "vocab.txt": vocab, "tokenizer_config.json": #"{"model_max_length": 1000000000000000019884624838656}"#]))
        XCTAssertEqual(huge.maxLength, 512)
        let json = #"{"truncation": {"max_length": 128}, "model": {"vocab": \#(smallVocab)}}"#
        XCTAssertEqual(try Tokenizer.load(directory: directory(["tokenizer.json": json])).maxLength, 128)
        XCTAssertEqual(try Tokenizer.load(directory: directory([
            "tokenizer.json": json, "tokenizer_config.json": #"{"model_max_length": 64}"#])).maxLength, 64)
    }

    /// A minimal tokenizer.json: no normalizer, no pre-tokenizer or post-processor sections.
    func testMinimalTokenizerJSON() throws {
        let bare = try Tokenizer.load(directory: directory(["tokenizer.json": #"{"model": {"vocab": \#(smallVocab)}}"#]))
        XCTAssertEqual(bare.encode("hellos").tokens.map(\.text), ["hello", "##s"])
        XCTAssertEqual(bare.encode("Hello").ids, [1])
        XCTAssertEqual(bare.vocabularySize, 7)
        let bert = try Tokenizer.load(directory: directory(["tokenizer.json": #"""
            {"normalizer": {"type": "BertNormalizer"},
             "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "WhitespaceSplit"}, {"type": "Punctuation", "behavior": "Isolated"}]},
             "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
             "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": \#(smallVocab)}}
            """#]))
        let encoding = bert.encode("Hellos, hello")
        XCTAssertEqual(encoding.ids, [2, 5, 6, 1, 5, 3])
        XCTAssertEqual(encoding.tokens.map(\.start), [nil, 0, 5, 6, 8, nil])
        XCTAssertEqual(encoding.words.map(\.text), ["Hellos", ",", "hello"])
    }
}
