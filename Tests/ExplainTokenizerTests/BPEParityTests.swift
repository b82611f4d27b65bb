import ExplainTokenizer
import Foundation
import XCTest
import ExplainTestSupport
import ExplainJSON

/// Byte-level and character BPE tokenizers trained by HF `tokenizers`, against what it gives for a few hundred
/// hostile strings (Tests/Fixtures/bpe/, written by Scripts/reference/make_bpe_tokenizer_fixtures.py): ids, tokens,
/// offsets, special flags and words, exactly.
final class BPEParityTests: XCTestCase {
    struct Reference: JSONRecord {
        var strings: [String]
        var expected: [Corpus.Expected]
    }

    func assertFamily(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = Fixtures.root.appendingPathComponent("bpe/\(name)")
        let reference: Reference = try JSONFile.read(directory.appendingPathComponent("expected.json"))
        XCTAssertGreaterThanOrEqual(reference.strings.count, 300, file: file, line: line)
        let tokenizer = try Tokenizer.load(directory: directory)
        assertParity(tokenizer, strings: reference.strings, expected: reference.expected, label: name, file: file, line: line)
    }

    /// RoBERTa: ByteLevel, RobertaProcessing with trim_offsets, <mask> with lstrip.
    func testRoberta() throws { try assertFamily("roberta") }

    /// RoBERTa with add_prefix_space in the pre-tokenizer and the post-processor.
    func testRobertaWithPrefixSpace() throws { try assertFamily("roberta-prefix") }

    /// GPT-2: ByteLevel, the ByteLevel post-processor without trimming, no special tokens around the text.
    func testGPT2() throws { try assertFamily("gpt2") }

    /// Character BPE with a fused unknown token, continuing_subword_prefix, end_of_word_suffix; NFKC, Replace
    /// (regex, string), Lowercase, Strip, Prepend; Split (regex, every behavior, invert), Punctuation, Digits;
    /// added tokens with single_word and rstrip; TemplateProcessing.
    func testSplitReplace() throws { try assertFamily("split-replace") }

    /// byte_fallback, NFD + StripAccents, WhitespaceSplit + Whitespace, a Sequence of ByteLevel and
    /// TemplateProcessing post-processors.
    func testByteFallback() throws { try assertFamily("bytefallback") }

    /// vocab.json + merges.txt + tokenizer_config.json alone, as transformers builds RobertaTokenizerFast from them.
    func testSlowRobertaFiles() throws { try assertFamily("slow-roberta") }
}
