import XCTest
@testable import ExplainTraining

final class AdamWTests: XCTestCase {
    /// Two steps on one weight, worked by hand from torch.optim.AdamW's update
    /// (lr 0.1, λ 0.01, β 0.9/0.999, ε 1e-8; torch gives the same values):
    /// step 1, g = 0.5:  p = 1·(1 − 0.001) = 0.999; m = 0.05, v = 0.00025; m̂ = 0.5, v̂ = 0.25;
    ///                   p = 0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899
    /// step 2, g = −1:   p = 0.899·0.999 = 0.898101; m = −0.055, v = 0.00124975;
    ///                   m̂ = −0.055/0.19 = −0.28947368, v̂ = 0.00124975/0.001999 = 0.62518759;
    ///                   p = 0.898101 + 0.1·0.28947368/0.79068805 = 0.93471135
    func testTwoStepsMatchTheHandComputedUpdate() {
        var optimizer = AdamW(learningRate: 0.1, weightDecay: 0.01)
        var weight: [Float] = [1]
        optimizer.beginStep()
        optimizer.update(&weight, gradient: [0.5], slot: 0, decay: true)
        XCTAssertEqual(weight[0], 0.899, accuracy: 1e-6)
        optimizer.beginStep()
        optimizer.update(&weight, gradient: [-1], slot: 0, decay: true)
        XCTAssertEqual(weight[0], 0.93471135, accuracy: 2e-6)
    }

    /// Without decay (biases) only the Adam step moves the value: 1 − 0.1·0.5/0.5 = 0.9.
    func testNoDecayLeavesOutTheShrink() {
        var optimizer = AdamW(learningRate: 0.1, weightDecay: 0.01)
        var bias: [Float] = [1]
        optimizer.beginStep()
        optimizer.update(&bias, gradient: [0.5], slot: 0, decay: false)
        XCTAssertEqual(bias[0], 0.9, accuracy: 1e-6)
    }

    /// Each slot keeps its own moments: a second tensor's first step is a first step, whatever the first
    /// tensor saw (with a zero gradient only the decay acts: 2·(1 − 0.001)).
    func testSlotsKeepSeparateMoments() {
        var optimizer = AdamW(learningRate: 0.1, weightDecay: 0.01)
        var a: [Float] = [1, -1], b: [Float] = [2]
        optimizer.beginStep()
        optimizer.update(&a, gradient: [0.5, -0.5], slot: 0, decay: true)
        optimizer.update(&b, gradient: [0], slot: 1, decay: true)
        XCTAssertEqual(a[0], 0.899, accuracy: 1e-6)
        XCTAssertEqual(a[1], -0.899, accuracy: 1e-6)
        XCTAssertEqual(b[0], 1.998, accuracy: 1e-6)
    }
}
