import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport

/// Hostile tokenizer files get an error naming the file, the field and the problem, never a crash; and the ids a
/// tokenizer can emit are checked at load (issue 23).
final class HostileTokenizerTests: XCTestCase {
    let vocab = #"{"a": 0, "b": 1, "ab": 2, "<s>": 3, "</s>": 4, "[UNK]": 5}"#

    func bpe(merges: String = #"["a b"]"#, vocab: String? = nil, extra: String = "") -> String {
        #"{"model": {"type": "BPE", "unk_token": "[UNK]", "vocab": \#(vocab ?? self.vocab), "merges": \#(merges)}\#(extra)}"#
    }

    func testMalformedJSON() throws {
        try assertMalformed(["tokenizer.json": "{"], reason: "not valid JSON")
        try assertMalformed(["tokenizer.json": "{\"model\": {}} trailing"], reason: "not valid JSON")
        try assertMalformed(["tokenizer.json": "[]"], reason: "expected an object")
        try assertMalformed(["tokenizer.json": bpe(merges: #"{"a": 1}"#)], reason: "model.merges: expected an array")
    }

    func testUnknownComponentTypesAreNamed() throws {
        try assertMalformed(["tokenizer.json": bpe(extra: #", "normalizer": {"type": "Frobnicate"}"#)],
                            reason: #"normalizer: unknown normalizer type "Frobnicate""#)
        try assertMalformed(["tokenizer.json": bpe(extra: #", "pre_tokenizer": {"type": "Sequence", "pretokenizers": [{"type": "ByteLevel"}, {"type": "Nope"}]}"#)],
                            reason: #"pre_tokenizer.pretokenizers[1]: unknown pre-tokenizer type "Nope""#)
        try assertMalformed(["tokenizer.json": bpe(extra: #", "post_processor": {"type": "Bogus"}"#)],
                            reason: #"post_processor: unknown post-processor type "Bogus""#)
        try assertMalformed(["tokenizer.json": #"{"model": {"type": "Magic", "vocab": {}}}"#], reason: #"model: unknown model type "Magic""#)
        try assertMalformed(["tokenizer.json": bpe(extra: #", "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(a"}, "behavior": "Isolated"}"#)],
                            reason: "pre_tokenizer.pattern.Regex: missing \")\"")
        try assertMalformed(["tokenizer.json": bpe(extra: #", "pre_tokenizer": {"type": "Split", "pattern": {"String": "a"}, "behavior": "Sideways"}"#)],
                            reason: #"pre_tokenizer.behavior: unknown behavior "Sideways""#)
    }

    func testMergesNamingUnknownTokens() throws {
        try assertMalformed(["tokenizer.json": bpe(merges: #"["a c"]"#)], reason: #"model.merges[0]: the merge names "c", not in vocab"#)
        try assertMalformed(["tokenizer.json": bpe(merges: #"["a b", "b a"]"#)], reason: #"model.merges[1]: the merge makes "ba", not in vocab"#)
        try assertMalformed(["tokenizer.json": bpe(merges: #"["a b c"]"#)], reason: "model.merges[0]: a merge is two tokens")
        try assertMalformed(["tokenizer.json": bpe(merges: #"[["a"]]"#)], reason: "model.merges[0]: a merge is a pair")
        try assertMalformed(["vocab.json": vocab, "merges.txt": "#version: 0.2\na b\nb z\n"], file: "merges.txt",
                            reason: #"the merge names "z", not in vocab"#)
    }

    func testDuplicatePieces() throws {
        try assertMalformed(["tokenizer.json": bpe(vocab: #"{"a": 0, "b": 1, "ab": 2, "a": 3}"#)], reason: "duplicate key \"a\"")
        try assertMalformed(["tokenizer.json": bpe(vocab: #"{"a": 0, "b": 1, "ab": 1, "[UNK]": 3}"#)],
                            reason: #"model.vocab.ab: id 1 is also the id of "b""#)
        try assertMalformed(["tokenizer.json": bpe(vocab: #"{"a": 0, "b": 1, "ab": 1099511627776}"#)], reason: "out of range")
        try assertMalformed(["tokenizer.json": bpe(vocab: #"{"a": 0, "b": 1, "ab": -1}"#)], reason: "out of range")
    }

    /// Every id a post-processor can emit must be in the vocabulary, and the template must leave room for text.
    func testSpecialTokenIDsAreCheckedAtLoad() throws {
        try assertMalformed(["tokenizer.json": bpe(extra: #", "post_processor": {"type": "RobertaProcessing", "cls": ["<s>", 3], "sep": ["</s>", 40000]}"#)],
                            reason: #"the post-processor's "</s>" has id 40000, outside the vocabulary of 6"#)
        try assertMalformed(["tokenizer.json": bpe(extra: #", "post_processor": {"type": "BertProcessing", "cls": ["<s>", 3], "sep": ["</s>", 1099511627776]}"#)],
                            reason: "post_processor.sep[1]: 1099511627776 is out of range")
        try assertMalformed(["tokenizer.json": bpe(extra: #", "added_tokens": [{"id": -5, "content": "x"}]"#)], reason: "added_tokens[0].id")
        let many = Array(repeating: #"{"SpecialToken": {"id": "<s>", "type_id": 0}}"#, count: 300).joined(separator: ", ")
        try assertMalformed(["tokenizer.json": bpe(extra: #", "post_processor": {"type": "TemplateProcessing", "single": [\#(many), {"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}}}"#),
                             "tokenizer_config.json": #"{"model_max_length": 256}"#],
                            reason: "the post-processor adds 300 tokens, leaving no room in the maximum length 256")
    }

    /// The limit holds after post-processing: specials included, never past `maxLength`.
    func testTokenLimitCountsSpecialTokens() throws {
        let three = #"[{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}]"#
        let url = try directory(["tokenizer.json": bpe(extra: #", "post_processor": {"type": "TemplateProcessing", "single": \#(three), "special_tokens": {"<s>": {"id": "<s>", "ids": [3], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [4], "tokens": ["</s>"]}}}"#)])
        let tokenizer = try Tokenizer.load(directory: url)
        XCTAssertEqual(tokenizer.encode("abab").ids, [3, 3, 2, 2, 4])
        for limit in 1...5 {
            let encoding = tokenizer.encode("ababab", maxLength: limit)
            XCTAssertLessThanOrEqual(encoding.tokens.count, limit, "maxLength \(limit)")
            XCTAssertTrue(encoding.truncated)
        }
        XCTAssertEqual(tokenizer.encode("ababab", maxLength: 5).ids, [3, 3, 2, 2, 4])
    }

    /// A tokenizer without a post-processor (valid for HF) works: no special tokens, and empty text has no tokens.
    func testNoPostProcessor() throws {
        let tokenizer = try Tokenizer.load(directory: try directory(["tokenizer.json": bpe()]))
        XCTAssertEqual(tokenizer.encode("ab").ids, [2])
        XCTAssertEqual(tokenizer.encode("abc").ids, [2, 5])
        XCTAssertEqual(tokenizer.encode("").tokens, [])
        XCTAssertEqual(tokenizer.encode("ab", maxLength: 1).ids, [2])
        XCTAssertNil(tokenizer.clsID)
        XCTAssertNil(tokenizer.maskID)
        XCTAssertEqual(tokenizer.unkID, 5)
    }
}

