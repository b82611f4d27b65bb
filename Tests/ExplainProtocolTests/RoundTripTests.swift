import XCTest
import ExplainProtocol

/// Every params type encodes what it decodes and every result decodes what it encodes, so the daemon, the
/// REPL and the tests speak through the same types.
final class RoundTripTests: XCTestCase {
    func roundTrip<P: RequestParams & Equatable>(_ params: P, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = JSONSerializer.string(params.json)
        XCTAssertEqual(try P.decode(JSONParser.parse(text)), params, text, file: file, line: line)
    }

    func roundTrip<R: JSONEncodable & JSONDecodable & Equatable>(result: R, file: StaticString = #filePath, line: UInt = #line) throws {
        let text = JSONSerializer.string(result.json)
        let decoded = try R(json: JSONParser.parse(text), at: "")
        XCTAssertEqual(decoded, result, text, file: file, line: line)
        XCTAssertEqual(JSONSerializer.string(decoded.json), text, file: file, line: line)
    }

    func testParams() throws {
        try roundTrip(ExplainParams(input: .single("hi")))
        try roundTrip(ExplainParams(input: .many(["a", "é"]), method: "integratedGradients",
                                    scoring: ScoringParams(target: .label("pos"), foil: .index(0), output: "logit", normalize: "l1",
                                                           normalizeSpecialTokens: true, granularity: "word"),
                                    options: ["steps": .integer(8), "noise": .number(0.25), "baseline": .string("pad"), "x": .bool(true)],
                                    model: "m", workDoneToken: .string("t")))
        try roundTrip(CompareMethodsParams(text: "t", methods: ["a", "b"], scoring: ScoringParams(target: .index(1)), options: ["a": ["steps": .integer(2)]],
                                           metrics: ["agreement"], thresholds: [0.1, 0.5], removal: "mask", topK: 3,
                                           topKFraction: 0.2, batchSize: 4, model: "m", workDoneToken: .number(7)))
        try roundTrip(TokenizeParams(text: "x", model: nil))
        try roundTrip(PredictParams(input: .many(["x", "y"]), model: "m"))
        try roundTrip(ModelsLoadParams(path: "/m", id: "one", makeDefault: true))
        try roundTrip(ModelsUnloadParams(id: "one"))
        try roundTrip(InitializeParams(clientInfo: ClientInfo(name: "c", version: "1"), positionEncodings: ["utf-32"]))
        XCTAssertEqual(JSONSerializer.string(ExplainParams(input: .single("hi")).json), #"{"method":"vanillaGradient","text":"hi"}"#,
                       "absent fields are left out")
    }

    func testResults() throws {
        let tokens = [TokenInfo(id: 101, text: "[CLS]", start: nil, end: nil, special: true, word: nil),
                      TokenInfo(id: 7, text: "vote", start: 0, end: 4, special: false, word: 0)]
        let words = [WordInfo(text: "vote", start: 0, end: 4, tokens: [1])]
        let prediction = PredictionInfo(label: "pos", index: 1, probabilities: [0.25, 0.75], logits: [-1, 0.1], truncated: false)
        let explanation = ExplanationInfo(
            text: "vote", method: "occlusion", options: ["replacement": .string("mask")], target: ClassInfo(index: 1, label: "pos"),
            foil: nil, prediction: prediction, output: "probability", normalize: "max", granularity: "word", tokens: tokens,
            tokenScores: [0, 0.3], rawTokenScores: [0, 0.1], words: words, wordScores: [0.3], truncated: false,
            extras: ["k": .integer(1)], elapsedMs: 1.5)
        try roundTrip(result: explanation)
        try roundTrip(result: TokenizeResult(tokens: tokens, words: words, truncated: true,
                                             fragmented: [FragmentedWord(word: 0, text: "vote", pieces: ["vo", "##te"])]))
        try roundTrip(result: prediction)
        try roundTrip(result: ModelsListResult(models: [ModelDescription(id: "m", path: "/m", architecture: "bert", labels: ["a"],
                                                                          maxTokens: 512, isDefault: true, hiddenSize: 8,
                                                                          layers: 1, vocabularySize: 30)]))
        try roundTrip(result: ModelsUnloadResult(id: "m", defaultModel: nil))
        let compared = CompareMethodsResult(
            text: "vote", tokens: tokens, words: words, truncated: false, prediction: prediction,
            target: ClassInfo(index: 1, label: "pos"), foil: ClassInfo(index: 0, label: "neg"), output: "probability",
            normalize: "max", granularity: "token",
            methods: [ComparedMethodInfo(method: "a", signed: true, options: [:], scores: [0, 1], rawScores: [0, 2],
                                         wordScores: nil, extras: [:], elapsedMs: 2)],
            probability: 0.75, leaveOneOut: [nil, 0.5], topK: 1,
            agreement: [AgreementInfo(a: "a", b: "b", spearman: 1, kendall: nil, topKOverlap: 0.5, spearmanAbsolute: nil,
                                      kendallAbsolute: nil, topKOverlapAbsolute: nil)],
            faithfulness: [FaithfulnessInfo(method: "a", comprehensiveness: 0.5, sufficiency: 0.1, taucorrLoo: nil,
                                            rationales: [RationaleInfo(threshold: 0.1, k: 1, tokens: [1], withoutProbability: 0.2,
                                                                       onlyProbability: nil)],
                                            deletionCurve: [0.75, 0.25], deletionArea: 0.5)],
            ranking: [RankInfo(method: "a", rank: 1, score: 0.4)], summary: "a", settings: ["topK": .integer(1)],
            perturbedInputs: 3, batches: 1, elapsedMs: 9)
        try roundTrip(result: compared)
        let many = ExplainResult.many([explanation, explanation], elapsedMs: 3)
        guard case .many(let decoded, 3) = try ExplainResult(json: many.json, at: "") else { return XCTFail("not many") }
        XCTAssertEqual(decoded, [explanation, explanation])
    }

    func testResultsThatDoNotFitNameTheField() {
        XCTAssertThrowsError(try PredictionInfo(json: ["label": "x", "index": "one", "probabilities": []], at: "result")) { error in
            XCTAssertEqual(error as? InvalidField, InvalidField(field: "result.index", reason: "expected integer, got string"))
        }
        XCTAssertThrowsError(try ExplainParams.decode(["text": "x", "options": ["\u{E9}": 1, "e\u{301}": 2]])) { error in
            XCTAssertEqual((error as? InvalidField)?.reason, "two keys equal up to Unicode normalisation")
        }
    }
}
