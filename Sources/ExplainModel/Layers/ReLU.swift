/// max(0, x); DistilBERT's classification head and `hidden_act: relu` use it.
enum ReLU {
    static func forward(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { y[i] = max(0, x[i]) }
    }

    /// dx = dy where x > 0 (PyTorch's convention: gradient 0 at x = 0).
    static func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, x: UnsafePointer<Float>, count: Int) {
        for i in 0..<count { dx[i] = x[i] > 0 ? dy[i] : 0 }
    }
}
