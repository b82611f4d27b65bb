import Foundation
import ExplainProtocol

/// Where replies go: straight to the writer, or into the array answering a batch.
protocol ReplySink: AnyObject, Sendable {
    func deliver(_ message: JSONValue)
}

final class DirectReplies: ReplySink, @unchecked Sendable {
    let writer: MessageWriter
    init(writer: MessageWriter) { self.writer = writer }
    func deliver(_ message: JSONValue) { writer.send(message) }
}

/// Collects the replies of one batch and sends them as one array once every member has answered
/// (JSON-RPC 2.0 §6). Notifications in the batch add nothing; a batch of notifications gets no reply.
final class BatchReplies: ReplySink, @unchecked Sendable {
    private let writer: MessageWriter
    private let lock = NSLock()
    private var expected = 0
    private var replies: [JSONValue] = []
    private var sealed = false

    init(writer: MessageWriter) { self.writer = writer }

    func expectOne() {
        lock.lock()
        expected += 1
        lock.unlock()
    }

    func deliver(_ message: JSONValue) {
        lock.lock()
        replies.append(message)
        let ready = sealed && replies.count == expected
        lock.unlock()
        if ready { writer.send(.array(replies)) }
    }

    /// Called after the last member was dispatched.
    func seal() {
        lock.lock()
        sealed = true
        let ready = replies.count == expected && expected > 0
        lock.unlock()
        if ready { writer.send(.array(replies)) }
    }
}

/// One request in flight: its id, cancellation flag, optional progress, and the guarantee of exactly one reply.
public final class RequestContext: @unchecked Sendable {
    public let id: RequestID
    public let method: String
    public let cancellation: CancellationFlag
    public let positionEncoding: PositionEncoding
    public internal(set) var progress: ProgressReporter?
    private let sink: ReplySink
    private let inFlight: InFlightRequests
    private let log: Log
    private let lock = NSLock()
    private var replied = false

    init(id: RequestID, method: String, cancellation: CancellationFlag, positionEncoding: PositionEncoding,
         sink: ReplySink, log: Log, inFlight: InFlightRequests) {
        self.id = id
        self.method = method
        self.cancellation = cancellation
        self.positionEncoding = positionEncoding
        self.sink = sink
        self.log = log
        self.inFlight = inFlight
    }

    public var isCancelled: Bool { cancellation.isCancelled }

    /// Sends the reply; a second reply for the same request is a bug, logged and dropped.
    public func reply(_ outcome: Result<JSONValue, ResponseError>) {
        lock.lock()
        let first = !replied
        replied = true
        lock.unlock()
        guard first else {
            log(.error, "second reply to request \(id) (\(method)) dropped")
            return
        }
        progress?.end(message: nil)
        inFlight.release(id)
        defer { inFlight.finished() }
        switch outcome {
        case .success(let result): sink.deliver(OutgoingMessage.result(id: id, result))
        case .failure(let error):
            log(.debug, "request \(id) (\(method)) failed: \(error)")
            sink.deliver(OutgoingMessage.error(id: id, error))
        }
    }

    /// Runs the handler's work and replies with its outcome; a request cancelled before it starts is not run.
    func run(_ work: () throws -> JSONValue) {
        guard !isCancelled else { reply(.failure(.cancelled)); return }
        do {
            let result = try work()
            reply(.success(result))
        } catch {
            reply(.failure(isCancelled ? .cancelled : ErrorMapping.responseError(for: error)))
        }
    }
}
