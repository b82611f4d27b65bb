import ExplainProtocol

/// `initialize` and `shutdown`: inline on the reader thread, so the lifecycle changes before the next message.
enum LifecycleHandlers {
    static let maxPositionEncodings = 16

    static func register(on dispatcher: Dispatcher, capabilities: @escaping () -> ServerCapabilities,
                         models: @escaping () -> [ModelDescription]) {
        dispatcher.register(InitializeParams.self, lane: .inline) { [unowned dispatcher] params, _ in
            // LSP knows three encodings; a longer list is not a client's preference order.
            if let offered = params.positionEncodings, offered.count > maxPositionEncodings {
                throw InvalidField(field: "positionEncodings", reason: "\(offered.count) entries; at most \(maxPositionEncodings)")
            }
            let encoding = PositionEncoding.negotiate(params.positionEncodings)
            dispatcher.enter(.running, encoding: encoding)
            if let client = params.clientInfo {
                dispatcher.log(.info, "client \(client.name) \(client.version ?? ""); positions in \(encoding.rawValue)")
            }
            return InitializeResult(
                serverInfo: ServerInfo(name: "explaind", version: ServerCommandLine.version),
                positionEncoding: encoding, capabilities: capabilities(), models: models())
        }
        dispatcher.register(ShutdownParams.self, lane: .inline) { [unowned dispatcher] _, _ in
            dispatcher.enter(.shuttingDown)
            return EmptyResult()
        }
    }
}
