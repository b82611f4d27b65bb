#if canImport(Glibc)
import Glibc
#endif
import ExplainProtocol
import ExplainAttribution

/// The dispatcher with every method registered. One registration per method group; a new method is a new
/// handler file plus one line here.
public final class Server: @unchecked Sendable {
    public let dispatcher: Dispatcher
    public let models: ModelStore
    let log: Log

    public init(options: ServerOptions, writer: MessageWriter, log: Log,
                terminate: @escaping @Sendable (Int32) -> Void = { exit($0) }) {
        self.log = log
        dispatcher = Dispatcher(options: options, writer: writer, log: log, terminate: terminate)
        models = ModelStore(log: log)
        LifecycleHandlers.register(on: dispatcher, capabilities: { [unowned self] in self.capabilities() },
                                   models: { [models] in models.list() })
        TextHandlers.register(on: dispatcher, models: models)
        ExplainHandler.register(on: dispatcher, models: models)
        CompareMethodsHandler.register(on: dispatcher, models: models)
        ModelHandlers.register(on: dispatcher, models: models)
    }

    func capabilities() -> ServerCapabilities {
        // The maxima in effect: the server's --max-steps / --max-samples where they are lower.
        let serverMaxima = ["steps": Double(dispatcher.options.maxSteps), "samples": Double(dispatcher.options.maxSamples)]
        let methods = AttributionRegistry.methods.map { method in
            AttributionMethodInfo(name: method.name, signed: method.signed, summary: method.summary, options: method.options.map {
                OptionInfo(name: $0.name, kind: $0.kind.rawValue, defaultValue: $0.defaultValue.map(ExplainHandler.json),
                           minimum: $0.minimum, maximum: [$0.maximum, serverMaxima[$0.name]].compactMap { $0 }.min(),
                           choices: $0.choices, summary: $0.summary)
            })
        }
        return ServerCapabilities(
            methods: dispatcher.methodNames, attributionMethods: methods,
            normalizations: Normalization.allCases.map(\.rawValue), granularities: Granularity.allCases.map(\.rawValue),
            outputs: OutputKind.allCases.map(\.rawValue), limits: dispatcher.options.limits)
    }

    /// The command line's --model directories, the first one the default. A model that fails to load ends
    /// the process with the reason on stderr: a daemon serving the wrong model is worse than none.
    public func loadStartupModels() {
        let startup = dispatcher.options.models
        if startup.isEmpty {
            log(.warning, ModelStore.noModelMessage)
        }
        for (index, entry) in startup.enumerated() {
            do {
                _ = try models.load(path: entry.path, id: entry.id, makeDefault: index == 0)
            } catch {
                fputs("explaind: cannot load --model \(entry.path): \(error)\n", stderr)
                exit(2)
            }
        }
    }
}
