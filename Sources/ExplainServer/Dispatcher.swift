import Foundation
import ExplainProtocol
import ExplainTransport

/// Which worker lane runs a method. Inline methods are instant and run on the reader thread; the others run
/// on their own bounded lanes so a cheap request never queues behind a long one.
public enum Lane: String, Sendable, CaseIterable {
    case inline
    /// tokenize, predict: milliseconds each.
    case quick
    /// explain, compareMethods: up to seconds; cancellable, with progress.
    case long
    /// models/load: disk and weight conversion; must not block requests on models already resident.
    case loading
}

/// LSP's lifecycle: nothing but `initialize` before it, nothing but `exit` after `shutdown`.
public enum Lifecycle: Sendable {
    case uninitialized
    case running
    case shuttingDown
}

/// Turns frames into messages, enforces the lifecycle, and routes each request to its handler on its lane.
public final class Dispatcher: @unchecked Sendable {
    public let options: ServerOptions
    let log: Log
    let writer: MessageWriter
    let inFlight = InFlightRequests()
    private var lanes: [Lane: WorkQueue] = [:]
    private var methods: [String: MethodEntry] = [:]
    private let stateLock = NSLock()
    private var lifecycle = Lifecycle.uninitialized
    private var encoding = PositionEncoding.utf16
    /// How the process ends; replaced in tests.
    let terminate: @Sendable (Int32) -> Void

    struct MethodEntry {
        let lane: Lane
        /// Decodes params (on the reader thread, so bad params are answered at once) and returns the work, with
        /// the progress token the decoded params carry and what the work costs its lane while it waits.
        let prepare: (JSONValue?, RequestContext) throws -> Prepared
    }

    struct Prepared {
        let work: () throws -> JSONValue
        let progressToken: ProgressToken?
        /// The lane's unit: token-passes on the long lane; nil where the lane counts bytes or requests.
        let queuedWork: Int?
    }

    public init(options: ServerOptions, writer: MessageWriter, log: Log,
                terminate: @escaping @Sendable (Int32) -> Void = { exit($0) }) {
        self.options = options
        self.writer = writer
        self.log = log
        self.terminate = terminate
        // Cheap requests are bounded by the memory their waiting input holds, not by their number: an editor
        // sends one per visible line at once. Expensive ones by the work they wait to do (a burst of short
        // gradient requests fits where a few 1024-step ones do not); loads by their number.
        lanes[.quick] = WorkQueue(name: "quick", workers: options.quickWorkers, bound: options.maxQueuedBytes, unit: "bytes")
        lanes[.long] = WorkQueue(name: "long", workers: options.longWorkers, bound: options.maxQueuedWork, unit: "token-passes")
        lanes[.loading] = WorkQueue(name: "loading", workers: 1, bound: options.queueBound)
    }

    /// Registers a request method (before serving starts; the table is read-only afterwards).
    /// `queuedWork` estimates, before anything runs, the token-passes a long-lane request will cost.
    public func register<P: RequestParams>(_ type: P.Type, lane: Lane, queuedWork: ((P) -> Int)? = nil,
                                          _ handler: @escaping (P, RequestContext) throws -> P.Result) {
        methods[P.method] = MethodEntry(lane: lane) { params, context in
            let decoded = try P.decode(params)
            return Prepared(work: { try handler(decoded, context).json },
                            progressToken: (decoded as? WorkDoneProgressParams)?.workDoneToken,
                            queuedWork: queuedWork?(decoded))
        }
    }

    /// Request methods in registration-independent (sorted) order, for `initialize`'s capabilities.
    public var methodNames: [String] { methods.keys.sorted() }

    public var positionEncoding: PositionEncoding {
        stateLock.lock()
        defer { stateLock.unlock() }
        return encoding
    }

    public var state: Lifecycle {
        stateLock.lock()
        defer { stateLock.unlock() }
        return lifecycle
    }

    /// Called by the `initialize` and `shutdown` handlers (inline, on the reader thread).
    public func enter(_ state: Lifecycle, encoding: PositionEncoding? = nil) {
        stateLock.lock()
        lifecycle = state
        if let encoding { self.encoding = encoding }
        stateLock.unlock()
    }

    // MARK: frames

    public func handle(_ event: FrameEvent) {
        let direct = DirectReplies(writer: writer)
        switch event {
        case .malformedHeader(let problem):
            log(.warning, "malformed frame: \(problem)")
            direct.deliver(OutgoingMessage.error(id: nil, ResponseError(
                code: .parseError, message: "parse error: invalid frame header: \(problem)")))
        case .oversized(let declared):
            log(.warning, "skipped a frame of \(declared) bytes")
            direct.deliver(OutgoingMessage.error(id: nil, ResponseError(
                code: .invalidRequest,
                message: "invalid request: frame of \(declared) bytes exceeds the limit of \(options.maxFrameBytes) bytes (--max-frame-bytes); skipped",
                data: ["declaredBytes": .integer(declared), "maxFrameBytes": .integer(options.maxFrameBytes)])))
        case .message(let bytes):
            let json: JSONValue
            do {
                json = try JSONParser.parse(bytes)
            } catch let error as JSONParseError {
                log(.warning, "unparsable message: \(error)")
                direct.deliver(OutgoingMessage.error(id: nil, .parseError(error)))
                return
            } catch {
                direct.deliver(OutgoingMessage.error(id: nil, .internalError("\(error)")))
                return
            }
            if case .array(let members) = json {
                handleBatch(members)
            } else {
                handle(json, sink: direct, batch: nil)
            }
        }
    }

    private func handleBatch(_ members: [JSONValue]) {
        let direct = DirectReplies(writer: writer)
        guard !members.isEmpty else {
            direct.deliver(OutgoingMessage.error(id: nil, .invalidRequest("empty batch")))
            return
        }
        guard members.count <= options.maxBatchRequests else {
            direct.deliver(OutgoingMessage.error(id: nil, ResponseError(
                code: .invalidRequest,
                message: "invalid request: a batch of \(members.count) messages exceeds the limit of \(options.maxBatchRequests)",
                data: ["maxBatchRequests": .integer(options.maxBatchRequests)])))
            return
        }
        let batch = BatchReplies(writer: writer)
        for member in members { handle(member, sink: batch, batch: batch) }
        batch.seal()
    }

    // MARK: messages

    private func handle(_ json: JSONValue, sink: ReplySink, batch: BatchReplies?) {
        switch Message.decode(json) {
        case .failure(let invalid):
            batch?.expectOne()
            sink.deliver(OutgoingMessage.error(id: invalid.id, invalid.error))
        case .success(.response(let id, _, _)):
            log(.debug, "ignoring a response from the client (id \(id.map(\.description) ?? "null"))")
        case .success(.notification(let method, let params)):
            handleNotification(method, params)
        case .success(.request(let id, let method, let params)):
            batch?.expectOne()
            handleRequest(id: id, method: method, params: params, sink: sink)
        }
    }

    private func handleNotification(_ method: String, _ params: JSONValue?) {
        switch method {
        case ExitParams.method:
            let code: Int32 = state == .shuttingDown ? 0 : 1
            log(.info, "exit notification: exiting with code \(code)")
            terminate(code)
        case CancelParams.method:
            do {
                let cancel = try CancelParams.decode(params)
                guard let flag = inFlight.cancel(cancel.id) else {
                    return log(.debug, "cancel request \(cancel.id): not in flight")
                }
                // Still waiting in a lane: answered -32800 now and its place freed; running: it stops at its
                // next batched step.
                let withdrawn = lanes.values.contains { $0.withdraw(flag) }
                log(.debug, "cancel request \(cancel.id): \(withdrawn ? "withdrawn from its queue" : "flagged")")
            } catch {
                log(.warning, "ignoring malformed $/cancelRequest: \(error)")
            }
        case InitializedParams.method:
            log(.debug, "client initialized")
        default:
            // JSON-RPC: notifications are never answered; LSP: unknown ones are dropped.
            log(.debug, "ignoring notification \(method)")
        }
    }

    private func handleRequest(id: RequestID, method: String, params: JSONValue?, sink: ReplySink) {
        func refuse(_ error: ResponseError) { sink.deliver(OutgoingMessage.error(id: id, error)) }
        switch (state, method == InitializeParams.method) {
        case (.uninitialized, false): return refuse(.serverNotInitialized)
        case (.running, true): return refuse(.invalidRequest("initialize was already received"))
        case (.shuttingDown, _): return refuse(.invalidRequest("the server is shutting down: only exit is accepted"))
        default: break
        }
        guard let entry = methods[method] else { return refuse(.methodNotFound(method)) }
        guard let flag = inFlight.begin(id) else {
            return refuse(.invalidRequest("duplicate id \(id): a request with this id is still in flight"))
        }
        let context = RequestContext(id: id, method: method, cancellation: flag, positionEncoding: positionEncoding,
                                     sink: sink, log: log, inFlight: inFlight)
        let prepared: Prepared
        do {
            prepared = try entry.prepare(params, context)
        } catch {
            return context.reply(.failure(ErrorMapping.responseError(for: error)))
        }
        let work = prepared.work
        if entry.lane == .long, let token = prepared.progressToken {
            let writer = self.writer
            context.progress = ProgressReporter(token: token, title: method, send: { writer.send($0) })
        }
        guard entry.lane != .inline, let lane = lanes[entry.lane] else { return context.run(work) }
        let cost = entry.lane == .quick ? Self.queuedBytes(params) : prepared.queuedWork ?? 1
        if !lane.submit(cost: cost, key: flag, withdrawn: { context.reply(.failure(.cancelled)) }, { context.run(work) }) {
            context.reply(.failure(ResponseError(
                code: .serverBusy,
                message: "server busy: the \(lane.name) queue's waiting requests would pass its limit of \(lane.bound) \(lane.unit) (this one: \(cost)); retry later",
                data: ["queue": .string(lane.name), "bound": .integer(lane.bound), "unit": .string(lane.unit)])))
        }
    }

    /// About the bytes a waiting request's params hold (its strings, plus a little per value).
    static func queuedBytes(_ params: JSONValue?) -> Int {
        switch params {
        case .string(let text)?: return 16 + text.utf8.count
        case .array(let values)?: return values.reduce(16) { $0 + queuedBytes($1) }
        case .object(let fields)?: return fields.reduce(16) { $0 + 16 + $1.key.utf8.count + queuedBytes($1.value) }
        default: return 16
        }
    }

    // MARK: end of input and signals

    /// End of input: answer what is in flight (bounded wait), then exit 0 after `shutdown`, 1 otherwise.
    public func endOfInput() {
        log(.info, "end of input; waiting for \(inFlight.count) request(s) in flight")
        inFlight.waitUntilEmpty(timeout: options.drainSeconds)
        inFlight.cancelAll()
        lanes.values.forEach { $0.withdrawAll() }
        inFlight.waitUntilEmpty(timeout: 2)
        terminate(state == .shuttingDown ? 0 : 1)
    }

    /// SIGTERM, SIGINT, SIGHUP: cancel everything (each gets -32800), give the replies a moment, exit as EOF would.
    public func terminateBySignal(_ signal: String = "SIGTERM") {
        log(.info, "\(signal): cancelling \(inFlight.count) request(s) and exiting")
        inFlight.cancelAll()
        lanes.values.forEach { $0.withdrawAll() }
        inFlight.waitUntilEmpty(timeout: 1)
        terminate(state == .shuttingDown ? 0 : 1)
    }
}
