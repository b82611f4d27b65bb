import ExplainTokenizer
import Foundation
import XCTest

/// Truncation and the words list.
final class EncodingTests: XCTestCase {
    /// HF with truncation=True, max_length 8 and 16: the first max_length - 2 tokens, then [SEP].
    func testTruncationMatchesHF() throws {
        let cases = Fixtures.corpus.truncated
        XCTAssertGreaterThanOrEqual(cases.count, 10)
        for c in cases {
            let encoding = Fixtures.tokenizer.encode(c.text, maxLength: c.maxLength)
            let diff = differences(encoding, c.expected)
            XCTAssert(diff.isEmpty, "max_length \(c.maxLength), \"\(shown(c.text))\": " + diff.joined(separator: "; "))
            let full = Fixtures.tokenizer.encode(c.text)
            XCTAssertEqual(encoding.truncated, full.tokens.count > c.maxLength, "\"\(shown(c.text))\"")
            XCTAssertLessThanOrEqual(encoding.tokens.count, c.maxLength)
            XCTAssertFalse(full.truncated)
        }
    }

    func testTruncationKeepsSpecialsAndWholeWordsList() throws {
        let tokenizer = Fixtures.tokenizer
        // Tokens and offsets as HF gives them.
        let text = "tokenization overrated movie"
        let full = tokenizer.encode(text)
        XCTAssertEqual(full.tokens.map(\.text), ["[CLS]", "token", "##ization", "over", "##rated", "movie", "[SEP]"])
        XCTAssertEqual(full.tokens.map(\.start), [nil, 0, 5, 13, 17, 23, nil])
        let cut = tokenizer.encode(text, maxLength: 4)
        XCTAssertTrue(cut.truncated)
        XCTAssertEqual(cut.tokens.map(\.text), ["[CLS]", "token", "##ization", "[SEP]"])
        XCTAssertEqual(cut.words, [Word(text: "tokenization", start: 0, end: 12, tokens: [1, 2])])
        // A word cut in two keeps the part that remains.
        let half = tokenizer.encode(text, maxLength: 5)
        XCTAssertEqual(half.words.last, Word(text: "over", start: 13, end: 17, tokens: [3]))
        // Room for the specials only.
        let none = tokenizer.encode(text, maxLength: 2)
        XCTAssertEqual(none.ids, [101, 102])
        XCTAssertTrue(none.truncated)
        XCTAssertEqual(none.words, [])
        // Exactly full: nothing dropped.
        let exact = tokenizer.encode(text, maxLength: full.tokens.count)
        XCTAssertFalse(exact.truncated)
        XCTAssertEqual(exact, full)
    }

    func testWordsListTextOffsetsAndTokens() throws {
        let text = "Don't  İstanbul\u{00A0}café!! [MASK] 日本"
        let encoding = Fixtures.tokenizer.encode(text)
        XCTAssertEqual(encoding.tokens.map(\.text),
                       ["[CLS]", "don", "'", "t", "istanbul", "cafe", "!", "!", "[MASK]", "日", "本", "[SEP]"])
        let scalars = Array(text.unicodeScalars)
        func slice(_ a: Int, _ b: Int) -> String { String(String.UnicodeScalarView(scalars[a..<b])) }
        XCTAssertEqual(encoding.words.map(\.text), ["Don", "'", "t", "İstanbul", "café", "!", "!", "[MASK]", "日", "本"])
        XCTAssertEqual(encoding.words.map(\.tokens), [[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]])
        // HF's offsets: the NBSP and the double space are gaps; "İstanbul" and "café" keep their original length.
        XCTAssertEqual(encoding.words.map(\.start), [0, 3, 4, 7, 16, 20, 21, 23, 30, 31])
        XCTAssertEqual(encoding.words.map(\.end), [3, 4, 5, 15, 20, 21, 22, 29, 31, 32])
        for (index, word) in encoding.words.enumerated() {
            XCTAssertEqual(word.text, slice(word.start, word.end))
            for t in word.tokens {
                XCTAssertEqual(encoding.tokens[t].word, index)
            }
        }
        // A word of several tokens spans from its first token's start to its last one's end.
        let split = Fixtures.tokenizer.encode("ab tokenization")
        XCTAssertEqual(split.words.map(\.tokens), [[1], [2, 3]])
        XCTAssertEqual(split.words[1], Word(text: "tokenization", start: 3, end: 15, tokens: [2, 3]))
        XCTAssertEqual(split.tokens[3].start, 8)
        XCTAssertEqual(split.tokens[3].end, 15)
    }

    /// Every corpus encoding's words agree with its tokens: contiguous indices, spans covering the tokens.
    func testWordsConsistentAcrossCorpus() throws {
        for text in Fixtures.corpus.strings {
            let encoding = Fixtures.tokenizer.encode(text)
            let scalars = Array(text.unicodeScalars)
            var seen: [Int] = []
            for (i, token) in encoding.tokens.enumerated() where !token.special {
                guard let w = token.word, encoding.words.indices.contains(w) else {
                    XCTFail("\"\(shown(text))\": token \(i) has no valid word")
                    continue
                }
                seen.append(i)
                let word = encoding.words[w]
                XCTAssert(word.tokens.contains(i))
                XCTAssert(word.start <= token.start! && token.end! <= word.end, "\"\(shown(text))\"")
                XCTAssertEqual(word.text, String(String.UnicodeScalarView(scalars[word.start..<word.end])))
            }
            XCTAssertEqual(encoding.words.flatMap(\.tokens), seen, "\"\(shown(text))\"")
        }
    }
}
