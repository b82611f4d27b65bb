#if canImport(Glibc)
import Glibc
#endif
import ExplainProtocol

/// The dispatcher with every method registered. One registration per method group; a new method is a new
/// handler file plus one line here.
public final class Server: @unchecked Sendable {
    public let dispatcher: Dispatcher
    let log: Log

    public init(options: ServerOptions, writer: MessageWriter, log: Log,
                terminate: @escaping @Sendable (Int32) -> Void = { exit($0) }) {
        self.log = log
        dispatcher = Dispatcher(options: options, writer: writer, log: log, terminate: terminate)
        LifecycleHandlers.register(on: dispatcher, capabilities: { [unowned self] in self.capabilities() },
                                   models: { [] })
    }

    func capabilities() -> ServerCapabilities {
        ServerCapabilities(methods: dispatcher.methodNames, attributionMethods: [], normalizations: [],
                           granularities: [], outputs: [], limits: dispatcher.options.limits)
    }

    public func loadStartupModels() {}
}
