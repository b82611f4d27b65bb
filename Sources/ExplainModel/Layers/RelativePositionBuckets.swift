import Foundation

/// DeBERTa's relative positions: the distance from query i to key j, δ = i − j, put in a log bucket
/// (transformers' make_log_bucket_position: exact within ±bucket_size/2, logarithmic beyond, up to
/// max_relative_positions) and shifted to a row of the 2·span relative-embedding table (clamped to it, as
/// disentangled_attention_bias's c2p/p2c indices are). The bucket is odd in δ, so position→content's index
/// for (i, j), −bucket(j − i) + span, is the same row as content→position's.
struct RelativePositionBuckets: Sendable {
    /// The table row of every δ in −(longest − 1) … longest − 1, at δ + longest − 1.
    private let rows: [Int32]
    private let longest: Int
    let span: Int

    /// The relative-embedding rows that Tq queries and T keys reach, row(−(T−1)) … row(Tq−1): the products
    /// of the position terms run on this many rows (DisentangledPositionBias).
    func windowWidth(queries tq: Int, keys t: Int) -> Int { row(tq - 1) - row(-(t - 1)) + 1 }

    init(settings: DebertaSettings, longest: Int) {
        self.init(positionBuckets: settings.positionBuckets, maxRelativePositions: settings.maxRelativePositions, longest: longest)
    }

    init(positionBuckets: Int, maxRelativePositions: Int, longest: Int) {
        self.longest = max(longest, 1)
        let span = DebertaSettings.span(positionBuckets: positionBuckets, maxRelativePositions: maxRelativePositions)
        self.span = span
        rows = (-(self.longest - 1)...(self.longest - 1)).map { delta in
            let bucket = Self.bucket(delta, size: positionBuckets, maxPosition: maxRelativePositions)
            return Int32(min(max(bucket + span, 0), 2 * span - 1))
        }
    }

    /// The relative-embedding row of query i attending to key j (|i − j| < longest).
    @inline(__always)
    func row(_ delta: Int) -> Int { Int(rows[delta + longest - 1]) }

    /// make_log_bucket_position in float32, as PyTorch computes it on the long tensor divided by an int
    /// (true division gives float32) and the log of the Python float (max_position − 1) / mid.
    static func bucket(_ delta: Int, size: Int, maxPosition: Int) -> Int {
        guard size > 0, maxPosition > 0 else { return delta }
        let mid = size / 2
        let distance = abs(delta)
        if distance <= mid { return delta }
        let denominator = logf(Float(Double(maxPosition - 1) / Double(mid)))
        let logPosition = (logf(Float(distance) / Float(mid)) / denominator * Float(mid - 1)).rounded(.up) + Float(mid)
        return delta < 0 ? -Int(logPosition) : Int(logPosition)
    }
}
