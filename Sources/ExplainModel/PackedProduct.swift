import CDNNL
import Foundation

/// C (rows × columns) = A (rows × depth) · B (depth × columns) [+ bias] [+ C], through oneDNN, for one fixed
/// B: a weight matrix reordered once, at load, into the blocked layout oneDNN's kernels chose for it, and
/// the primitives for every row class created then too — a request creates nothing and reorders nothing.
///
/// B is split into column blocks, one per worker, each packed on its own: the pool runs the blocks on
/// different cores (oneDNN's matmul writes a dense C, so each block goes through the thread's own buffer).
/// Primitives are made for fixed row counts (oneDNN's fast kernels need M at creation): a product runs as
/// chunks of 256, 128 or 64 rows and a last one padded up to the next row class.
final class PackedProduct: @unchecked Sendable {
    let depth: Int
    let columns: Int
    let accumulates: Bool
    private let parts: [Part]

    /// Row counts with primitives: exact for a sentence's common lengths, chunks for long passes.
    static let rowClasses = [1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 64, 128, 256]
    static let chunkClasses = [256, 128, 64]

    /// One column block of C with its packed slice of B.
    private final class Part {
        let columns: Range<Int>
        let weights: dnnl_memory_t
        let bias: dnnl_memory_t?
        let primitives: [MatmulPrimitive]   // by row class

        init(columns: Range<Int>, weights: dnnl_memory_t, bias: dnnl_memory_t?, primitives: [MatmulPrimitive]) {
            self.columns = columns
            self.weights = weights
            self.bias = bias
            self.primitives = primitives
        }

        deinit {
            dnnl_memory_destroy(weights)
            if let bias { dnnl_memory_destroy(bias) }
        }
    }

    /// B's element (i, j) is at b[i · rowStride + j · columnStride]; `bias` (columns) is added to every row;
    /// `accumulates` adds the product to C instead of overwriting it. B is copied: the caller may release it.
    init(depth: Int, columns: Int, b: UnsafePointer<Float>, rowStride: Int, columnStride: Int,
         bias: [Float]?, accumulates: Bool, parts requestedParts: Int) throws {
        precondition(depth > 0 && columns > 0)
        self.depth = depth
        self.columns = columns
        self.accumulates = accumulates
        let engine = try DNNL.requireEngine()
        let state = DNNL.threadState
        guard let stream = state.stream else { throw ModelError.matrixLibrary("oneDNN: no stream") }
        // Blocks of at least 64 columns, aligned to 16 (a vector of floats).
        let partCount = max(1, min(requestedParts, columns / 64))
        let width = ((columns + partCount - 1) / partCount + 15) / 16 * 16
        var parts: [Part] = []
        for start in stride(from: 0, to: columns, by: width) {
            let range = start..<min(columns, start + width)
            let layout = try MatmulPrimitive.weightsLayout(depth: depth, columns: range.count)
            var plain = dnnl_memory_desc_t()
            try DNNL.check(explaind_matrix_desc(&plain, Int64(depth), Int64(range.count), Int64(rowStride), Int64(columnStride)), "weights descriptor")
            var source: dnnl_memory_t?, packed: dnnl_memory_t?
            try DNNL.check(dnnl_memory_create(&source, &plain, engine, UnsafeMutableRawPointer(mutating: b + start * columnStride)), "weights memory")
            defer { dnnl_memory_destroy(source) }
            var target = layout
            try DNNL.check(dnnl_memory_create(&packed, &target, engine, explaind_memory_allocate()), "packed weights memory")
            var reorderDescriptor: dnnl_primitive_desc_t?
            try DNNL.check(dnnl_reorder_primitive_desc_create(&reorderDescriptor, &plain, engine, &target, engine, nil), "weights reorder")
            defer { dnnl_primitive_desc_destroy(reorderDescriptor) }
            var reorder: dnnl_primitive_t?
            try DNNL.check(dnnl_primitive_create(&reorder, reorderDescriptor), "weights reorder")
            defer { dnnl_primitive_destroy(reorder) }
            var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_FROM, memory: source), dnnl_exec_arg_t(arg: DNNL_ARG_TO, memory: packed)]
            try DNNL.check(dnnl_primitive_execute(reorder, stream, 2, &arguments), "weights reorder")
            try DNNL.check(dnnl_stream_wait(stream), "weights reorder")

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
            let primitives = try Self.primitives(depth: depth, columns: range.count, bias: bias != nil, accumulates: accumulates)
            parts.append(Part(columns: range, weights: packed!, bias: biasMemory, primitives: primitives))
        }
        self.parts = parts
    }

    /// Every row class's primitive, made on all the pool's threads (oneDNN compiles a kernel for each: most of
    /// a model's load time).
    private static func primitives(depth: Int, columns: Int, bias: Bool, accumulates: Bool) throws -> [MatmulPrimitive] {
        var made = [Result<MatmulPrimitive, Error>?](repeating: nil, count: rowClasses.count)
        made.withUnsafeMutableBufferPointer { made in
            Parallel.forRanges(rowClasses.count, minimumPerWorker: 1) { range in
                for i in range {
                    made[i] = Result { try MatmulPrimitive.shared(rows: rowClasses[i], depth: depth, columns: columns, bias: bias, accumulates: accumulates) }
                }
            }
        }
        return try made.map { try $0!.get() }
    }

    /// The implementation oneDNN chose for a single sentence's rows, for the benchmark's report.
    var implementation: String { parts[0].primitives[Self.rowClasses.firstIndex(of: 16)!].implementation }

    /// C (rows × columns, leading dimension ldc) = A (rows × depth, leading dimension lda) · B [+ bias] [+ C].
    func multiply(rows: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if rows == 0 { return }
        if parts.count > 1 && rows * columns * depth >= BLAS.splitThreshold {
            Parallel.forRanges(parts.count, minimumPerWorker: 1) { range in
                for part in range { self.run(parts[part], rows: rows, a: a, lda: lda, c: c, ldc: ldc) }
            }
        } else {
            for part in parts { run(part, rows: rows, a: a, lda: lda, c: c, ldc: ldc) }
        }
    }

    /// Every chunk of rows through one part's primitives.
    private func run(_ part: Part, rows: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        var offset = 0
        while offset < rows {
            let remaining = rows - offset
            let classIndex: Int
            if remaining > 64 {
                classIndex = Self.rowClasses.firstIndex(of: Self.chunkClasses.first { $0 <= remaining }!)!
            } else {
                classIndex = Self.rowClasses.firstIndex { $0 >= remaining }!
            }
            let count = min(remaining, Self.rowClasses[classIndex])
            runChunk(part, primitive: part.primitives[classIndex], rows: count,
                     a: a + offset * lda, lda: lda, c: c + offset * ldc, ldc: ldc)
            offset += count
        }
    }

    /// `rows` ≤ the primitive's rows. A goes in place when it is dense and fills the class, else through
    /// the thread's padded buffer; C goes in place when this part is all of it, else through the thread's
    /// output buffer (loaded first when the product accumulates).
    private func runChunk(_ part: Part, primitive: MatmulPrimitive, rows: Int, a: UnsafePointer<Float>, lda: Int,
                          c: UnsafeMutablePointer<Float>, ldc: Int) {
        let state = DNNL.threadState
        let classRows = primitive.rows, width = part.columns.count
        state.reserve(input: classRows * depth, output: classRows * width, scratchpadBytes: primitive.scratchpadBytes)
        var input = UnsafeMutablePointer(mutating: a)
        if rows != classRows || lda != depth {
            input = state.input.pointer
            for r in 0..<rows { (input + r * depth).update(from: a + r * lda, count: depth) }
        }
        let inPlace = parts.count == 1 && rows == classRows && ldc == columns
        let first = part.columns.lowerBound
        var output = c
        if !inPlace {
            output = state.output.pointer
            if accumulates {
                for r in 0..<rows { (output + r * width).update(from: c + r * ldc + first, count: width) }
            }
        }
        primitive.execute(stream: state.stream!, a: input, weights: part.weights, bias: part.bias, c: output,
                          scratchpad: state.scratchpad.pointer)
        if !inPlace {
            for r in 0..<rows { (c + r * ldc + first).update(from: output + r * width, count: width) }
        }
    }
}

/// A matmul primitive for one shape (rows × depth · depth × columns), shared by every packed matrix of that
/// shape: layers of the same width share their kernels.
final class MatmulPrimitive: @unchecked Sendable {
    let rows: Int
    let implementation: String
    let scratchpadBytes: Int
    private let primitive: dnnl_primitive_t
    private var source: dnnl_memory_desc_t
    private var destination: dnnl_memory_desc_t
    private var scratchpad: dnnl_memory_desc_t

    private struct Key: Hashable { let rows, depth, columns: Int, bias, accumulates: Bool }
    private struct LayoutKey: Hashable { let depth, columns: Int }
    // Guarded by lock; filled at load.
    private static var primitives: [Key: MatmulPrimitive] = [:]
    private static var layouts: [LayoutKey: dnnl_memory_desc_t] = [:]
    private static let lock = NSLock()

    /// The weights layout oneDNN picks for a sentence-sized product of this shape; every row class then
    /// uses the same one, so one packed copy serves them all.
    static func weightsLayout(depth: Int, columns: Int) throws -> dnnl_memory_desc_t {
        try lock.withLock {
            if let layout = layouts[LayoutKey(depth: depth, columns: columns)] { return layout }
            var weights = dnnl_memory_desc_t()
            try DNNL.check(explaind_any_matrix_desc(&weights, Int64(depth), Int64(columns)), "weights descriptor")
            let descriptor = try primitiveDescriptor(rows: 16, depth: depth, columns: columns, weights: &weights, bias: false, accumulates: false)
            defer { dnnl_primitive_desc_destroy(descriptor) }
            let layout = dnnl_primitive_desc_query_md(descriptor, dnnl_query_weights_md, 0)!.pointee
            layouts[LayoutKey(depth: depth, columns: columns)] = layout
            return layout
        }
    }

    static func shared(rows: Int, depth: Int, columns: Int, bias: Bool, accumulates: Bool) throws -> MatmulPrimitive {
        let key = Key(rows: rows, depth: depth, columns: columns, bias: bias, accumulates: accumulates)
        if let primitive = lock.withLock({ primitives[key] }) { return primitive }
        var layout = try weightsLayout(depth: depth, columns: columns)
        let primitive = try MatmulPrimitive(rows: rows, depth: depth, columns: columns, weights: &layout, bias: bias, accumulates: accumulates)
        return lock.withLock {
            if let existing = primitives[key] { return existing }
            primitives[key] = primitive
            return primitive
        }
    }

    private static func primitiveDescriptor(rows: Int, depth: Int, columns: Int, weights: inout dnnl_memory_desc_t,
                                            bias: Bool, accumulates: Bool) throws -> dnnl_primitive_desc_t {
        var source = dnnl_memory_desc_t(), destination = dnnl_memory_desc_t(), biasDescriptor = dnnl_memory_desc_t()
        try DNNL.check(explaind_matrix_desc(&source, Int64(rows), Int64(depth), Int64(depth), 1), "source descriptor")
        try DNNL.check(explaind_matrix_desc(&destination, Int64(rows), Int64(columns), Int64(columns), 1), "destination descriptor")
        // A zero descriptor disables the bias term.
        if bias { try DNNL.check(explaind_matrix_desc(&biasDescriptor, 1, Int64(columns), Int64(columns), 1), "bias descriptor") }
        var matmul = dnnl_matmul_desc_t()
        try DNNL.check(dnnl_matmul_desc_init(&matmul, &source, &weights, &biasDescriptor, &destination), "matmul descriptor")
        var attributes: dnnl_primitive_attr_t?
        try DNNL.check(dnnl_primitive_attr_create(&attributes), "attributes")
        defer { dnnl_primitive_attr_destroy(attributes) }
        try DNNL.check(dnnl_primitive_attr_set_scratchpad_mode(attributes, dnnl_scratchpad_mode_user), "scratchpad mode")
        if accumulates {
            var postOps: dnnl_post_ops_t?
            try DNNL.check(dnnl_post_ops_create(&postOps), "post-ops")
            defer { dnnl_post_ops_destroy(postOps) }
            try DNNL.check(dnnl_post_ops_append_sum(postOps, 1), "sum post-op")
            try DNNL.check(dnnl_primitive_attr_set_post_ops(attributes, postOps), "post-ops")
        }
        var descriptor: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&descriptor, &matmul, attributes, try DNNL.requireEngine(), nil),
                       "matmul \(rows)×\(depth)·\(depth)×\(columns)")
        return descriptor!
    }

    private init(rows: Int, depth: Int, columns: Int, weights: inout dnnl_memory_desc_t, bias: Bool, accumulates: Bool) throws {
        let descriptor = try Self.primitiveDescriptor(rows: rows, depth: depth, columns: columns, weights: &weights, bias: bias, accumulates: accumulates)
        defer { dnnl_primitive_desc_destroy(descriptor) }
        self.rows = rows
        source = dnnl_primitive_desc_query_md(descriptor, dnnl_query_src_md, 0)!.pointee
        destination = dnnl_primitive_desc_query_md(descriptor, dnnl_query_dst_md, 0)!.pointee
        scratchpad = dnnl_primitive_desc_query_md(descriptor, dnnl_query_scratchpad_md, 0)!.pointee
        scratchpadBytes = dnnl_memory_desc_get_size(&scratchpad)
        var name: UnsafePointer<CChar>?
        dnnl_primitive_desc_query(descriptor, dnnl_query_impl_info_str, 0, &name)
        implementation = name.map { String(cString: $0) } ?? "?"
        var primitive: dnnl_primitive_t?
        try DNNL.check(dnnl_primitive_create(&primitive, descriptor), "matmul primitive")
        self.primitive = primitive!
    }

    /// Runs on the calling thread (OpenMP set to one thread there).
    func execute(stream: dnnl_stream_t, a: UnsafeMutablePointer<Float>, weights: dnnl_memory_t, bias: dnnl_memory_t?,
                 c: UnsafeMutablePointer<Float>, scratchpad scratch: UnsafeMutablePointer<Float>) {
        let engine = DNNL.engine!
        var a_: dnnl_memory_t?, c_: dnnl_memory_t?, s_: dnnl_memory_t?
        dnnl_memory_create(&a_, &source, engine, a)
        dnnl_memory_create(&c_, &destination, engine, c)
        dnnl_memory_create(&s_, &scratchpad, engine, scratch)
        var arguments = [dnnl_exec_arg_t(arg: DNNL_ARG_SRC, memory: a_), dnnl_exec_arg_t(arg: DNNL_ARG_WEIGHTS, memory: weights),
                         dnnl_exec_arg_t(arg: DNNL_ARG_DST, memory: c_), dnnl_exec_arg_t(arg: DNNL_ARG_SCRATCHPAD, memory: s_)]
        if let bias { arguments.append(dnnl_exec_arg_t(arg: DNNL_ARG_BIAS, memory: bias)) }
        let status = dnnl_primitive_execute(primitive, stream, Int32(arguments.count), &arguments)
        precondition(status == dnnl_success, "oneDNN matmul failed (status \(status.rawValue))")
        dnnl_memory_destroy(a_)
        dnnl_memory_destroy(c_)
        dnnl_memory_destroy(s_)
    }
}
