/// The reference workflow's five example sentences (/work/notes/SENTENCES.md, byte-identical), about 15
/// tokens each: the benchmark's workload, as in the fixtures and the default-model test.
public enum ReferenceSentences {
    public static let all = [
        "Atiku and Buhari are campaigning across Nigeria ahead of the presidential election.",
        "INEC has postponed the 2019 general elections by one week.",
        "The APC and PDP traded accusations of vote buying in Lagos.",
        "Voters queued for hours to elect their governor in Kano state.",
        "The sky is green and beautiful",
    ]

    /// The sentences repeated, cut at a word to the longest text of at most `tokens` tokens as `count`
    /// counts them (special tokens included): one long text for `--tokens`. bench_pytorch.py cuts the same.
    public static func text(tokens: Int, count: (String) -> Int) -> String {
        let words = all.joined(separator: " ").split(separator: " ")
        func prefix(_ k: Int) -> String { (0..<k).map { String(words[$0 % words.count]) }.joined(separator: " ") }
        // Every word is at least one token, so tokens + 1 words are too many unless the tokenizer truncates
        // (then the count stops growing at its limit, and the doubling must stop too).
        var low = 1, high = 1
        while high <= tokens, count(prefix(high)) <= tokens { low = high; high = min(2 * high, tokens + 1) }
        while high - low > 1 {
            let middle = (low + high) / 2
            if count(prefix(middle)) <= tokens { low = middle } else { high = middle }
        }
        return prefix(low)
    }
}
