import Foundation
import XCTest
import ExplainProtocol
import ExplainModel
import ExplainAttribution
@testable import ExplainServer

/// compareMethods through a real `explaind`: the reply field by field against the library run in-process,
/// progress, cancellation, and bad params answered with the field while the daemon keeps serving.
final class CompareMethodsTests: XCTestCase {
    static let bert = "bert-gelu-2labels"
    let text = "The APC and PDP traded accusations of vote buying in Lagos."

    func startDaemon(_ model: String = CompareMethodsTests.bert, _ extra: [String] = []) throws -> DaemonProcess {
        let daemon = try launchDaemon(arguments: ["--model", TestPaths.model(model)] + extra)
        _ = daemon.initialize()
        return daemon
    }

    func number(_ value: JSONValue?) -> Double? { value?.doubleValue }

    func testDefaultComparisonEqualsTheLibraryInProcess() throws {
        let daemon = try startDaemon()
        let started = Date()
        let result = try XCTUnwrap(daemon.call("compareMethods", ["text": .string(text)]))
        let elapsed = Date().timeIntervalSince(started)

        let explainer = Explainer(model: try ClassifierModel.load(directory: URL(fileURLWithPath: TestPaths.model(Self.bert))))
        let local = try explainer.compare(text: text, request: CompareRequest())
        let tokens = try XCTUnwrap(result["tokens"]?.arrayValue)
        XCTAssertEqual(tokens.map { $0["id"]?.intValue }, local.encoding.ids)
        XCTAssertEqual(result["target"]?["index"]?.intValue, local.target.index)
        XCTAssertEqual(result["prediction"]?["label"]?.stringValue, local.prediction.label)

        let methods = try XCTUnwrap(result["methods"]?.arrayValue)
        XCTAssertEqual(methods.map { $0["method"]?.stringValue }, CompareRequest.defaultMethods)
        for (method, run) in zip(methods, local.runs) {
            let scores = try XCTUnwrap(method["scores"]?.arrayValue).map { Float($0.doubleValue!) }
            XCTAssertEqual(scores, run.explanation.tokenScores, run.explanation.method)
            XCTAssertEqual(method["signed"]?.boolValue, AttributionRegistry.methods.first { $0.name == run.explanation.method }!.signed)
            XCTAssertNotNil(number(method["elapsedMs"]))
        }
        XCTAssertNotNil(methods[3]["extras"]?["gap"], "integrated gradients' gap")
        XCTAssertEqual(methods[3]["options"]?["steps"]?.intValue, 50, "defaults filled in")

        let figures = local.figures
        XCTAssertEqual(number(result["probability"]), figures.probability)
        XCTAssertEqual(result["topK"]?.intValue, figures.topK)
        let agreement = try XCTUnwrap(result["agreement"]?.arrayValue)
        XCTAssertEqual(agreement.count, 15)
        for (pair, expected) in zip(agreement, figures.agreement) {
            XCTAssertEqual(pair["a"]?.stringValue, expected.first)
            XCTAssertEqual(pair["b"]?.stringValue, expected.second)
            XCTAssertEqual(number(pair["spearman"]), expected.spearman)
            XCTAssertEqual(number(pair["kendall"]), expected.kendall)
            XCTAssertEqual(number(pair["spearmanAbsolute"]), expected.spearmanAbsolute)
            XCTAssertEqual(number(pair["kendallAbsolute"]), expected.kendallAbsolute)
            XCTAssertEqual(number(pair["topKOverlap"]), expected.topKOverlap)
            XCTAssertEqual(number(pair["topKOverlapAbsolute"]), expected.topKOverlapAbsolute)
        }
        let faithfulness = try XCTUnwrap(result["faithfulness"]?.arrayValue)
        for (entry, expected) in zip(faithfulness, figures.faithfulness) {
            XCTAssertEqual(entry["method"]?.stringValue, expected.method)
            XCTAssertEqual(number(entry["comprehensiveness"]), expected.comprehensiveness)
            XCTAssertEqual(number(entry["sufficiency"]), expected.sufficiency)
            XCTAssertEqual(number(entry["taucorr_loo"]), expected.taucorrLoo)
            XCTAssertEqual(entry["deletionCurve"]?.arrayValue?.map { $0.doubleValue! }, expected.deletionCurve?.probabilities)
            XCTAssertEqual(number(entry["deletionArea"]), expected.deletionCurve?.area)
            let rationales = try XCTUnwrap(entry["rationales"]?.arrayValue)
            XCTAssertEqual(rationales.map { $0["tokens"]?.arrayValue?.map { $0.intValue! } }, expected.rationales.map(\.tokens))
            XCTAssertEqual(rationales.map { number($0["withoutProbability"]) }, expected.rationales.map(\.withoutProbability))
        }
        XCTAssertEqual(result["ranking"]?.arrayValue?.map { $0["method"]?.stringValue }, figures.ranking.map(\.method))
        XCTAssertEqual(result["summary"]?.stringValue, figures.summary)
        // Leave-one-out per token, null on [CLS] and [SEP].
        let leaveOneOut = try XCTUnwrap(result["leaveOneOut"]?.arrayValue)
        XCTAssertEqual(leaveOneOut.count, tokens.count)
        XCTAssertEqual(leaveOneOut.first, .null)
        XCTAssertEqual(leaveOneOut.last, .null)
        XCTAssertEqual(leaveOneOut.dropFirst().dropLast().map { $0.doubleValue! }, figures.leaveOneOut)
        XCTAssertEqual(result["settings"]?["removal"], "delete")
        XCTAssertEqual(result["settings"]?["thresholds"]?.arrayValue?.count, 10)
        XCTAssertEqual(result["perturbedInputs"]?.intValue, figures.perturbedInputs)
        print("compareMethods (6 methods, \(tokens.count) tokens, \(Self.bert)) through explaind: \(Int(elapsed * 1000)) ms round trip, "
              + "\(result["elapsedMs"]?.doubleValue ?? 0) ms in the daemon, \(figures.perturbedInputs) perturbed inputs")
    }

    func testOptionsMetricsAndMaskRemoval() throws {
        let daemon = try startDaemon("distilbert-3labels-bf16")
        let result = try XCTUnwrap(daemon.call("compareMethods", [
            "text": "Voters queued for hours to elect their governor in Kano state.",
            "methods": ["occlusion", "integratedGradients"], "target": "general",
            "options": ["integratedGradients": ["steps": 16, "rule": "riemannMiddle"], "occlusion": ["replacement": "delete"]],
            "metrics": ["comprehensiveness", "sufficiency", "taucorr_loo"], "removal": "mask", "thresholds": [0.25, 0.5, 1],
            "normalize": "none", "granularity": "word", "topK": 2,
        ]))
        XCTAssertEqual(result["target"]?["label"], "general")
        XCTAssertEqual(result["methods"]?.arrayValue?[0]["options"]?["replacement"], "delete")
        XCTAssertEqual(result["methods"]?.arrayValue?[1]["options"]?["steps"]?.intValue, 16)
        XCTAssertNotNil(result["methods"]?.arrayValue?[0]["wordScores"]?.arrayValue)
        XCTAssertEqual(result["agreement"], .array([]))
        XCTAssertEqual(result["faithfulness"]?.arrayValue?[0]["deletionCurve"], .null)
        XCTAssertEqual(result["faithfulness"]?.arrayValue?[0]["taucorr_loo"]?.doubleValue, 1, "occlusion by deletion is leave-one-out")
        XCTAssertEqual(result["settings"]?["removal"], "mask")
        XCTAssertEqual(result["settings"]?["metrics"], ["comprehensiveness", "sufficiency", "taucorr_loo"])
        XCTAssertTrue(result["faithfulness"]!.arrayValue!.allSatisfy { ($0["rationales"]?.arrayValue?.count ?? 0) <= 3 })
        XCTAssertEqual(result["ranking"]?.arrayValue?.count, 2)
    }

    func testProgressThenCancellation() throws {
        let daemon = try startDaemon("bert-largest")
        // Progress from begin to end on a short comparison.
        daemon.sendRequest("compareMethods", ["text": "a short text", "methods": ["gradientNorm", "occlusion"],
                                              "batchSize": 2, "workDoneToken": "cmp"], id: 80)
        let reply = try XCTUnwrap(daemon.reply(to: 80, timeout: 120))
        XCTAssertNotNil(reply["result"]?["ranking"], "\(reply)")
        let values = daemon.progressValues(token: "cmp")
        XCTAssertEqual(values.first?["kind"], "begin")
        XCTAssertEqual(values.last?["kind"], "end")
        let percentages = values.compactMap { $0["percentage"]?.intValue }
        XCTAssertEqual(percentages, percentages.sorted())
        XCTAssertGreaterThanOrEqual(values.filter { $0["kind"] == "report" }.count, 2)

        // A long comparison, cancelled while it runs; then the daemon keeps serving.
        let longText = Array(repeating: "Voters queued for hours to elect their governor in Kano state", count: 6).joined(separator: ". ")
        daemon.sendRequest("compareMethods", [
            "text": .string(longText), "batchSize": 2, "workDoneToken": "long",
            "options": ["integratedGradients": ["steps": 400, "batchSize": 2], "smoothGrad": ["batchSize": 2], "occlusion": ["batchSize": 2]],
        ], id: "long")
        XCTAssertNotNil(daemon.waitFor("progress report", timeout: 60) {
            $0["method"] == "$/progress" && $0["params"]?["token"] == "long" && $0["params"]?["value"]?["kind"] == "report"
        })
        XCTAssertNotNil(daemon.call("tokenize", ["text": "quick"]), "a cheap request overtakes the comparison")
        let cancelledAt = Date()
        daemon.notify("$/cancelRequest", ["id": "long"])
        let cancelled = daemon.reply(to: "long", timeout: 60)
        XCTAssertEqual(cancelled?["error"]?.errorCode, ErrorCode.requestCancelled.rawValue)
        print("compareMethods cancelled in \(Int(Date().timeIntervalSince(cancelledAt) * 1000)) ms")
        XCTAssertNotNil(daemon.call("compareMethods", ["text": "still here", "methods": ["gradientNorm", "gradientXInput"]]))
    }

    func testBadParamsNameTheField() throws {
        let daemon = try startDaemon()
        let cases: [(JSONValue, String)] = [
            (["methods": ["occlusion", "anchors"]], "methods[1]"),
            (["methods": []], "methods"),
            (["methods": ["occlusion", "occlusion"]], "methods"),
            (["metrics": ["faithfulness"]], "metrics[0]"),
            (["removal": "blank"], "removal"),
            (["thresholds": [0.5, 2]], "thresholds"),
            (["topK": 0], "topK"),
            (["topKFraction": 0], "topKFraction"),
            (["batchSize": 0], "batchSize"),
            (["options": ["integratedGradients": ["steps": 5000]]], "options.integratedGradients.steps"),
            (["options": ["integratedGradients": ["steps": 0]]], "options.integratedGradients.steps"),
            (["options": ["smoothGrad": ["colour": "red"]]], "options.smoothGrad.colour"),
            (["methods": ["occlusion"], "options": ["smoothGrad": ["samples": 2]]], "options.smoothGrad"),
            (["target": "nonsense"], "target"),
            (["foil": 7], "foil"),
            (["normalize": "softmax"], "normalize"),
            (["model": "nope"], "model"),
        ]
        for (extra, field) in cases {
            guard case .object(var params) = extra else { continue }
            params["text"] = "a vote in Kano"
            let error = daemon.callError("compareMethods", .object(params))
            XCTAssertEqual(error?["data"]?["field"]?.stringValue, field, "\(JSONSerializer.string(extra)): \(error.map(JSONSerializer.string) ?? "")")
        }
        XCTAssertEqual(daemon.callError("compareMethods", ["text": " "])?.errorField, "text")
        XCTAssertEqual(daemon.callError("compareMethods", [:])?.errorField, "text")
        XCTAssertEqual(daemon.callError("compareMethods", ["text": "a", "options": ["occlusion": 3]])?.errorField, "options.occlusion")
        XCTAssertNotNil(daemon.call("compareMethods", ["text": "after the errors", "methods": ["gradientNorm", "occlusion"]]))
    }
}
