import XCTest
import ExplainProtocol

/// compareMethods params: defaults, per-method options, field-precise errors; the result's JSON shape.
final class CompareMethodsMessageTests: XCTestCase {
    func testDecoding() throws {
        let params = try CompareMethodsParams.decode(try JSONParser.parse(
            #"{"text":"hi","methods":["occlusion","smoothGrad"],"options":{"smoothGrad":{"samples":4,"seed":1},"occlusion":{"replacement":"delete"}},"#
            + #""metrics":["agreement","taucorr_loo"],"thresholds":[0.5,1],"removal":"mask","topK":2,"topKFraction":0.3,"batchSize":8,"#
            + #""target":"positive","workDoneToken":7}"#))
        XCTAssertEqual(params.text, "hi")
        XCTAssertEqual(params.methods, ["occlusion", "smoothGrad"])
        XCTAssertEqual(params.options["smoothGrad"], ["samples": .integer(4), "seed": .integer(1)])
        XCTAssertEqual(params.options["occlusion"], ["replacement": .string("delete")])
        XCTAssertEqual(params.metrics, ["agreement", "taucorr_loo"])
        XCTAssertEqual(params.thresholds, [0.5, 1])
        XCTAssertEqual(params.removal, "mask")
        XCTAssertEqual(params.topK, 2)
        XCTAssertEqual(params.topKFraction, 0.3)
        XCTAssertEqual(params.batchSize, 8)
        XCTAssertEqual(params.scoring.target, .label("positive"))
        XCTAssertEqual(params.workDoneToken, .number(7))

        let defaults = try CompareMethodsParams.decode(["text": "hi"])
        XCTAssertNil(defaults.methods)
        XCTAssertEqual(defaults.options, [:])
        XCTAssertNil(defaults.metrics)
    }

    func testFieldPreciseErrors() {
        XCTAssertEqual(field(CompareMethodsParams.self, "{}"), "text")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"texts":["a"]}"#), "text")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","methods":"occlusion"}"#), "methods")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","methods":["occlusion",2]}"#), "methods[1]")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","options":{"occlusion":"delete"}}"#), "options.occlusion")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","options":{"integratedGradients":{"steps":[50]}}}"#), "options.integratedGradients.steps")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","options":[]}"#), "options")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","metrics":[true]}"#), "metrics[0]")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","thresholds":[0.5,"x"]}"#), "thresholds[1]")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","topK":1.5}"#), "topK")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","topKFraction":"a"}"#), "topKFraction")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","batchSize":null,"removal":3}"#), "removal")
        XCTAssertEqual(field(CompareMethodsParams.self, #"{"text":"a","foil":[]}"#), "foil")
        XCTAssertNil(field(CompareMethodsParams.self, #"{"text":"a","options":{"occlusion":{}},"methods":null}"#))
    }

    func testResultShape() throws {
        let result = CompareMethodsResult(
            text: "a", tokens: [TokenInfo(id: 101, text: "[CLS]", start: nil, end: nil, special: true, word: nil)], words: [],
            truncated: false, prediction: PredictionInfo(label: "x", index: 0, probabilities: [1], logits: [2], truncated: false),
            target: ClassInfo(index: 0, label: "x"), foil: nil, output: "logit", normalize: "max", granularity: "token",
            methods: [ComparedMethodInfo(method: "m", signed: true, options: [:], scores: [0.5], rawScores: [2], wordScores: nil,
                                         extras: [:], elapsedMs: 1.5)],
            probability: 0.75, leaveOneOut: [nil], topK: 1,
            agreement: [AgreementInfo(a: "m", b: "n", spearman: nil, kendall: 1, topKOverlap: 0.5, spearmanAbsolute: 1,
                                      kendallAbsolute: nil, topKOverlapAbsolute: 1)],
            faithfulness: [FaithfulnessInfo(method: "m", comprehensiveness: 0.25, sufficiency: nil, taucorrLoo: nil,
                                            rationales: [RationaleInfo(threshold: 0.5, k: 1, tokens: [1], withoutProbability: 0.5, onlyProbability: nil)],
                                            deletionCurve: [0.75, 0.5], deletionArea: 0.625)],
            ranking: [RankInfo(method: "m", rank: 1, score: 0.25)], summary: "s", settings: ["removal": .string("delete")],
            perturbedInputs: 3, batches: 1, elapsedMs: 2)
        let json = result.json
        XCTAssertEqual(json["agreement"], .array([[
            "a": "m", "b": "n", "spearman": .null, "kendall": .integer(1), "topKOverlap": .number(0.5), "spearmanAbsolute": .integer(1),
            "kendallAbsolute": .null, "topKOverlapAbsolute": .integer(1)]]))
        XCTAssertEqual(JSONSerializer.string(json["faithfulness"]!),
                       #"[{"comprehensiveness":0.25,"deletionArea":0.625,"deletionCurve":[0.75,0.5],"method":"m","rationales":[{"k":1,"onlyProbability":null,"#
                       + #""threshold":0.5,"tokens":[1],"withoutProbability":0.5}],"sufficiency":null,"taucorr_loo":null}]"#)
        XCTAssertEqual(json["leaveOneOut"], .array([.null]))
        XCTAssertEqual(json["foil"], .null)
        XCTAssertEqual(JSONSerializer.string(json["methods"]!),
                       #"[{"elapsedMs":1.5,"extras":{},"method":"m","options":{},"rawScores":[2],"scores":[0.5],"signed":true,"wordScores":null}]"#)
        XCTAssertEqual(JSONSerializer.string(json["ranking"]!), #"[{"method":"m","rank":1,"score":0.25}]"#)
    }
}
