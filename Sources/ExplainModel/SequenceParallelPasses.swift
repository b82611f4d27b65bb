import Foundation

/// Batched passes over many sequences (integrated-gradient probes, occlusions, noisy copies) split by
/// sequence across the worker pool: each thread runs whole passes over its share with single-threaded
/// products, so the cores never wait on each other between layers. One core at a time gets within 12% of
/// OpenBLAS's single-core peak on such batches; splitting every product instead cost a third more.
extension ClassifierModel {
    /// Below this many tokens in all, a batch runs as one pass with each product split across the cores.
    static let sequenceSplitMinimumTokens = 192
    /// Tokens per pass on one thread: the activations a pass keeps for its backward grow with it (about
    /// 90 KB per token for MiniLM), while the products gain nothing beyond about a hundred rows (MiniLM's
    /// 50-step integrated gradients: the same time with 128 as with 256, 5% more with 96, 13% with 64).
    /// The memory saved goes to the input-gradient copies (InputGradientBudget).
    public static let passTokenLimit = 128
    /// Passes the machine runs at once: its cores, not `threadCount`. The input-gradient copies and the
    /// grouping of a call's texts are sized by it, and both move results by rounding, so they must not follow
    /// `--threads`: a Ray job's one-thread daemons give the bytes a two-thread `explaind corpus` gives. Batches
    /// split into one group of sequences per core for the same reason.
    public static let concurrentPasses = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The logits of each sequence, and with `logitWeights` the input gradient of
    /// Σ_c w[c] · logit[c] where w = logitWeights(logits, sequence index) (T_i × H row-major).
    public func evaluate(_ input: ModelInput, logitWeights: (([Float], Int) -> [Float])?) -> [(logits: [Float], gradient: [Float])] {
        // One group per core whatever --threads says (fewer threads run them in turn): the passes, and so the
        // rounding, are the same for every thread count.
        let groups = Self.groups(lengths: input.ids.map(\.count), parts: Self.concurrentPasses)
        if groups.count < 2 {
            return evaluateInPasses(input, logitWeights: logitWeights, firstIndex: 0)
        }
        var results = [[(logits: [Float], gradient: [Float])]](repeating: [], count: groups.count)
        results.withUnsafeMutableBufferPointer { results in
            Parallel.forRanges(groups.count, minimumPerWorker: 1) { range in
                for g in range {
                    let members = groups[g]
                    let part = ModelInput(ids: Array(input.ids[members]), wordEmbeddings: input.wordEmbeddings.map { Array($0[members]) })
                    results[g] = evaluateInPasses(part, logitWeights: logitWeights, firstIndex: members.lowerBound)
                }
            }
        }
        return results.flatMap { $0 }
    }

    /// Consecutive passes of at most passTokenLimit tokens (a longer sequence gets a pass of its own).
    private func evaluateInPasses(_ input: ModelInput, logitWeights: (([Float], Int) -> [Float])?,
                                  firstIndex: Int) -> [(logits: [Float], gradient: [Float])] {
        Self.consecutiveRuns(lengths: input.ids.map(\.count), limit: Self.passTokenLimit).flatMap { run in
            let part = run.count == input.ids.count ? input
                : ModelInput(ids: Array(input.ids[run]), wordEmbeddings: input.wordEmbeddings.map { Array($0[run]) })
            return evaluateInOnePass(part, logitWeights: logitWeights, firstIndex: firstIndex + run.lowerBound)
        }
    }

    /// Consecutive runs of sequences, in order, each of at most `limit` tokens in all (a longer sequence is a
    /// run of its own): the passes of a batch, and the groups of a call's texts.
    public static func consecutiveRuns(lengths: [Int], limit: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = [], start = 0
        while start < lengths.count {
            var end = start + 1, tokens = lengths[start]
            while end < lengths.count, tokens + lengths[end] <= limit {
                tokens += lengths[end]
                end += 1
            }
            runs.append(start..<end)
            start = end
        }
        return runs
    }

    private func evaluateInOnePass(_ input: ModelInput, logitWeights: (([Float], Int) -> [Float])?,
                                   firstIndex: Int) -> [(logits: [Float], gradient: [Float])] {
        let pass = forward(input)
        guard let logitWeights else { return pass.logits.map { ($0, []) } }
        let weights = pass.logits.enumerated().map { logitWeights($1, firstIndex + $0) }
        return Array(zip(pass.logits, inputGradient(pass, logitWeights: weights)))
    }

    /// Contiguous groups of sequences with about equal token counts, one per part; a single group when the
    /// batch is too small to be worth splitting.
    static func groups(lengths: [Int], parts: Int) -> [Range<Int>] {
        let total = lengths.reduce(0, +)
        guard parts > 1, lengths.count >= 2, total >= sequenceSplitMinimumTokens else { return [0..<lengths.count] }
        let count = min(parts, lengths.count)
        var groups: [Range<Int>] = [], start = 0, seen = 0
        for (index, length) in lengths.enumerated() where groups.count < count - 1 && index + 1 < lengths.count {
            seen += length
            // Close the group here when that lands nearer its share of the tokens than taking the next one.
            let boundary = total * (groups.count + 1) / count
            if seen >= boundary || seen + lengths[index + 1] - boundary > boundary - seen {
                groups.append(start..<index + 1)
                start = index + 1
            }
        }
        groups.append(start..<lengths.count)
        return groups.filter { !$0.isEmpty }
    }
}
