import Foundation
import ExplainProtocol
import ExplainModel
import ExplainAttribution
import ExplainTokenizer

/// A model kept in memory, with the explainer over it. Requests hold a reference, so unloading never pulls a
/// model from under a running computation.
public final class ResidentModel: @unchecked Sendable {
    public let id: String
    public let path: String
    public let model: ClassifierModel
    public let explainer: Explainer

    init(id: String, path: String, model: ClassifierModel) {
        self.id = id
        self.path = path
        self.model = model
        explainer = Explainer(model: model)
    }

    /// Runs a computation over the model's weights, refusing when model.safetensors changed on disk since
    /// the load: before, the weights would be a mix of old and new pages; after, the pass may have read the
    /// zeros that stand in for a truncated file's missing pages (MappedFileGuard).
    func usingWeights<T>(_ body: () throws -> T) throws -> T {
        try checkWeights()
        let result = try body()
        try checkWeights()
        return result
    }

    private func checkWeights() throws {
        do { try model.checkUnchanged() } catch {
            throw ResponseError(code: .internalError, message: "internal error: model \"\(id)\": \(error)",
                                data: ["model": .string(id), "path": .string(path)])
        }
    }

    func describe(isDefault: Bool) -> ModelDescription {
        ModelDescription(id: id, path: path, architecture: model.config.architecture.rawValue,
                         labels: model.config.labels, maxTokens: model.maxTokens, isDefault: isDefault,
                         hiddenSize: model.config.hiddenSize, layers: model.config.layerCount,
                         vocabularySize: model.tokenizer.vocabularySize)
    }
}

/// The resident models by id, and which one answers requests that name none.
public final class ModelStore: @unchecked Sendable {
    private let lock = NSLock()
    private var models: [String: ResidentModel] = [:]
    private var order: [String] = []
    private var loading: Set<String> = []
    private(set) var defaultID: String?
    private let log: Log

    init(log: Log) { self.log = log }

    public static let noModelMessage = """
        no model is loaded: start explaind with --model DIR (a HuggingFace <Family>ForSequenceClassification \
        directory of bert, distilbert, roberta, xlm-roberta, camembert, electra, albert, modernbert or deberta-v2, with config.json, \
        the weights and the tokenizer files), or load one with models/load {"path": DIR}
        """

    /// Loads a directory (on the caller's thread: the loading lane or start-up) and makes it resident.
    func load(path: String, id requestedID: String?, makeDefault: Bool) throws -> ModelDescription {
        let directory = URL(fileURLWithPath: path).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ResponseError(code: .modelNotFound, message: "model not found: \(directory.path) is not a directory",
                                data: ["path": .string(directory.path)])
        }
        let config = directory.appendingPathComponent("config.json").path
        guard FileManager.default.fileExists(atPath: config) else {
            let message = LinkedFile.isDangling(config) ? LinkedFile.missing(config)
                : "no config.json in \(directory.path) (not a HuggingFace model directory)"
            throw ResponseError(code: .modelNotFound, message: "model not found: " + message, data: ["path": .string(directory.path)])
        }
        let id = requestedID ?? directory.lastPathComponent
        try reserve(id)
        defer { release(id) }
        let started = Date()
        let model: ClassifierModel
        do {
            model = try ClassifierModel.load(directory: directory)
        } catch {
            throw ErrorMapping.modelLoadError(error, path: directory.path)
        }
        let resident = ResidentModel(id: id, path: directory.path, model: model)
        lock.lock()
        models[id] = resident
        order.append(id)
        if makeDefault || defaultID == nil { defaultID = id }
        let description = resident.describe(isDefault: defaultID == id)
        lock.unlock()
        let copies = model.inputGradientCopies, threads = ClassifierModel.threadCount
        log(.info, "loaded model \(id) from \(directory.path) in \(Int(Date().timeIntervalSince(started) * 1000)) ms; "
            + "\(threads) compute thread\(threads == 1 ? "" : "s"), \(copies.copied) of \(copies.copied + copies.shared) dense layers "
            + "with an input-gradient copy (\(String(format: "%.1f", Double(copies.copiedBytes) / 1048576)) MB)")
        return description
    }

    private func reserve(_ id: String) throws {
        lock.lock()
        defer { lock.unlock() }
        guard models[id] == nil, !loading.contains(id) else {
            throw ResponseError.invalidParams(field: "id", reason: "a model with id \"\(id)\" is already loaded (unload it first or choose another id)")
        }
        loading.insert(id)
    }

    private func release(_ id: String) {
        lock.lock()
        loading.remove(id)
        lock.unlock()
    }

    /// The model a request names, or the default.
    func resolve(_ id: String?) throws -> ResidentModel {
        lock.lock()
        defer { lock.unlock() }
        if let id {
            guard let model = models[id] else {
                throw ResponseError(code: .modelNotFound,
                                    message: "model not found: no resident model \"\(id)\" (resident: \(order.joined(separator: ", ")))",
                                    data: ["field": "model", "id": .string(id)])
            }
            return model
        }
        guard let defaultID, let model = models[defaultID] else {
            throw ResponseError(code: .modelNotFound, message: Self.noModelMessage, data: ["field": "model"])
        }
        return model
    }

    func unload(_ id: String) throws -> ModelsUnloadResult {
        lock.lock()
        defer { lock.unlock() }
        guard models.removeValue(forKey: id) != nil else {
            throw ResponseError(code: .modelNotFound, message: "model not found: no resident model \"\(id)\"",
                                data: ["field": "id", "id": .string(id)])
        }
        order.removeAll { $0 == id }
        if defaultID == id { defaultID = order.first }
        return ModelsUnloadResult(id: id, defaultModel: defaultID)
    }

    func list() -> [ModelDescription] {
        lock.lock()
        defer { lock.unlock() }
        return order.compactMap { id in models[id]?.describe(isDefault: id == defaultID) }
    }
}
