import Foundation
import ExplainProtocol

/// LSP work-done progress for one request that carried a `workDoneToken`: begin at the start, a report each
/// time the whole percentage changes, end when the request is answered.
public final class ProgressReporter: @unchecked Sendable {
    private let token: ProgressToken
    private let send: (JSONValue) -> Void
    private let lock = NSLock()
    private var lastPercentage = -1
    private var ended = false

    public init(token: ProgressToken, title: String, send: @escaping (JSONValue) -> Void) {
        self.token = token
        self.send = send
        emit(.begin(title: title, message: nil, percentage: 0))
        lastPercentage = 0
    }

    public func report(fraction: Double, message: String) {
        let percentage = Int((min(max(fraction, 0), 1) * 100).rounded(.down))
        lock.lock()
        guard !ended, percentage > lastPercentage else { lock.unlock(); return }
        lastPercentage = percentage
        lock.unlock()
        emit(.report(message: message.isEmpty ? nil : message, percentage: percentage))
    }

    public func end(message: String?) {
        lock.lock()
        guard !ended else { lock.unlock(); return }
        ended = true
        lock.unlock()
        emit(.end(message: message))
    }

    private func emit(_ progress: WorkDoneProgress) {
        send(OutgoingMessage.notification(method: WorkDoneProgress.method, params: progress.params(token: token)))
    }
}
