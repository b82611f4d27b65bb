import CDNNL
import Foundation

/// Products with one fixed matrix B (depth × columns) through oneDNN: C = A·B [+ bias] for a layer's forward
/// and C += A·Bᵀ for its input gradient, both from ONE copy of B, reordered at load into the blocked layout
/// oneDNN's matmul picks for it. The original (a view into the mapped file) can then be released: the packed
/// copy replaces it in memory rather than sitting beside it.
///
/// The transposed product runs as oneDNN's inner-product backward-data on the same packed memory (the
/// layout seen with its two axes swapped). Measured on this VM, one core, 16 rows, MiniLM's shapes with the
/// weights coming from memory: forward 34 GFLOP/s, transposed 19 on the shared copy, 37 on a second copy of
/// its own, OpenBLAS 14. The second copy would not fit the memory target for BERT-base (twice its 340 MB of
/// dense weights), so there is one.
///
/// B is split into column blocks, one per worker, each packed on its own: the pool runs the blocks on
/// different cores. Primitives are made for fixed row counts (oneDNN's fast kernels need M when they are
/// made): a product runs as chunks of 256, 128 or 64 rows and a last one padded up to the next row class.
/// They are made at load (`preparePrimitives`), once per shape in the process, and shared by every matrix of that shape.
final class PackedProduct: @unchecked Sendable {
    let depth: Int
    let columns: Int
    private let parts: [Part]

    /// Row counts with primitives: exact for a sentence's common lengths, chunks for long passes.
    static let rowClasses = [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 128, 256]
    static let chunkClasses = [256, 128, 64]

    /// One column block of B, packed, with its slice of the bias.
    private final class Part {
        let columns: Range<Int>
        let weights: dnnl_memory_t
        let bias: dnnl_memory_t?

        init(columns: Range<Int>, weights: dnnl_memory_t, bias: dnnl_memory_t?) {
            self.columns = columns
            self.weights = weights
            self.bias = bias
        }

        deinit {
            dnnl_memory_destroy(weights)
            if let bias { dnnl_memory_destroy(bias) }
        }
    }

    /// B's element (i, j) is at b[i · rowStride + j · columnStride]; `bias` (columns) is added to every row
    /// of A·B. B is copied: the caller may release it.
    init(depth: Int, columns: Int, b: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
         bias: [Float]?, parts requestedParts: Int) throws {
        precondition(depth > 0 && columns > 0)
        self.depth = depth
        self.columns = columns
        let engine = try DNNL.requireEngine()
        // Blocks of at least 64 columns, aligned to 16 (a vector of floats).
        let partCount = max(1, min(requestedParts, columns / 64))
        let width = ((columns + partCount - 1) / partCount + 15) / 16 * 16
        var parts: [Part] = []
        for start in stride(from: 0, to: columns, by: width) {
            let range = start..<min(columns, start + width)
            var target = try ProductPrimitive.weightsLayout(depth: depth, columns: range.count)
            let source = try Self.plainMemory(b + start * columnStride, depth: depth, columns: range.count,
                                              rowStride: rowStride, columnStride: columnStride)
            defer { dnnl_memory_destroy(source) }
            var packed: dnnl_memory_t?
            try DNNL.check(dnnl_memory_create(&packed, &target, engine, explaind_memory_allocate()), "packed weights memory")
            try Self.reorder(source, into: packed!)

            var biasMemory: dnnl_memory_t?
            if let bias {
                var descriptor = dnnl_memory_desc_t()
                try DNNL.check(explaind_matrix_desc(&descriptor, 1, Int64(range.count), Int64(range.count), 1), "bias descriptor")
                try DNNL.check(dnnl_memory_create(&biasMemory, &descriptor, engine, explaind_memory_allocate()), "bias memory")
                var handle: UnsafeMutableRawPointer?
                dnnl_memory_get_data_handle(biasMemory, &handle)
                let values = handle!.assumingMemoryBound(to: Float.self)
                for j in range { values[j - start] = bias[j] }
            }
            parts.append(Part(columns: range, weights: packed!, bias: biasMemory))
        }
        self.parts = parts
    }

    /// Makes the primitives of every row class this product will run (the forward's, and the transposed
    /// product's when it serves the input gradient too), so a request makes none. Shapes shared by several
    /// matrices cost once per process: about 0.15 ms of CPU a primitive.
    func preparePrimitives(transposed: Bool) throws {
        var kinds: [ProductPrimitive.Kind] = [.forward(bias: parts[0].bias != nil)]
        if transposed { kinds.append(.transposed) }
        for width in Set(parts.map(\.columns.count)) {
            for kind in kinds {
                for classIndex in Self.rowClasses.indices { _ = try primitive(kind, classIndex: classIndex, width: width) }
            }
        }
    }

    /// B read back from its packed copy into b (element (i, j) at b[i · rowStride + j · columnStride]):
    /// training reads the current weights this way; passes never do.
    func unpack(into b: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int) throws {
        for part in parts {
            let plain = try Self.plainMemory(b + part.columns.lowerBound * columnStride, depth: depth, columns: part.columns.count,
                                             rowStride: rowStride, columnStride: columnStride)
            defer { dnnl_memory_destroy(plain) }
            try Self.reorder(part.weights, into: plain)
        }
    }

    /// A depth × columns matrix in the caller's memory, as oneDNN memory (no copy).
    private static func plainMemory(_ b: UnsafePointer<Float>, depth: Int, columns: Int, rowStride: Int,
                                    columnStride: Int) throws -> dnnl_memory_t {
        var descriptor = dnnl_memory_desc_t(), memory: dnnl_memory_t?
        try DNNL.check(explaind_matrix_desc(&descriptor, Int64(depth), Int64(columns), Int64(rowStride), Int64(columnStride)), "weights descriptor")
        try DNNL.check(dnnl_memory_create(&memory, &descriptor, try DNNL.requireEngine(), UnsafeMutableRawPointer(mutating: b)), "weights memory")
        return memory!
    }

    /// Copies a matrix between two layouts (oneDNN's reorder), on the calling thread.
    private static func reorder(_ source: dnnl_memory_t, into destination: dnnl_memory_t) throws {
        let engine = try DNNL.requireEngine()
        guard let stream = DNNL.threadState.stream else { throw ModelError.matrixLibrary("oneDNN: no stream") }
        var from: UnsafePointer<dnnl_memory_desc_t>?, to: UnsafePointer<dnnl_memory_desc_t>?
        try DNNL.check(dnnl_memory_get_memory_desc(source, &from), "reorder source")
        try DNNL.check(dnnl_memory_get_memory_desc(destination, &to), "reorder destination")
        var descriptor: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_reorder_primitive_desc_create(&descriptor, from, engine, to, engine, nil), "weights reorder")
        defer { dnnl_primitive_desc_destroy(descriptor) }
        var reorder: dnnl_primitive_t?
        try DNNL.check(dnnl_primitive_create(&reorder, descriptor), "weights reorder")
        defer { dnnl_primitive_destroy(reorder) }
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: destination)]
        try DNNL.check(dnnl_primitive_execute(reorder, stream, 2, &arguments), "weights reorder")
        try DNNL.check(dnnl_stream_wait(stream), "weights reorder")
    }

    /// The implementation oneDNN chose for a single sentence's rows, forward or transposed, for the
    /// benchmark's report.
    func implementation(transposed: Bool) throws -> String {
        let index = Self.rowClasses.firstIndex(of: 16)!, width = parts[0].columns.count
        return try primitive(transposed ? .transposed : .forward(bias: parts[0].bias != nil), classIndex: index, width: width).implementation
    }

    /// C (rows × columns, leading dimension ldc) = A (rows × depth, leading dimension lda) · B [+ bias], or
    /// C += A·B when `accumulate` (the input gradient through a copy packed for it). Each column block writes
    /// its own columns of C: no partial products to add.
    func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        if rows == 0 { return }
        if parts.count > 1 && rows * columns * depth >= BLAS.splitThreshold {
            Parallel.forRanges(parts.count, minimumPerWorker: 1) { range in
                for part in range { self.forward(parts[part], rows: rows, a: a, lda: lda, c: c, ldc: ldc, accumulate: accumulate) }
            }
        } else {
            for part in parts { forward(part, rows: rows, a: a, lda: lda, c: c, ldc: ldc, accumulate: accumulate) }
        }
    }

    /// C (rows × depth, leading dimension ldc) += A (rows × columns, leading dimension lda) · Bᵀ.
    ///
    /// Each column block of B gives a partial product over its share of A's columns; the partials are
    /// added into C in block order, so the numbers do not depend on whether the pool split the work.
    func multiplyTransposed(rows: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if rows == 0 { return }
        let caller = DNNL.threadState
        var offset = 0
        while offset < rows {
            let classIndex = Self.classIndex(remaining: rows - offset)
            let classRows = Self.rowClasses[classIndex], count = min(rows - offset, classRows)
            let block = classRows * depth
            caller.reservePartials(parts.count * block)
            let partials = caller.partials.pointer
            let chunkA = a + offset * lda
            let run = { (part: Int) in
                self.transposed(self.parts[part], classIndex: classIndex, rows: count, a: chunkA, lda: lda,
                                partial: partials + part * block)
            }
            if parts.count > 1 && count * columns * depth >= BLAS.splitThreshold {
                Parallel.forRanges(parts.count, minimumPerWorker: 1) { range in range.forEach(run) }
            } else {
                (0..<parts.count).forEach(run)
            }
            for r in 0..<count {
                let row = c + (offset + r) * ldc
                for part in 0..<parts.count {
                    let source = partials + part * block + r * depth
                    for j in 0..<depth { row[j] += source[j] }
                }
            }
            offset += count
        }
    }

    /// The row class for the next chunk: a chunk class when more than 64 rows remain, else the smallest
    /// class that holds them.
    private static func classIndex(remaining: Int) -> Int {
        if remaining > 64 { return rowClasses.firstIndex(of: chunkClasses.first { $0 <= remaining }!)! }
        return rowClasses.firstIndex { $0 >= remaining }!
    }

    private func primitive(_ kind: ProductPrimitive.Kind, classIndex: Int, width: Int, onRequestPath: Bool = false) throws -> ProductPrimitive {
        try ProductPrimitive.shared(kind, rows: Self.rowClasses[classIndex], depth: depth, columns: width, onRequestPath: onRequestPath)
    }

    /// The primitive for a product, made at load (`preparePrimitives`), or on first use for a product that
    /// was not prepared; a failure there is a broken oneDNN install, not bad input, and stops the process
    /// with oneDNN's message.
    private func requirePrimitive(_ kind: ProductPrimitive.Kind, classIndex: Int, width: Int) -> ProductPrimitive {
        do { return try primitive(kind, classIndex: classIndex, width: width, onRequestPath: true) } catch { fatalError("\(error)") }
    }

    /// Every chunk of rows through one part: A goes in place when it is dense and fills the class, else
    /// through the thread's padded buffer; C goes in place when this part is all of it (and is not added
    /// to), else through the thread's output buffer. (oneDNN 2.6 runs a matmul whose C has a wider row stride
    /// through gemm:jit, which repacks the weights on every call: hence the buffer, not a strided C.)
    private func forward(_ part: Part, rows: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                         accumulate: Bool) {
        let state = DNNL.threadState
        let width = part.columns.count, first = part.columns.lowerBound
        var offset = 0
        while offset < rows {
            let classIndex = Self.classIndex(remaining: rows - offset)
            let primitive = requirePrimitive(.forward(bias: part.bias != nil), classIndex: classIndex, width: width)
            let classRows = primitive.rows, count = min(rows - offset, classRows)
            let chunkA = a + offset * lda, chunkC = c + offset * ldc
            state.reserve(input: classRows * depth, output: classRows * width, scratchpadBytes: primitive.scratchpadBytes)
            var input = UnsafeMutablePointer(mutating: chunkA)
            if count != classRows || lda != depth {
                input = state.input.pointer
                for r in 0..<count { (input + r * depth).update(from: chunkA + r * lda, count: depth) }
            }
            let inPlace = parts.count == 1 && count == classRows && ldc == columns && !accumulate
            let output = inPlace ? chunkC : state.output.pointer
            primitive.execute(stream: state.stream!, source: input, weights: part.weights, bias: part.bias, destination: output,
                              scratchpad: state.scratchpad.pointer)
            if accumulate {
                for r in 0..<count {
                    let row = chunkC + r * ldc + first
                    VectorMath.map8(0..<width, row, output + r * width, row, +)
                }
            } else if !inPlace {
                for r in 0..<count { (chunkC + r * ldc + first).update(from: output + r * width, count: width) }
            }
            offset += count
        }
    }

    /// One chunk (rows ≤ the class's) of A's columns in this part times the part's Bᵀ, into `partial`
    /// (class rows × depth, dense). A's slice always goes through the thread's buffer (it is strided).
    private func transposed(_ part: Part, classIndex: Int, rows: Int, a: UnsafePointer<Float>, lda: Int,
                            partial: UnsafeMutablePointer<Float>) {
        let state = DNNL.threadState
        let width = part.columns.count, first = part.columns.lowerBound
        let primitive = requirePrimitive(.transposed, classIndex: classIndex, width: width)
        state.reserve(input: primitive.rows * width, output: 0, scratchpadBytes: primitive.scratchpadBytes)
        let input = state.input.pointer
        for r in 0..<rows { (input + r * width).update(from: a + r * lda + first, count: width) }
        primitive.execute(stream: state.stream!, source: input, weights: part.weights, bias: nil, destination: partial,
                          scratchpad: state.scratchpad.pointer)
    }
}

/// A oneDNN primitive for one product shape (rows × depth · depth × columns, or its transpose against the
/// same packed B), shared by every packed matrix of that shape and made when a matrix of that shape is packed.
final class ProductPrimitive: @unchecked Sendable {
    enum Kind: Hashable {
        /// C = A·B [+ bias]: matmul.
        case forward(bias: Bool)
        /// C = A·Bᵀ: inner product backward-data, B read as the forward's packed weights.
        case transposed
    }

    let rows: Int
    let implementation: String
    let scratchpadBytes: Int
    private let primitive: dnnl_primitive_t
    private let sourceArgument: Int32, destinationArgument: Int32
    private var source: dnnl_memory_desc_t
    private var destination: dnnl_memory_desc_t
    private var scratchpad: dnnl_memory_desc_t

    private struct Key: Hashable { let kind: Kind, rows, depth, columns: Int }
    private struct LayoutKey: Hashable { let depth, columns: Int }
    // Guarded by lock.
    private static var primitives: [Key: ProductPrimitive] = [:]
    private static var layouts: [LayoutKey: dnnl_memory_desc_t] = [:]
    private static let lock = NSLock()

    /// The weights layout oneDNN picks for a sentence-sized product of this shape; every row class then
    /// uses the same one, so one packed copy serves them all.
    static func weightsLayout(depth: Int, columns: Int) throws -> dnnl_memory_desc_t {
        try lock.withLock {
            if let layout = layouts[LayoutKey(depth: depth, columns: columns)] { return layout }
            var weights = dnnl_memory_desc_t()
            try DNNL.check(explaind_any_matrix_desc(&weights, Int64(depth), Int64(columns)), "weights descriptor")
            let descriptor = try matmulDescriptor(rows: 16, depth: depth, columns: columns, weights: &weights, bias: false)
            defer { dnnl_primitive_desc_destroy(descriptor) }
            let layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0)!.pointee
            layouts[LayoutKey(depth: depth, columns: columns)] = layout
            return layout
        }
    }

    /// `onRequestPath`: asked for by a pass rather than at load (counted: tests hold it at zero).
    static func shared(_ kind: Kind, rows: Int, depth: Int, columns: Int, onRequestPath: Bool = false) throws -> ProductPrimitive {
        let key = Key(kind: kind, rows: rows, depth: depth, columns: columns)
        if let primitive = lock.withLock({ primitives[key] }) { return primitive }
        let primitive = try ProductPrimitive(kind, rows: rows, depth: depth, columns: columns, weights: weightsLayout(depth: depth, columns: columns))
        return lock.withLock {
            if let existing = primitives[key] { return existing }
            primitives[key] = primitive
            if onRequestPath { madeOnRequestPath += 1 }
            return primitive
        }
    }

    /// Primitives a pass had to make because the load had not (guarded by lock).
    private static var madeOnRequestPath = 0
    static var madeOnRequestPathCount: Int { lock.withLock { madeOnRequestPath } }

    private static func attributes() throws -> dnnl_primitive_attr_t {
        var attributes: dnnl_primitive_attr_t?
        try DNNL.check(dnnl_primitive_attr_create(&attributes), "attributes")
        // User-managed scratchpad: one buffer per thread, so one primitive can run on several threads at once.
        try DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "scratchpad mode")
        return attributes!
    }

    private static func matmulDescriptor(rows: Int, depth: Int, columns: Int, weights: inout dnnl_memory_desc_t,
                                         bias: Bool) throws -> dnnl_primitive_desc_t {
        var source = dnnl_memory_desc_t(), destination = dnnl_memory_desc_t(), biasDescriptor = dnnl_memory_desc_t()
        try DNNL.check(explaind_matrix_desc(&source, Int64(rows), Int64(depth), Int64(depth), 1), "source descriptor")
        try DNNL.check(explaind_matrix_desc(&destination, Int64(rows), Int64(columns), Int64(columns), 1), "destination descriptor")
        // A zero descriptor disables the bias term.
        if bias { try DNNL.check(explaind_matrix_desc(&biasDescriptor, 1, Int64(columns), Int64(columns), 1), "bias descriptor") }
        var matmul = dnnl_matmul_desc_t()
        try DNNL.check(dnnl_matmul_desc_init(&matmul, &source, &weights, &biasDescriptor, &destination), "matmul descriptor")
        let attributes = try attributes()
        defer { dnnl_primitive_attr_destroy(attributes) }
        var descriptor: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&descriptor, &matmul, attributes, try DNNL.requireEngine(), nil),
                       "matmul \(rows)×\(depth)·\(depth)×\(columns)")
        return descriptor!
    }

    /// Inner product backward-data: diff_src (rows × depth) = diff_dst (rows × columns) · W, where W
    /// (columns × depth, oneDNN's "output channels × input channels") is B's packed memory, axes swapped.
    private static func transposedDescriptor(rows: Int, depth: Int, columns: Int, weights: dnnl_memory_desc_t) throws -> dnnl_primitive_desc_t {
        var packed = weights, swapped = dnnl_memory_desc_t()
        try DNNL.check(explaind_swap_axes(&swapped, &packed), "weights axes")
        var gradientIn = dnnl_memory_desc_t(), gradientOut = dnnl_memory_desc_t()
        try DNNL.check(explaind_matrix_desc(&gradientIn, Int64(rows), Int64(depth), Int64(depth), 1), "source descriptor")
        try DNNL.check(explaind_matrix_desc(&gradientOut, Int64(rows), Int64(columns), Int64(columns), 1), "destination descriptor")
        let engine = try DNNL.requireEngine()
        // The backward needs its forward's descriptor as a hint.
        var forward = dnnl_inner_product_desc_t()
        try DNNL.check(dnnl_inner_product_forward_desc_init(&forward, dnnl_forward_training, &gradientIn, &swapped, nil, &gradientOut),
                       "inner product descriptor")
        var hint: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&hint, &forward, nil, engine, nil), "inner product hint")
        defer { dnnl_primitive_desc_destroy(hint) }
        var backward = dnnl_inner_product_desc_t()
        try DNNL.check(dnnl_inner_product_backward_data_desc_init(&backward, &gradientIn, &swapped, &gradientOut),
                       "inner product backward descriptor")
        let attributes = try attributes()
        defer { dnnl_primitive_attr_destroy(attributes) }
        var descriptor: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&descriptor, &backward, attributes, engine, hint),
                       "inner product backward \(rows)×\(columns)·\(columns)×\(depth)")
        return descriptor!
    }

    private init(_ kind: Kind, rows: Int, depth: Int, columns: Int, weights: dnnl_memory_desc_t) throws {
        let descriptor: dnnl_primitive_desc_t
        switch kind {
        case .forward(let bias):
            var layout = weights
            descriptor = try Self.matmulDescriptor(rows: rows, depth: depth, columns: columns, weights: &layout, bias: bias)
            source = dnnl_primitive_desc_query_md(descriptor, dnnl_query_src_md, 0)!.pointee
            destination = dnnl_primitive_desc_query_md(descriptor, dnnl_query_dst_md, 0)!.pointee
            (sourceArgument, destinationArgument) = (DNNL_ARG_SRC, DNNL_ARG_DST)
        case .transposed:
            descriptor = try Self.transposedDescriptor(rows: rows, depth: depth, columns: columns, weights: weights)
            source = dnnl_primitive_desc_query_md(descriptor, dnnl_query_diff_dst_md, 0)!.pointee
            destination = dnnl_primitive_desc_query_md(descriptor, dnnl_query_diff_src_md, 0)!.pointee
            (sourceArgument, destinationArgument) = (DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC)
        }
        defer { dnnl_primitive_desc_destroy(descriptor) }
        self.rows = rows
        scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)!.pointee
        scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        implementation = name.map { String(cString: $0) } ?? "?"
        var primitive: dnnl_primitive_t?
        try DNNL.check(dnnl_primitive_create(&primitive, descriptor), "primitive \(implementation)")
        self.primitive = primitive!
    }

    /// Runs on the calling thread (OpenMP set to one thread there).
    func execute(stream: dnnl_stream_t, source a: UnsafeMutablePointer<Float>, weights: dnnl_memory_t, bias: dnnl_memory_t?,
                 destination c: UnsafeMutablePointer<Float>, scratchpad scratch: UnsafeMutablePointer<Float>) {
        let engine = DNNL.engine!
        var a_: dnnl_memory_t?, c_: dnnl_memory_t?, s_: dnnl_memory_t?
        dnnl_memory_create(&a_, &source, engine, a)
        dnnl_memory_create(&c_, &destination, engine, c)
        dnnl_memory_create(&s_, &scratchpad, engine, scratch)
        var arguments = [dnnl_exec_arg_t(arg: sourceArgument, memory: a_), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights),
                         dnnl_exec_arg_t(arg: destinationArgument, memory: c_), dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: s_)]
        if let bias { arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: bias)) }
        let status = dnnl_primitive_execute(primitive, stream, Int32(arguments.count), &arguments)
        precondition(status == dnnl_success, "oneDNN product failed (status \(status.rawValue))")
        dnnl_memory_destroy(a_)
        dnnl_memory_destroy(c_)
        dnnl_memory_destroy(s_)
    }
}
