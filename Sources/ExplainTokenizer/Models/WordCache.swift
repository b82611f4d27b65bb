import Synchronization

/// Words already tokenized by a model, shared by every thread encoding with one tokenizer; full at `capacity`
/// words, as HF's model caches (BPE's and Unigram's) are. A cache never changes a result, only its cost.
final class WordCache: Sendable {
    static let longestWord = 256
    static let capacity = 10_000
    private let words = Mutex<[[Unicode.Scalar]: [ModelToken]]>([:])

    /// Appends the tokens of `word`: the cached ones, else those `compute` appends (then cached).
    func tokenize(_ word: [Unicode.Scalar], into tokens: inout [ModelToken],
                  _ compute: ([Unicode.Scalar], inout [ModelToken]) -> Void) {
        if word.isEmpty { return }
        let cacheable = word.count < Self.longestWord
        if cacheable, let known = words.withLock({ $0[word] }) {
            tokens.append(contentsOf: known)
            return
        }
        let mark = tokens.count
        compute(word, &tokens)
        if cacheable {
            let found = Array(tokens[mark...])
            words.withLock { cached in
                if cached.count < Self.capacity { cached[word] = found }
            }
        }
    }
}
