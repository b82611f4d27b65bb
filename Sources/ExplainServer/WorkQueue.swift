import Foundation

/// A lane of work: a fixed set of worker threads over a bounded FIFO. Cheap and expensive requests run on
/// different lanes, so a `tokenize` never waits behind a long `explain`; a full lane refuses new work
/// (the dispatcher answers "server busy") instead of growing without bound. The bound is on the summed
/// cost of the waiting jobs, in the lane's own unit (requests, or bytes of input); a queued job can be
/// withdrawn (cancelled) at once, which frees its place.
public final class WorkQueue: @unchecked Sendable {
    public let name: String
    /// The largest summed cost of waiting jobs.
    public let bound: Int
    /// What a cost counts, for the "server busy" message: "requests", "bytes".
    public let unit: String
    private struct Job {
        let run: () -> Void
        let withdrawn: () -> Void
        let key: ObjectIdentifier?
        let cost: Int
    }
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var queuedCost = 0
    private var running = 0

    public init(name: String, workers: Int, bound: Int, unit: String = "requests", stackSize: Int = 8 << 20) {
        self.name = name
        self.bound = bound
        self.unit = unit
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

    /// False when the waiting jobs' cost plus this one's would pass `bound` (a lone job is always taken).
    /// `withdrawn` runs instead of `job` if `withdraw(key)` finds it still waiting.
    public func submit(cost: Int = 1, key: AnyObject? = nil, withdrawn: @escaping () -> Void = {}, _ job: @escaping () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let cost = max(1, cost)
        guard jobs.count == head || queuedCost + cost <= bound else { return false }
        jobs.append(Job(run: job, withdrawn: withdrawn, key: key.map(ObjectIdentifier.init), cost: cost))
        queuedCost += cost
        condition.signal()
        return true
    }

    /// Takes the waiting job submitted with `key` off the queue and runs its `withdrawn` (on the caller's
    /// thread, outside the lock); false when no such job is waiting (it is running, done, or elsewhere).
    @discardableResult
    public func withdraw(_ key: AnyObject) -> Bool {
        let id = ObjectIdentifier(key)
        condition.lock()
        guard let index = jobs[head...].firstIndex(where: { $0.key == id }) else {
            condition.unlock()
            return false
        }
        let job = jobs.remove(at: index)
        queuedCost -= job.cost
        condition.broadcast()
        condition.unlock()
        job.withdrawn()
        return true
    }

    /// Withdraws every waiting job (termination).
    public func withdrawAll() {
        condition.lock()
        let waiting = jobs[head...]
        jobs.removeAll()
        head = 0
        queuedCost = 0
        condition.broadcast()
        condition.unlock()
        for job in waiting { job.withdrawn() }
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
            queuedCost -= job.cost
            if head > 64 && head * 2 > jobs.count { jobs.removeFirst(head); head = 0 }
            running += 1
            condition.unlock()
            job.run()
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
    }
}
