/// ModernBERT's feed-forward block (ModernBertMLP), a GLU variant (Shazeer 2020, GeGLU with the exact
/// GELU): Wi's output splits into an input half u and a gate half g, z = act(u) ⊙ g, y = Wo·z.
/// Wi is loaded as its two halves, so each half comes out of its own product contiguous.
struct GatedFeedForward: Sendable {
    var input: Linear      // (I, H): Wi's first I rows
    var gate: Linear       // (I, H): Wi's last I rows
    var project: Linear    // (H, I): Wo
    let activation: Activation
    var innerSize: Int { input.outputSize }

    /// What the backward needs, (N, I) each: the pre-activation u (for the exact GELU, gelu'(u) in its
    /// place), act(u) and the gate.
    /// For weight gradients also act(u) ⊙ g, Wo's input.
    final class Cache {
        let preActivation: FloatBuffer, activated: FloatBuffer, gate: FloatBuffer
        let gated: FloatBuffer?
        init(rows: Int, inner: Int, keepsInputs: Bool = false) {
            preActivation = FloatBuffer(count: rows * inner, zeroed: false)
            activated = FloatBuffer(count: rows * inner, zeroed: false)
            gate = FloatBuffer(count: rows * inner, zeroed: false)
            gated = keepsInputs ? FloatBuffer(count: rows * inner, zeroed: false) : nil
        }
    }

    /// The weight gradients of Wi's two halves and Wo.
    struct Gradients {
        let input: WeightGradient, gate: WeightGradient, project: WeightGradient
        init(_ layer: GatedFeedForward) {
            input = WeightGradient(layer.input)
            gate = WeightGradient(layer.gate)
            project = WeightGradient(layer.project)
        }
    }

    /// y (N × H) from x (N × H).
    func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, rows: Int, cache: Cache) {
        let count = rows * innerSize
        input.forward(cache.preActivation.pointer, x, rows: rows)
        gate.forward(cache.gate.pointer, x, rows: rows)
        let u = cache.preActivation.pointer, a = cache.activated.pointer, g = cache.gate.pointer
        activation.forward(a, replacingWithBackwardState: u, count: count)
        let gated = cache.gated ?? FloatBuffer(count: count, zeroed: false)
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            VectorMath.map8(range, a, g, gated.pointer) { $0 * $1 }
        }
        project.forward(y, gated.pointer, rows: rows)
    }

    /// dx (N × H) += ∂/∂x given dy (N × H): dz = dy·Wo, du = dz ⊙ g ⊙ act'(u), dg = dz ⊙ act(u). With
    /// `weights` (its gradients and the forward's input x; the cache made keeping inputs), also each
    /// product's dW, db.
    func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, rows: Int, cache: Cache,
                  weights: (gradients: Gradients, input: UnsafePointer<Float>)? = nil) {
        let count = rows * innerSize
        let dz = FloatBuffer(count: count)
        project.backward(dx: dz.pointer, dy: dy, rows: rows)
        let dGate = FloatBuffer(count: count, zeroed: false), dInput = FloatBuffer(count: count, zeroed: false)
        let u = cache.preActivation.pointer, a = cache.activated.pointer, g = cache.gate.pointer
        Parallel.forRanges(count, minimumPerWorker: 16_384) { range in
            VectorMath.map8(range, dz.pointer, a, dGate.pointer) { $0 * $1 }
            VectorMath.map8(range, dz.pointer, g, dInput.pointer) { $0 * $1 }
        }
        activation.backward(dx: dInput.pointer, dy: dInput.pointer, kept: u, count: count)
        input.backward(dx: dx, dy: dInput.pointer, rows: rows)
        gate.backward(dx: dx, dy: dGate.pointer, rows: rows)
        if let weights, let gated = cache.gated {
            project.accumulateWeightGradient(weights.gradients.project, dy: dy, x: gated.pointer, rows: rows)
            input.accumulateWeightGradient(weights.gradients.input, dy: dInput.pointer, x: weights.input, rows: rows)
            gate.accumulateWeightGradient(weights.gradients.gate, dy: dGate.pointer, x: weights.input, rows: rows)
        }
    }
}
