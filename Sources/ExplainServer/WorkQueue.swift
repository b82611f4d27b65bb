import Foundation

/// A lane of work: a fixed set of worker threads over a bounded FIFO. Cheap and expensive requests run on
/// different lanes, so a `tokenize` never waits behind a long `explain`; a full lane refuses new work
/// (the dispatcher answers "server busy") instead of growing without bound.
public final class WorkQueue: @unchecked Sendable {
    public let name: String
    public let bound: Int
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var head = 0
    private var running = 0
    private var stopped = false

    public init(name: String, workers: Int, bound: Int, stackSize: Int = 8 << 20) {
        self.name = name
        self.bound = bound
        for i in 0..<max(1, workers) {
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "\(name)-\(i)"
            thread.stackSize = stackSize
            thread.start()
        }
    }

    /// Queued (not yet running) jobs.
    public var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    /// False when the queue already holds `bound` waiting jobs.
    public func submit(_ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard jobs.count - head < bound, !stopped else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Blocks until nothing is queued or running.
    public func waitUntilIdle() {
        condition.lock()
        while jobs.count - head > 0 || running > 0 { condition.wait() }
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while jobs.count == head { condition.wait() }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            running += 1
            condition.unlock()
            job()
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
    }
}
