/// HF tokenizers' `Unigram` model (models/unigram/model.rs, after sentencepiece's unigram_model.cc): the
/// Viterbi path through the lattice of every vocabulary piece found in a word, scored by the pieces' log
/// probabilities. A character no piece covers becomes the unknown piece at the lowest score minus 10; runs
/// of unknown characters fuse into one token; with `byte_fallback`, a run whose bytes all have `<0xXX>`
/// pieces becomes those instead. Offsets are UTF-8 byte ranges of the word handed in.
struct Unigram: Sendable {
    let pieces: [String]
    let scores: [Double]
    /// Required: HF fails on any character outside the vocabulary without one, so we refuse such a file at load.
    let unknownID: Int
    let byteFallback: Bool
    private let trie: UnigramTrie
    /// HF's `min_score - K_UNK_PENALTY`.
    private let unknownScore: Double
    /// The id of `<0xXX>` per byte, or -1.
    private let byteIDs: [Int32]
    /// Words already tokenized, as HF's Unigram cache.
    private let cache = WordCache()

    struct VocabularyError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// `vocabulary[id]` is the piece and score of id. Refuses what HF would fail on later or silently
    /// mishandle: an empty vocabulary, an `unk_id` outside it, a repeated piece (HF keeps the last one's id
    /// for both), a score that is not a number.
    init(vocabulary: [(piece: String, score: Double)], unknownID: Int, byteFallback: Bool) throws(VocabularyError) {
        guard !vocabulary.isEmpty else { throw VocabularyError(reason: "the Unigram vocabulary is empty") }
        guard vocabulary.indices.contains(unknownID) else {
            throw VocabularyError(reason: "unk_id \(unknownID) is outside the \(vocabulary.count) pieces")
        }
        var seen: [[UInt8]: Int] = [:]
        seen.reserveCapacity(vocabulary.count)
        var minScore = Double.infinity
        for (id, entry) in vocabulary.enumerated() {
            if let first = seen.updateValue(id, forKey: Array(entry.piece.utf8)) {
                throw VocabularyError(reason: "piece \"\(entry.piece)\" appears twice (ids \(first) and \(id))")
            }
            guard entry.score.isFinite else {
                throw VocabularyError(reason: "piece \"\(entry.piece)\" has score \(entry.score)")
            }
            minScore = min(minScore, entry.score)
        }
        pieces = vocabulary.map(\.piece)
        scores = vocabulary.map(\.score)
        self.unknownID = unknownID
        self.byteFallback = byteFallback
        trie = UnigramTrie(pieces: pieces)
        unknownScore = minScore - 10
        var byteIDs = [Int32](repeating: -1, count: 256)
        for byte in 0..<256 {
            let name = "<0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true) + ">"
            if let id = seen[Array(name.utf8)] { byteIDs[byte] = Int32(id) }
        }
        self.byteIDs = byteIDs
    }

    func id(of piece: String) -> Int? {
        trie.id(of: piece.utf8)
    }

    /// Tokenizes one word (valid UTF-8), calling `emit(id, byteRange)` per token in order.
    func tokenize(_ word: UnsafeBufferPointer<UInt8>, _ emit: (Int, Range<Int>) -> Void) {
        let size = word.count
        if size == 0 { return }
        // The best path ending at each byte position: its score, where its last piece starts, and that piece.
        var bestScore = [Double](repeating: 0, count: size + 1)
        var startsAt = [Int32](repeating: -1, count: size + 1)
        var pieceAt = [Int32](repeating: 0, count: size + 1)
        var start = 0
        while start < size {
            let scoreHere = bestScore[start]
            let characterLength = Self.utf8Length(word[start])
            var coversCharacter = false
            trie.forEachPrefix(of: word, from: start) { id, end in
                let candidate = scores[id] + scoreHere
                if startsAt[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    startsAt[end] = Int32(start)
                    pieceAt[end] = Int32(id)
                }
                if end - start == characterLength { coversCharacter = true }
            }
            if !coversCharacter {
                let end = min(start + characterLength, size)
                let candidate = unknownScore + scoreHere
                if startsAt[end] < 0 || candidate > bestScore[end] {
                    bestScore[end] = candidate
                    startsAt[end] = Int32(start)
                    pieceAt[end] = Int32(unknownID)
                }
            }
            start += characterLength
        }

        // Back from the end; consecutive unknown pieces fuse into one span.
        var path: [(id: Int, range: Range<Int>)] = []
        var end = size
        var unknownEnd: Int?
        while end > 0 {
            let begin = Int(startsAt[end])
            let id = Int(pieceAt[end])
            if id == unknownID {
                if unknownEnd == nil { unknownEnd = end }
            } else {
                if let stop = unknownEnd {
                    path.append((unknownID, end..<stop))
                    unknownEnd = nil
                }
                path.append((id, begin..<end))
            }
            end = begin
        }
        if let stop = unknownEnd { path.append((unknownID, 0..<stop)) }

        for (id, range) in path.reversed() {
            guard id == unknownID else {
                emit(id, range)
                continue
            }
            // HF looks the fused text up again: it may be a piece itself, else bytes, else unknown.
            let bytes = UnsafeBufferPointer(rebasing: word[range])
            if let piece = trie.id(of: bytes) {
                emit(piece, range)
            } else if byteFallback, bytes.allSatisfy({ byteIDs[Int($0)] >= 0 }) {
                for byte in bytes { emit(Int(byteIDs[Int(byte)]), range) }
            } else {
                emit(id, range)
            }
        }
    }

    /// The length of the UTF-8 sequence a lead byte starts (1 for a stray continuation byte).
    @inline(__always)
    private static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }
}

extension Unigram: TokenizerModel {
    /// `{"type": "Unigram", "unk_id": 3, "vocab": [["<s>", 0.0], ...], "byte_fallback": false}`.
    init(json: JSONNode) throws {
        var vocabulary: [(piece: String, score: Double)] = []
        for entry in try json.required("vocab").elements {
            let pair = try entry.elements
            guard pair.count == 2 else { throw entry.error("expected [piece, score]") }
            vocabulary.append((try pair[0].string, try pair[1].number))
        }
        guard let unknownID = try json.integer("unk_id", in: 0...TokenizerModels.largestID) else {
            throw json.error("a Unigram model without unk_id (HF fails on any character outside its vocabulary)")
        }
        let byteFallback = try json.bool("byte_fallback", default: false)
        do {
            try self.init(vocabulary: vocabulary, unknownID: unknownID, byteFallback: byteFallback)
        } catch {
            throw json.error(error.reason)
        }
    }

    var vocabularySize: Int { pieces.count }

    func id(forToken token: String) -> Int? { id(of: token) }

    func token(forID id: Int) -> String? { pieces.indices.contains(id) ? pieces[id] : nil }

    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        cache.tokenize(word, into: &tokens, viterbi)
    }

    private func viterbi(_ word: [Unicode.Scalar], into tokens: inout [ModelToken]) {
        // HF works on the word's UTF-8; spans come back in bytes and go out in scalars.
        var utf8: [UInt8] = []
        var scalarAt: [Int32] = []  // scalar index of each byte, plus the end
        utf8.reserveCapacity(word.count * 2)
        scalarAt.reserveCapacity(word.count * 2 + 1)
        for (i, s) in word.enumerated() {
            let before = utf8.count
            utf8.append(contentsOf: Unicode.UTF8.encode(s)!)
            scalarAt.append(contentsOf: repeatElement(Int32(i), count: utf8.count - before))
        }
        scalarAt.append(Int32(word.count))
        utf8.withUnsafeBufferPointer { bytes in
            tokenize(bytes) { id, range in
                let start = Int(scalarAt[range.lowerBound]), end = Int(scalarAt[range.upperBound])
                var token = ModelToken(id: id, start: start, end: end)
                if id == unknownID {  // HF shows the text an unknown piece covers
                    var text = String.UnicodeScalarView()
                    text.append(contentsOf: word[start..<end])
                    token.text = String(text)
                }
                tokens.append(token)
            }
        }
    }
}
