import ExplainProtocol

/// `models/load` (on its own lane: it reads and converts weights), `models/list`, `models/unload` (inline),
/// `models/adapt` (AdaptHandler).
enum ModelHandlers {
    static func register(on dispatcher: Dispatcher, models: ModelStore) {
        dispatcher.register(ModelsLoadParams.self, lane: .loading) { params, _ in
            try models.load(path: params.path, id: params.id, makeDefault: params.makeDefault)
        }
        dispatcher.register(ModelsListParams.self, lane: .inline) { _, _ in
            ModelsListResult(models: models.list())
        }
        dispatcher.register(ModelsUnloadParams.self, lane: .inline) { params, _ in
            try models.unload(params.id)
        }
        AdaptHandler.register(on: dispatcher, models: models)
    }
}
