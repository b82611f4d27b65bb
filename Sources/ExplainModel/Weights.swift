import Foundation

/// A read-only block of Float32 weights. F32 tensors are views into the memory-mapped weight file, so
/// loading copies nothing and only the pages a pass reads count towards the process's memory (a word
/// embedding matrix is mostly never read); F16/BF16 tensors and fused stacks are owned copies.
///
/// Like llama.cpp's mmap loading, this assumes the file is not rewritten in place while the model is
/// loaded (writers that replace the file, as `explaind train` and `setup` do, are fine).
struct Weights: @unchecked Sendable {
    let pointer: UnsafePointer<Float>
    let count: Int
    /// Keeps the mapping or the owned buffer alive.
    private let owner: AnyObject
    private let isMapped: Bool

    init(_ values: [Float]) {
        let buffer = FloatBuffer(count: values.count, zeroed: false)
        values.withUnsafeBufferPointer { buffer.pointer.update(from: $0.baseAddress!, count: values.count) }
        self.init(pointer: buffer.pointer, count: values.count, owner: buffer, isMapped: false)
    }

    /// A view into a mapped file, which `owner` keeps mapped.
    init(mapped pointer: UnsafePointer<Float>, count: Int, owner: AnyObject) {
        self.init(pointer: pointer, count: count, owner: owner, isMapped: true)
    }

    private init(pointer: UnsafePointer<Float>, count: Int, owner: AnyObject, isMapped: Bool) {
        self.pointer = pointer
        self.count = count
        self.owner = owner
        self.isMapped = isMapped
    }

    /// One owned block holding the parts back to back (Q, K and V stacked for one product).
    static func concatenating(_ parts: [Weights]) -> Weights {
        let buffer = FloatBuffer(count: parts.reduce(0) { $0 + $1.count }, zeroed: false)
        var offset = 0
        for part in parts {
            (buffer.pointer + offset).update(from: part.pointer, count: part.count)
            part.releasePages(0..<part.count)
            offset += part.count
        }
        return Weights(pointer: buffer.pointer, count: buffer.count, owner: buffer, isMapped: false)
    }

    @inline(__always)
    subscript(index: Int) -> Float { pointer[index] }

    var array: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    /// The index of the first NaN or infinity, nil when every value is finite. One branch-free pass
    /// (x · 0 is NaN exactly for non-finite x), then a search only when something was found.
    func firstNonFinite() -> Int? {
        var probe: Float = 0
        for i in 0..<count { probe += pointer[i] * 0 }
        guard probe.isNaN else { return nil }
        return (0..<count).first { !pointer[$0].isFinite }
    }

    /// Drops the mapped pages wholly inside `elements` from the process (they come back from the page
    /// cache if read again): for data read once at load, such as the word embeddings' Gram matrix. Does
    /// nothing to an owned copy, whose contents would be lost.
    func releasePages(_ elements: Range<Int>) {
        guard isMapped, !elements.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: pointer + elements.lowerBound) + page - 1) / page * page
        let end = Int(bitPattern: pointer + elements.upperBound) / page * page
        if end > start { madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) }
    }
}
