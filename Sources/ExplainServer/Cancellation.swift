import Foundation
import ExplainProtocol

/// Set by `$/cancelRequest`, polled by the attribution library between batched steps (RunControl.isCancelled).
public final class CancellationFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }
}

/// The requests in flight, by id: detects duplicate ids and finds the flag `$/cancelRequest` names.
public final class InFlightRequests: @unchecked Sendable {
    private let condition = NSCondition()
    private var flags: [RequestID: CancellationFlag] = [:]
    /// Requests not yet fully answered. An id is released before its reply is written (so a client may reuse
    /// it as soon as it reads the reply); the request stays outstanding until the reply is out.
    private var outstanding = 0

    public init() {}

    /// Nil when a request with the same id is still in flight.
    public func begin(_ id: RequestID) -> CancellationFlag? {
        condition.lock()
        defer { condition.unlock() }
        guard flags[id] == nil else { return nil }
        let flag = CancellationFlag()
        flags[id] = flag
        outstanding += 1
        return flag
    }

    /// The reply is about to be written: the id is free again.
    public func release(_ id: RequestID) {
        condition.lock()
        flags[id] = nil
        condition.unlock()
    }

    /// The reply has been written.
    public func finished() {
        condition.lock()
        outstanding -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Flags the request with this id; its flag, nil when no such request is in flight (an unknown id is
    /// ignored, as LSP says).
    @discardableResult
    public func cancel(_ id: RequestID) -> CancellationFlag? {
        condition.lock()
        defer { condition.unlock() }
        guard let flag = flags[id] else { return nil }
        flag.cancel()
        return flag
    }

    public func cancelAll() {
        condition.lock()
        flags.values.forEach { $0.cancel() }
        condition.unlock()
    }

    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return outstanding
    }

    /// Blocks until every request in flight has been answered, or the deadline passes.
    public func waitUntilEmpty(timeout: TimeInterval) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while outstanding > 0, condition.wait(until: deadline) {}
        condition.unlock()
    }
}
