/// A heap block of Float32 for activations: allocated once per pass, freed with its owner.
/// (Arrays would do, but their closures around every pointer use obscure the math.)
final class FloatBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int, zeroed: Bool = true) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        if zeroed { pointer.initialize(repeating: 0, count: max(count, 1)) }
    }

    deinit { pointer.deallocate() }

    func zero() { pointer.update(repeating: 0, count: count) }
    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// Where one sequence's tokens sit in a packed batch: rows offset ..< offset + length. Sequences are packed
/// back to back with no padding, so every token-wise layer runs once over all rows and attention runs per
/// sequence — the same numbers as a right-padded, masked batch, without the padding's work.
struct SequenceSpan: Sendable {
    let offset: Int
    let length: Int
}
