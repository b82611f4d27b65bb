import XCTest
@testable import ExplainModel

/// Each layer's backward against central finite differences of its own forward. The scalar probed is
/// L = Σ r ⊙ forward(x) for a fixed random r, summed in Double; the backward gets dy = r.
final class LayerGradientTests: XCTestCase {
    var random = SeededGenerator(seed: 7)

    /// Compares `backward(r)` with (L(x + εe_i) − L(x − εe_i)) / 2ε for every input coordinate.
    func checkGradient(_ name: String, inputCount: Int, outputCount: Int, inputScale: Float = 1, step: Float = 1e-2,
                       tolerance: Double = 2e-3,
                       forward: ([Float]) -> [Float], backward: ([Float], [Float]) -> [Float]) {
        let x = random.floats(inputCount, scale: inputScale)
        let r = random.floats(outputCount)
        func loss(_ input: [Float]) -> Double {
            zip(forward(input), r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let analytic = backward(x, r)
        var numeric = [Float](repeating: 0, count: inputCount)
        for i in 0..<inputCount {
            var plus = x, minus = x
            plus[i] += step
            minus[i] -= step
            numeric[i] = Float((loss(plus) - loss(minus)) / (Double(plus[i]) - Double(minus[i])))
        }
        assertClose(analytic, numeric, rtol: tolerance, "\(name) input gradient")
        XCTAssertGreaterThan(numeric.map(abs).max() ?? 0, 1e-3, "\(name): the probe must see a gradient")
    }

    /// The same for a layer that keeps a cache: `forward(y, x, cache)` writes y (outputCount) into zeros and fills a
    /// fresh `cache()`; `backward(dx, dy, cache)` adds the input gradient into zeros, with the cache of the same x.
    func checkGradient<Cache>(_ name: String, inputCount: Int, outputCount: Int, step: Float, tolerance: Double = 2e-3,
                              cache makeCache: () -> Cache,
                              forward: (UnsafeMutablePointer<Float>, [Float], Cache) -> Void,
                              backward: (UnsafeMutablePointer<Float>, [Float], Cache) -> Void) {
        func run(_ x: [Float]) -> ([Float], Cache) {
            let cache = makeCache()
            var y = [Float](repeating: 0, count: outputCount)
            y.withUnsafeMutableBufferPointer { forward($0.baseAddress!, x, cache) }
            return (y, cache)
        }
        checkGradient(name, inputCount: inputCount, outputCount: outputCount, step: step, tolerance: tolerance,
                      forward: { run($0).0 }, backward: { x, r in
            let cache = run(x).1
            var dx = [Float](repeating: 0, count: inputCount)
            dx.withUnsafeMutableBufferPointer { backward($0.baseAddress!, r, cache) }
            return dx
        })
    }

    func linear(_ outputs: Int, _ inputs: Int, scale: Float = 0.5) -> Linear {
        // Fails only if oneDNN cannot set up a product at all.
        try! Linear(weight: Weights(random.floats(outputs * inputs, scale: scale)), bias: random.floats(outputs, scale: scale),
               inputSize: inputs, outputSize: outputs)
    }

    func layerNorm(_ size: Int) -> LayerNorm {
        LayerNorm(weight: random.floats(size).map { 1 + $0 / 2 }, bias: random.floats(size, scale: 0.3), eps: 1e-12)
    }

    func testLinear() {
        let layer = linear(5, 7)
        checkGradient("linear", inputCount: 3 * 7, outputCount: 3 * 5, forward: { x in
            var y = [Float](repeating: 0, count: 15)
            y.withUnsafeMutableBufferPointer { layer.forward($0.baseAddress!, x, rows: 3) }
            return y
        }, backward: { _, r in
            var dx = [Float](repeating: 0, count: 21)
            dx.withUnsafeMutableBufferPointer { layer.backward(dx: $0.baseAddress!, dy: r, rows: 3) }
            return dx
        })
    }

    /// Widths below, at and past a vector of eight lanes, with a tail: the vector loops and the scalar tail.
    func testLayerNorm() {
        for width in [5, 8, 13] {
            let norm = layerNorm(width)
            func run(_ x: [Float]) -> ([Float], FloatBuffer, FloatBuffer) {
                var y = [Float](repeating: 0, count: x.count)
                let h = FloatBuffer(count: x.count), s = FloatBuffer(count: x.count / width)
                y.withUnsafeMutableBufferPointer { norm.forward($0.baseAddress!, x, rows: x.count / width, normalized: h.pointer, rstd: s.pointer) }
                return (y, h, s)
            }
            checkGradient("layer norm \(width)", inputCount: 3 * width, outputCount: 3 * width, step: 1e-3, forward: { run($0).0 }, backward: { x, r in
                let (_, h, s) = run(x)
                var dx = [Float](repeating: 0, count: 3 * width)
                dx.withUnsafeMutableBufferPointer { norm.backward(dx: $0.baseAddress!, dy: r, rows: 3, normalized: h.pointer, rstd: s.pointer) }
                return dx
            })
        }
    }

    /// The forward against the same normalisation in Double, on rows far from zero mean (the variance is taken
    /// about the mean, not as E[x²] − mean²), for widths with and without a tail.
    func testLayerNormForwardMatchesDoublePrecision() {
        for width in [1, 7, 8, 19, 387] {
            let norm = layerNorm(width), rows = 3
            let x = random.floats(rows * width, scale: 2).enumerated().map { $1 + Float($0 / width) * 40 - 20 }
            var y = [Float](repeating: .nan, count: x.count)
            let h = FloatBuffer(count: x.count), s = FloatBuffer(count: rows)
            y.withUnsafeMutableBufferPointer { norm.forward($0.baseAddress!, x, rows: rows, normalized: h.pointer, rstd: s.pointer) }
            var expectedY: [Float] = [], expectedH: [Float] = [], expectedS: [Float] = []
            for r in 0..<rows {
                let row = x[r * width..<(r + 1) * width].map(Double.init)
                let mean = row.reduce(0, +) / Double(width)
                let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(width)
                let rstd = 1 / (variance + Double(norm.eps)).squareRoot()
                expectedS.append(Float(rstd))
                for (j, v) in row.enumerated() {
                    let normalized = (v - mean) * rstd
                    expectedH.append(Float(normalized))
                    expectedY.append(Float(normalized * Double(norm.weight[j]) + Double(norm.bias[j])))
                }
            }
            assertClose(y, expectedY, rtol: 2e-5, atol: 2e-5, "layer norm \(width) output")
            assertClose(Array(UnsafeBufferPointer(start: h.pointer, count: x.count)), expectedH, rtol: 2e-5, atol: 2e-5, "layer norm \(width) x̂")
            if width > 1 {
                assertClose(Array(UnsafeBufferPointer(start: s.pointer, count: rows)), expectedS, rtol: 2e-5, "layer norm \(width) rstd")
            }
        }
    }

    func testActivations() {
        for tanhForm in [false, true] {
            checkGradient("gelu tanhForm=\(tanhForm)", inputCount: 40, outputCount: 40, inputScale: 3, step: 1e-3, forward: { x in
                var y = x
                y.withUnsafeMutableBufferPointer { GELU.forward($0.baseAddress!, x, count: 40, tanhForm: tanhForm) }
                return y
            }, backward: { x, r in
                var dx = r
                dx.withUnsafeMutableBufferPointer { GELU.backward(dx: $0.baseAddress!, dy: r, x: x, count: 40, tanhForm: tanhForm) }
                return dx
            })
        }
        // The fused exact GELU: the same values, and the derivative the backward gives for dy = 1.
        let x = random.floats(45, scale: 4)
        var fusedY = [Float](repeating: 0, count: 45), derivative = x, plainY = fusedY, plainDerivative = fusedY
        fusedY.withUnsafeMutableBufferPointer { GELU.forwardReplacingInputWithDerivative($0.baseAddress!, &derivative, count: 45) }
        plainY.withUnsafeMutableBufferPointer { GELU.forward($0.baseAddress!, x, count: 45, tanhForm: false) }
        plainDerivative.withUnsafeMutableBufferPointer {
            GELU.backward(dx: $0.baseAddress!, dy: [Float](repeating: 1, count: 45), x: x, count: 45, tanhForm: false)
        }
        assertClose(fusedY, plainY, atol: 1e-6, "fused gelu value")
        assertClose(derivative, plainDerivative, atol: 1e-6, "fused gelu derivative")
        checkGradient("tanh", inputCount: 30, outputCount: 30, inputScale: 2, step: 1e-3, forward: { x in
            var y = x
            y.withUnsafeMutableBufferPointer { Tanh.forward($0.baseAddress!, x, count: 30) }
            return y
        }, backward: { x, r in
            var y = x, dx = r
            y.withUnsafeMutableBufferPointer { Tanh.forward($0.baseAddress!, x, count: 30) }
            dx.withUnsafeMutableBufferPointer { Tanh.backward(dx: $0.baseAddress!, dy: r, y: y, count: 30) }
            return dx
        })
        // Keep ReLU's probe points away from the kink at 0, where finite differences are meaningless.
        checkGradient("relu", inputCount: 30, outputCount: 30, inputScale: 2, step: 1e-4, forward: { x in
            var y = x
            y.withUnsafeMutableBufferPointer { ReLU.forward($0.baseAddress!, x.map { abs($0) < 1e-3 ? 1 : $0 }, count: 30) }
            return y
        }, backward: { x, r in
            var dx = r
            dx.withUnsafeMutableBufferPointer { ReLU.backward(dx: $0.baseAddress!, dy: r, x: x.map { abs($0) < 1e-3 ? 1 : $0 }, count: 30) }
            return dx
        })
    }

    func testSoftmax() {
        // 4 columns: the scalar tail alone; 21: two eight-lane blocks and a tail of five.
        for columns in [4, 21] {
            checkGradient("softmax \(columns)", inputCount: 3 * columns, outputCount: 3 * columns, inputScale: 2, step: 1e-3, forward: { x in
                var y = x
                y.withUnsafeMutableBufferPointer { Softmax.forwardRows($0.baseAddress!, rows: 3, columns: columns) }
                return y
            }, backward: { x, r in
                var p = x, d = r
                p.withUnsafeMutableBufferPointer { Softmax.forwardRows($0.baseAddress!, rows: 3, columns: columns) }
                d.withUnsafeMutableBufferPointer { Softmax.backwardRows(dScores: $0.baseAddress!, probabilities: p, rows: 3, columns: columns) }
                return d
            })
        }
    }

    /// The eight-lane exp against softmax in Double, including scores far below the row's largest (which
    /// underflow to exactly 0, as libm's expf does).
    func testSoftmaxValuesAgainstDouble() {
        var x = random.floats(2 * 19, scale: 6)
        x[3] = -200
        x[19 + 17] = -120
        var y = x
        y.withUnsafeMutableBufferPointer { Softmax.forwardRows($0.baseAddress!, rows: 2, columns: 19) }
        for r in 0..<2 {
            let row = x[r * 19..<(r + 1) * 19].map(Double.init)
            let largest = row.max()!, sum = row.reduce(0) { $0 + exp($1 - largest) }
            for (j, v) in row.enumerated() {
                XCTAssertEqual(Double(y[r * 19 + j]), exp(v - largest) / sum, accuracy: 2e-7 * max(1, exp(v - largest) / sum), "row \(r) column \(j)")
            }
        }
        XCTAssertEqual(y[3], 0)
        XCTAssertEqual(y[19 + 17], 0)
    }

    /// Two sequences of different lengths packed together, so per-sequence attention and offsets are probed.
    let spans = [SequenceSpan(offset: 0, length: 3), SequenceSpan(offset: 3, length: 5)]

    func attention(hidden: Int = 8, heads: Int = 2) -> SelfAttention {
        SelfAttention(queryKeyValue: linear(3 * hidden, hidden, scale: 0.8), output: linear(hidden, hidden), headCount: heads)
    }

    /// All tokens out, and (as in the last layer) only each sequence's first token out.
    var layouts: [(String, RowLayout)] { [("all tokens", .allTokens(spans)), ("first tokens", .firstTokens(spans))] }

    func testSelfAttention() {
        checkAttention(attention(), "self-attention")
    }

    /// An 8-wide, 2-head attention layer's backward on every layout.
    func checkAttention(_ layer: SelfAttention, _ label: String) {
        for (name, layout) in layouts {
            let outputs = layout.outputRows * 8
            checkGradient("\(label), \(name)", inputCount: 64, outputCount: outputs, step: 1e-3,
                          cache: { SelfAttention.Cache(layout: layout, hidden: 8, heads: 2) },
                          forward: { layer.forward($0, $1, layout: layout, cache: $2) },
                          backward: { layer.backward(dx: $0, dy: $1, layout: layout, cache: $2) })
        }
    }

    func testEncoderLayer() {
        for activation in [Activation.geluErf, .geluTanh, .relu] {
            let layer = EncoderLayer(attention: attention(), attentionNorm: layerNorm(8),
                                     feedForward: FeedForward(expand: linear(16, 8), project: linear(8, 16), activation: activation),
                                     outputNorm: layerNorm(8))
            for (name, layout) in layouts {
                let outputs = layout.outputRows * 8
                checkGradient("encoder layer \(activation), \(name)", inputCount: 64, outputCount: outputs, step: 1e-3, tolerance: 5e-3,
                              cache: { layer.makeCache(layout) }, forward: { layer.forward($0, $1, cache: $2) },
                              backward: { layer.backward(dx: $0, dy: $1, cache: $2) })
            }
        }
    }

    /// Without and with a projection to a wider hidden size (ELECTRA, ALBERT), positions as RoBERTa's
    /// rule gives them for ids with a pad inside.
    func testEmbeddings() {
        let positionRows = Embeddings(words: Weights([0]), positions: Weights([0]), tokenType: nil, norm: layerNorm(1),
                                      projection: nil, embeddingSize: 1, positionRule: .afterPadding(padID: 1))
            .positionIDs([0, 7, 1, 9, 3, 2, 4, 5])
        XCTAssertEqual(positionRows, [2, 3, 1, 4, 5, 6, 7, 8])
        for projection in [nil, linear(11, 8)] {
            let layer = Embeddings(words: Weights(random.floats(10 * 8)), positions: Weights(random.floats(9 * 8)), tokenType: random.floats(8),
                                   norm: layerNorm(8), projection: projection, embeddingSize: 8, positionRule: .afterPadding(padID: 1))
            let outputs = 8 * layer.outputSize
            checkGradient("embeddings, projection \(projection != nil)", inputCount: 64, outputCount: outputs, step: 1e-3,
                          cache: { Embeddings.Cache(rows: 8, width: 8) },
                          forward: { layer.forward($0, wordRows: $1, positionRows: positionRows, cache: $2) },
                          backward: { layer.backward(dWords: $0, dy: $1, rows: 8, cache: $2) })
        }
    }

    func testClassificationHead() {
        for squash in [ClassificationHead.Squash.tanh, .activation(.relu), .activation(.geluErf), .activation(.geluTanh)] {
            let head = ClassificationHead(dense: linear(8, 8), squash: squash, classifier: linear(3, 8))
            checkGradient("head \(squash)", inputCount: 16, outputCount: 6, step: 1e-3,
                          cache: { ClassificationHead.Cache(batch: 2, hidden: 8) },
                          forward: { head.forward($0, first: $1, batch: 2, cache: $2) },
                          backward: { head.backward(dFirst: $0, dLogits: $1, batch: 2, cache: $2) })
        }
    }
}
