import XCTest
@testable import ExplainModel

/// ModernBERT's layers: each backward against finite differences, the query-block (banded) attention
/// against a dense masked reference, and the local layers' work and memory growing as T, not T².
extension LayerGradientTests {
    /// Sequences of 7 and 19 tokens: longer than a half window of 3, so blocks and band edges are probed.
    var longSpans: [SequenceSpan] { [SequenceSpan(offset: 0, length: 7), SequenceSpan(offset: 7, length: 19)] }

    func rotaryAttention(halfWindow: Int?, hidden: Int = 8, heads: Int = 2) -> RotaryAttention {
        RotaryAttention(queryKeyValue: linear(3 * hidden, hidden, scale: 0.8), output: linear(hidden, hidden), headCount: heads,
                        rotary: RotaryEmbedding(theta: 10, headSize: hidden / heads), halfWindow: halfWindow)
    }

    func run(_ attention: RotaryAttention, _ x: [Float], spans: [SequenceSpan]) -> ([Float], RotaryAttention.Cache) {
        let longest = spans.map(\.length).max()!
        let cache = RotaryAttention.Cache(attention: attention, spans: spans, rotation: attention.rotary.table(positions: longest))
        var y = [Float](repeating: 0, count: x.count)
        y.withUnsafeMutableBufferPointer { attention.forward($0.baseAddress!, x, cache: cache) }
        return (y, cache)
    }

    func testRotaryAttention() {
        let rows = 26, h = 8
        for halfWindow in [nil, 3, 1] as [Int?] {
            let layer = rotaryAttention(halfWindow: halfWindow)
            checkGradient("rotary attention, half window \(halfWindow.map(String.init) ?? "global")", inputCount: rows * h, outputCount: rows * h,
                          step: 1e-3, forward: { run(layer, $0, spans: longSpans).0 }, backward: { x, r in
                let cache = run(layer, x, spans: longSpans).1
                var dx = [Float](repeating: 0, count: rows * h)
                dx.withUnsafeMutableBufferPointer { layer.backward(dx: $0.baseAddress!, dy: r, cache: cache) }
                return dx
            })
        }
    }

    /// The blocks give what attention over the whole T × T score matrix gives with the keys farther than
    /// the half window masked to −∞ (transformers' sliding-window mask, |i − j| ≤ local_attention / 2).
    func testBandedAttentionEqualsDenseMaskedAttention() {
        let h = 8, heads = 2, d = 4, t = 45
        for halfWindow in [1, 3, 8, 50] {
            let layer = rotaryAttention(halfWindow: halfWindow)
            let x = random.floats(t * h)
            let banded = run(layer, x, spans: [SequenceSpan(offset: 0, length: t)]).0
            // Dense reference: Q, K, V, rotary on Q and K, full scores, mask, softmax, context, output.
            var qkv = [Float](repeating: 0, count: t * 3 * h)
            qkv.withUnsafeMutableBufferPointer { q in
                layer.queryKeyValue.forward(q.baseAddress!, x, rows: t)
                let table = layer.rotary.table(positions: t)
                for head in 0..<heads {
                    for part in 0..<2 {
                        layer.rotary.rotate(q.baseAddress! + part * h + head * d, count: t, stride: 3 * h, firstPosition: 0, table: table, inverse: false)
                    }
                }
            }
            var context = [Float](repeating: 0, count: t * h)
            for head in 0..<heads {
                for i in 0..<t {
                    var scores = (0..<t).map { j -> Double in
                        guard abs(i - j) <= halfWindow else { return -.infinity }
                        return (0..<d).reduce(0.0) { $0 + Double(qkv[i * 3 * h + head * d + $1]) * Double(qkv[j * 3 * h + h + head * d + $1]) } / 2
                    }
                    let largest = scores.max()!
                    scores = scores.map { exp($0 - largest) }
                    let sum = scores.reduce(0, +)
                    for c in 0..<d {
                        context[i * h + head * d + c] = Float((0..<t).reduce(0.0) { $0 + scores[$1] / sum * Double(qkv[$1 * 3 * h + 2 * h + head * d + c]) })
                    }
                }
            }
            var dense = [Float](repeating: 0, count: t * h)
            dense.withUnsafeMutableBufferPointer { layer.output.forward($0.baseAddress!, context, rows: t) }
            assertClose(banded, dense, rtol: 1e-5, "banded attention, half window \(halfWindow), vs dense masked")
        }
    }

    /// Multiply-adds of a local layer's forward and backward, and the probabilities it keeps, double when T
    /// doubles (O(T · window)); a global layer's quadruple.
    func testLocalAttentionCostIsLinearInLength() {
        let h = 8
        func cost(_ layer: RotaryAttention, length t: Int) -> (work: Int, kept: Int) {
            let x = random.floats(t * h), dy = random.floats(t * h)
            var kept = 0
            let work = BLAS.countingMultiplyAdds {
                let (_, cache) = run(layer, x, spans: [SequenceSpan(offset: 0, length: t)])
                var dx = [Float](repeating: 0, count: t * h)
                dx.withUnsafeMutableBufferPointer { layer.backward(dx: $0.baseAddress!, dy: dy, cache: cache) }
                kept = cache.probabilities.count
            }
            return (work, kept)
        }
        let local = rotaryAttention(halfWindow: 16), global = rotaryAttention(halfWindow: nil)
        let local512 = cost(local, length: 512), local1024 = cost(local, length: 1024)
        let global512 = cost(global, length: 512), global1024 = cost(global, length: 1024)
        XCTAssertEqual(Double(local1024.work) / Double(local512.work), 2, accuracy: 0.05, "local work")
        XCTAssertEqual(Double(local1024.kept) / Double(local512.kept), 2, accuracy: 0.05, "local probabilities kept")
        XCTAssertGreaterThan(Double(global1024.kept) / Double(global512.kept), 3.9, "global probabilities kept")
        // Per query and head, a local layer keeps at most a block (16 queries here) plus the window of keys.
        XCTAssertLessThanOrEqual(local1024.kept, 1024 * 2 * (16 + 2 * 16))
        XCTAssertLessThan(local1024.work * 4, global1024.work)
    }

    func testGatedFeedForward() {
        for activation in [Activation.geluErf, .geluTanh, .relu] {
            let block = GatedFeedForward(input: linear(6, 8), gate: linear(6, 8), project: linear(8, 6), activation: activation)
            checkGradient("GeGLU \(activation)", inputCount: 24, outputCount: 24, step: 1e-3,
                          cache: { GatedFeedForward.Cache(rows: 3, inner: 6) },
                          forward: { block.forward($0, $1, rows: 3, cache: $2) },
                          backward: { block.backward(dx: $0, dy: $1, rows: 3, cache: $2) })
        }
    }

    /// Layer 0 (no attention norm) and a later layer, global and local.
    func testModernBertLayer() {
        let rows = 26, h = 8
        for (withNorm, halfWindow) in [(false, nil), (true, 3)] as [(Bool, Int?)] {
            let layer = ModernBertLayer(attentionNorm: withNorm ? layerNorm(h) : nil, attention: rotaryAttention(halfWindow: halfWindow),
                                        mlpNorm: layerNorm(h),
                                        feedForward: GatedFeedForward(input: linear(12, h), gate: linear(12, h), project: linear(h, 12), activation: .geluErf))
            checkGradient("ModernBERT layer, attention norm \(withNorm)", inputCount: rows * h, outputCount: rows * h, step: 1e-3, tolerance: 5e-3,
                          cache: { ModernBertLayer.Cache(layer: layer, spans: longSpans, rotation: layer.attention.rotary.table(positions: 19)) },
                          forward: { layer.forward($0, $1, cache: $2) }, backward: { layer.backward(dx: $0, dy: $1, cache: $2) })
        }
    }
}
