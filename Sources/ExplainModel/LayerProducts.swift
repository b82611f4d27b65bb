/// The matrix products of one encoder layer, for the benchmark's replay of a pass's products alone
/// (ExplainBenchmark's GradientPassProducts): the layer's own packed weights and the same calls, nothing
/// else. SPI: the layers themselves stay internal.
@_spi(Benchmark) public struct LayerProducts {
    public enum Dense: CaseIterable { case queryKeyValue, output, expand, project }
    public let headCount: Int
    private let layer: EncoderLayer

    init(_ layer: EncoderLayer) {
        self.layer = layer
        headCount = layer.attention.headCount
    }

    private func linear(_ which: Dense) -> Linear {
        switch which {
        case .queryKeyValue: return layer.attention.queryKeyValue
        case .output: return layer.attention.output
        case .expand: return layer.feedForward.expand
        case .project: return layer.feedForward.project
        }
    }

    /// Bytes of the dense weights a pass reads in this layer: each product's packed copy, and the input
    /// gradient's own copy where the layer has one.
    public var weightBytes: Int {
        Dense.allCases.reduce(0) { total, which in
            let linear = linear(which)
            return total + linear.inputSize * linear.outputSize * MemoryLayout<Float>.size * (linear.hasInputGradientCopy ? 2 : 1)
        }
    }

    /// y = x·Wᵀ + b through the layer's dense product `which`.
    public func forward(_ which: Dense, _ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int) {
        linear(which).forward(y, x, rows: rows)
    }

    /// dx += dy·W through the layer's dense product `which`.
    public func backward(_ which: Dense, dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int) {
        linear(which).backward(dx: dx, dy: dy, rows: rows)
    }

    /// An attention product as SelfAttention makes it (BLAS.gemm).
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                  beta: beta, c: c, ldc: ldc)
    }

    /// The heads split across the worker pool as SelfAttention splits them.
    public static func forRanges(_ count: Int, minimumPerWorker: Int, _ body: (Range<Int>) -> Void) {
        Parallel.forRanges(count, minimumPerWorker: minimumPerWorker, body)
    }
}

extension ClassifierModel {
    /// The BERT family's layers; none for ModernBERT, whose replay the benchmark does not model.
    @_spi(Benchmark) public var layerProducts: [LayerProducts] {
        (network as? BertFamilyNetwork)?.encoder.layers.map(LayerProducts.init) ?? []
    }
}

/// The sizes of the attention products that depend on more than the shape, for the benchmark's FLOP count:
/// computed by the layers' own partitions, so the count follows what the pass issues.
@_spi(Benchmark) public enum AttentionProductSizes {
    /// ModernBERT: the (query, key) scores one head computes over T tokens (halfWindow nil: a global layer).
    public static func scoreCount(length: Int, halfWindow: Int?) -> Int {
        RotaryAttention.scoreCount(length: length, halfWindow: halfWindow)
    }

    /// DeBERTa: the relative-embedding rows Tq queries and T keys reach.
    public static func relativeRows(positionBuckets: Int, maxRelativePositions: Int, queries: Int, keys: Int) -> Int {
        RelativePositionBuckets(positionBuckets: positionBuckets, maxRelativePositions: maxRelativePositions, longest: max(queries, keys))
            .windowWidth(queries: queries, keys: keys)
    }
}
