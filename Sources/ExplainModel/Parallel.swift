import Foundation
import Synchronization

/// Splits a pass's work (matrix products by columns, GELU, layer norm, attention heads) across the cores
/// with one pool of resident threads.
///
/// OpenBLAS runs single-threaded under it: its own threads and Dispatch's took turns on two cores, each
/// side yielding while the other worked (perf put a fifth of a gradient pass in `sched_yield`), and a
/// single-sentence product is too small for OpenBLAS to split well.
enum Parallel {
    /// Threads a job is split over, the caller included.
    static var workerCount: Int {
        get { WorkerPool.shared.threadCount }
        set { WorkerPool.shared.resize(to: max(1, newValue)) }
    }

    /// Calls `body` on disjoint ranges covering 0..<count, concurrently when each part gets at least
    /// `minimumPerWorker` items. Runs serially inside another job, or while another thread's job holds
    /// the pool (concurrent requests then each keep one core).
    static func forRanges(_ count: Int, minimumPerWorker: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(workerCount, count / max(1, minimumPerWorker))
        guard parts > 1 else {
            body(0..<count)
            return
        }
        WorkerPool.shared.run(parts: parts) { part in
            body(count * part / parts..<count * (part + 1) / parts)
        }
    }
}

/// Resident threads that wait for a job by spinning briefly (the next product of a pass follows within
/// microseconds), then sleep on a condition variable. The job is handed over under a mutex; the caller
/// waits until every thread that took it has let go before returning.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(threadCount: ProcessInfo.processInfo.activeProcessorCount)

    private(set) var threadCount = 1
    private var spawned = 0
    // Guarded by mutex.
    private var job: ((Int) -> Void)?
    private var jobParts = 0
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    private let generation = Atomic<Int>(0)
    private let nextPart = Atomic<Int>(0)
    private let finishedParts = Atomic<Int>(0)
    private let holders = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let insideJob = ThreadFlag()

    init(threadCount: Int) {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        resize(to: threadCount)
    }

    /// Grows the pool to `count` threads (threads are never stopped; a smaller count leaves them idle).
    func resize(to count: Int) {
        while spawned < count - 1 {
            spawned += 1
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.stackSize = 1 << 20
            thread.start()
        }
        threadCount = count
    }

    /// Runs body(0..<parts), the calling thread taking parts too; returns when all have finished.
    func run(parts: Int, _ body: (Int) -> Void) {
        if insideJob.value || threadCount < 2
            || !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            for part in 0..<parts { body(part) }
            return
        }
        insideJob.value = true
        defer {
            insideJob.value = false
            busy.store(false, ordering: .releasing)
        }
        withoutActuallyEscaping(body) { body in
            pthread_mutex_lock(mutex)
            job = body
            jobParts = parts
            nextPart.store(0, ordering: .relaxed)
            finishedParts.store(0, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 { pthread_cond_broadcast(wake) }
            pthread_mutex_unlock(mutex)

            work(body, parts: parts)
            while finishedParts.load(ordering: .acquiring) < parts {}

            pthread_mutex_lock(mutex)
            job = nil
            pthread_mutex_unlock(mutex)
            // withoutActuallyEscaping traps if a worker still holds the closure.
            while holders.load(ordering: .acquiring) > 0 {}
        }
    }

    private func work(_ body: (Int) -> Void, parts: Int) {
        while true {
            let part = nextPart.add(1, ordering: .relaxed).oldValue
            if part >= parts { return }
            body(part)
            finishedParts.add(1, ordering: .releasing)
        }
    }

    private func workerLoop() {
        _ = Subnormals.flushToZero()
        insideJob.value = true
        var seen = generation.load(ordering: .acquiring)
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins < 1_000_000 { continue }
                pthread_mutex_lock(mutex)
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen {
                    pthread_cond_wait(wake, mutex)
                }
                sleepers.subtract(1, ordering: .sequentiallyConsistent)
                pthread_mutex_unlock(mutex)
            }
            seen = generation.load(ordering: .acquiring)
            if takeAndWork() { holders.subtract(1, ordering: .releasing) }
        }
    }

    /// Works on the current job, if any is still posted; true when it took one (and holders was raised).
    private func takeAndWork() -> Bool {
        pthread_mutex_lock(mutex)
        guard let body = job else {
            pthread_mutex_unlock(mutex)
            return false
        }
        let parts = jobParts
        holders.add(1, ordering: .relaxed)
        pthread_mutex_unlock(mutex)
        work(body, parts: parts)
        return true
    }
}

/// A per-thread Bool.
private final class ThreadFlag: @unchecked Sendable {
    private var key = pthread_key_t()
    init() { pthread_key_create(&key, nil) }
    var value: Bool {
        get { pthread_getspecific(key) != nil }
        set { pthread_setspecific(key, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }
}
