import Foundation
import ExplainProtocol
import ExplainTraining

/// `models/adapt`: on the long lane (it trains for minutes), with work-done progress; cancelling stops the
/// training and writes nothing. The adapted model is loaded under its new id when done.
enum AdaptHandler {
    static func register(on dispatcher: Dispatcher, models: ModelStore) {
        dispatcher.register(ModelsAdaptParams.self, lane: .long, queuedWork: queuedWork) { params, context in
            let resident = try models.resolve(params.model)
            let out = URL(fileURLWithPath: params.out).standardizedFileURL
            let id = params.id ?? out.lastPathComponent
            if models.list().contains(where: { $0.id == id }) {
                throw ResponseError.invalidParams(field: "id", reason: "a model with id \"\(id)\" is already loaded (unload it first or choose another id)")
            }
            let tokens: Adaptation.TokenSource
            if let list = params.addTokens { tokens = .list(list) } else { tokens = .aggregate(URL(fileURLWithPath: params.addFrom!), top: params.top!) }
            var adaptation = Adaptation(model: resident.model.directory, data: URL(fileURLWithPath: params.data),
                                        heldout: params.heldout.map { URL(fileURLWithPath: $0) }, tokens: tokens, out: out)
            adaptation.keepOnStop = false
            let options: [(String, String?)] = [("train", params.train), ("epochs", params.epochs.map(String.init)),
                                                ("learningRate", params.learningRate.map { "\($0)" }), ("weightDecay", params.weightDecay.map { "\($0)" }),
                                                ("batchSize", params.batchSize.map(String.init)), ("seed", params.seed.map(String.init)),
                                                ("format", params.format), ("textField", params.textField), ("labelField", params.labelField)]
            for case let (field, value?) in options {
                do { try adaptation.set(field, value) } catch let error as TrainingError {
                    throw ResponseError.invalidParams(field: field, reason: error.description)
                }
            }
            let result: Adaptation.Result
            // Progress only moves forward in whole percents: the epochs' figures ride on the batch reports.
            var lastEpoch = "", fraction = 0.0
            do {
                result = try adaptation.run(events: { event in
                    switch event {
                    case .stage(let message):
                        if fraction > 0 { fraction = min(fraction + 0.04, 0.99) }
                        context.progress?.report(fraction: fraction, message: message + lastEpoch)
                    case .batch(let done, let total):
                        fraction = 0.9 * Double(done) / Double(max(total, 1))
                        context.progress?.report(fraction: fraction, message: "training, batch \(done)/\(total)" + lastEpoch)
                    case .epoch(let number, let of, let loss, let accuracy, let heldout):
                        lastEpoch = String(format: " (epoch %d/%d: loss %.4f, %@ accuracy %.1f%%)", number, of, loss, heldout ? "held-out" : "training", accuracy * 100)
                    }
                }, shouldStop: { context.isCancelled })
            } catch let error as TrainingError {
                throw ErrorMapping.trainingError(error)
            }
            let description = try models.load(path: result.directory.path, id: id, makeDefault: false)
            return ModelsAdaptResult(model: description, out: result.directory.path, report: result.report.json)
        }
    }

    /// The token-passes a request will cost, from its files' sizes before anything is read: about a token per
    /// 3 bytes, trained for `epochs` (a forward and a backward, 3 passes each) and evaluated before, after
    /// and per epoch, with a gradient per text for the report's attributions (8 more).
    static func queuedWork(_ params: ModelsAdaptParams) -> Int {
        let bytes = [params.data, params.heldout].compactMap { $0 }.reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
        let epochs = Double(params.epochs ?? Adaptation.defaultEpochs)
        return ExplainHandler.clamped(Double(bytes) / 3 * (3 * max(epochs, 1) + 8))
    }
}
