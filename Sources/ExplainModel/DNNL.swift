import CDNNL
import Foundation

/// oneDNN's CPU engine, a stream per thread, and the check that turns a failed call into a Swift error.
/// Nothing outside `PackedProduct` sees the C API.
enum DNNL {
    /// One engine for the process (the CPU).
    static let engine: dnnl_engine_t? = {
        var engine: dnnl_engine_t?
        return dnnl_engine_create(&engine, dnnl_cpu, 0) == dnnl_success ? engine : nil
    }()

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
        if status != dnnl_success { throw ModelError.matrixLibrary("oneDNN: \(what()) failed (status \(status.rawValue))") }
    }

    static func requireEngine() throws -> dnnl_engine_t {
        guard let engine else { throw ModelError.matrixLibrary("oneDNN: no CPU engine") }
        return engine
    }

    /// The calling thread's stream and scratch buffers. The first call on a thread also sets its OpenMP
    /// thread count to one: the worker pool splits the work, and oneDNN's own threads would compete with
    /// it for the same cores (measured: no gain from two OpenMP threads on a single-sentence product,
    /// against 1.8× from the pool running the two column halves).
    static var threadState: ThreadState {
        if let state = ThreadState.key.value { return state }
        omp_set_num_threads(1)
        let state = ThreadState()
        ThreadState.key.value = state
        return state
    }

    /// A stream and growable buffers private to one thread: padded input rows, output blocks, the
    /// primitives' scratchpad (user-managed, so that one primitive can run on several threads at once), and
    /// the partial products of a transposed product this thread called (filled by the pool's workers).
    final class ThreadState {
        fileprivate static let key = ThreadLocal<ThreadState>()
        let stream: dnnl_stream_t?
        private(set) var input = FloatBuffer(count: 0)
        private(set) var output = FloatBuffer(count: 0)
        private(set) var scratchpad = FloatBuffer(count: 0)
        private(set) var partials = FloatBuffer(count: 0)

        init() {
            var stream: dnnl_stream_t?
            if let engine = DNNL.engine, dnnl_stream_create(&stream, engine, dnnl_stream_default_flags.rawValue) == dnnl_success {
                self.stream = stream
            } else {
                self.stream = nil
            }
        }

        deinit { if let stream { dnnl_stream_destroy(stream) } }

        /// Buffers of at least the given sizes in floats (grown once per thread, then reused).
        func reserve(input inputCount: Int, output outputCount: Int, scratchpadBytes: Int) {
            if input.count < inputCount { input = FloatBuffer(count: inputCount) }
            if output.count < outputCount { output = FloatBuffer(count: outputCount) }
            let scratch = (scratchpadBytes + 3) / 4
            if scratchpad.count < scratch { scratchpad = FloatBuffer(count: scratch) }
        }

        func reservePartials(_ count: Int) {
            if partials.count < count { partials = FloatBuffer(count: count) }
        }
    }
}

/// A per-thread object, released when its thread exits.
final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    private var key = pthread_key_t()

    init() {
        pthread_key_create(&key) { pointer in
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
        }
    }

    var value: Value? {
        get { pthread_getspecific(key).map { Unmanaged<AnyObject>.fromOpaque($0).takeUnretainedValue() as! Value } }
        set {
            if let old = pthread_getspecific(key) { Unmanaged<AnyObject>.fromOpaque(old).release() }
            pthread_setspecific(key, newValue.map { Unmanaged.passRetained($0 as AnyObject).toOpaque() })
        }
    }
}
