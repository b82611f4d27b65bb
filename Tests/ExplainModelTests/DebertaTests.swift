import XCTest
import ExplainJSON
@testable import ExplainModel

/// DeBERTa-v2/v3's own layers against finite differences of their forward (the probe of LayerGradientTests).
extension LayerGradientTests {
    func debertaSettings(_ json: JSONObject) throws -> DebertaSettings {
        try DebertaSettings(ConfigFields(json: json) { .malformedConfig(file: "config.json", reason: $0) }, hiddenSize: 8, headCount: 2,
                            maxPositions: 16)
    }

    /// c2p alone, p2c alone and both, with log buckets (4 buckets: distances 3 and 4 share a row, so the
    /// backward's scatter adds) and without (a 4-row table: distances beyond 2 clamp to its ends); the position
    /// terms through pos_key_proj/pos_query_proj, or through the attention's own projections (share_att_key)
    /// of layer-normed relative embeddings.
    func testDisentangledSelfAttention() throws {
        let variants: [(String, JSONObject)] = [
            ("c2p, buckets", ["pos_att_type": ["c2p"], "position_buckets": 4, "max_relative_positions": 6]),
            ("p2c, buckets", ["pos_att_type": ["p2c"], "position_buckets": 4, "max_relative_positions": 6]),
            ("c2p+p2c, buckets", ["pos_att_type": "p2c|c2p", "position_buckets": 4, "max_relative_positions": 6]),
            ("c2p+p2c, clamped", ["pos_att_type": ["p2c", "c2p"], "max_relative_positions": 2]),
        ]
        for (variant, json) in variants {
            for shared in [false, true] {
                var fields = json
                fields["relative_attention"] = true
                let settings = try debertaSettings(fields)
                let rows = 2 * settings.span
                let relative = RelativeEmbeddings(table: Weights(random.floats(rows * 8)), rows: rows, norm: shared ? layerNorm(8) : nil)
                let queryKeyValue = linear(24, 8, scale: 0.8)
                let bias = DisentangledPositionBias(
                    relative: relative, queryKeyValue: queryKeyValue,
                    keyProjection: !shared && settings.contentToPosition ? linear(8, 8, scale: 0.8) : nil,
                    queryProjection: !shared && settings.positionToContent ? linear(8, 8, scale: 0.8) : nil,
                    contentToPosition: settings.contentToPosition, positionToContent: settings.positionToContent,
                    buckets: RelativePositionBuckets(settings: settings, longest: 16))
                XCTAssertEqual(bias.sharesAttentionKey, shared)
                let layer = SelfAttention(queryKeyValue: queryKeyValue, output: linear(8, 8), headCount: 2,
                                          scaleFactor: settings.scaleFactor, positionBias: bias)
                checkAttention(layer, "disentangled attention \(variant)\(shared ? ", shared keys" : "")")
            }
        }
    }

    /// DeBERTa's order, sum → embed_proj (no bias) → norm over the hidden size, with and without absolute
    /// positions and token types.
    func testDebertaEmbeddings() {
        for (positions, tokenType) in [(false, false), (true, true)] {
            let layer = Embeddings(words: Weights(random.floats(10 * 8)), positions: positions ? Weights(random.floats(9 * 8)) : nil,
                                   tokenType: tokenType ? random.floats(8) : nil, norm: layerNorm(11),
                                   projection: try! Linear(weight: Weights(random.floats(11 * 8, scale: 0.5)), bias: nil,
                                                           inputSize: 8, outputSize: 11),
                                   embeddingSize: 8, positionRule: .sequential, projectsBeforeNorm: true)
            let positionRows = Array(0..<8)
            checkGradient("DeBERTa embeddings, positions \(positions)", inputCount: 64, outputCount: 88, step: 1e-3,
                          cache: { Embeddings.Cache(rows: 8, width: 11) },
                          forward: { layer.forward($0, wordRows: $1, positionRows: positionRows, cache: $2) },
                          backward: { layer.backward(dWords: $0, dy: $1, rows: 8, cache: $2) })
        }
    }
}

/// The config's defaults and refusals, the buckets against transformers', and the whole fixture model's input
/// gradient against finite differences of its logits.
final class DebertaTests: XCTestCase {
    func config(_ extra: JSONObject) throws -> ModelConfig {
        var json: JSONObject = ["model_type": "deberta-v2", "vocab_size": 50, "hidden_size": 8, "num_attention_heads": 2,
                                "intermediate_size": 16]
        for (key, value) in extra { json[key] = value }
        return try ModelConfig(json: json)
    }

    /// Fields left out take DebertaV2Config's defaults and the getattr defaults of modeling_deberta_v2.py.
    func testConfigDefaults() throws {
        let plain = try config([:])
        XCTAssertEqual(plain.architecture, .debertaV2)
        XCTAssertEqual(plain.layerCount, 24)
        XCTAssertEqual(plain.typeVocabSize, 0)
        XCTAssertEqual(plain.layerNormEps, 1e-7)
        XCTAssertEqual(plain.embeddingSize, 8)
        XCTAssertEqual(plain.padTokenID, 0)
        let settings = try XCTUnwrap(plain.deberta)
        XCTAssertFalse(settings.relativeAttention)
        XCTAssertTrue(settings.positionBiasedInput)
        XCTAssertFalse(settings.shareAttentionKey)
        XCTAssertFalse(settings.normRelativeEmbeddings)
        XCTAssertFalse(settings.contentToPosition || settings.positionToContent)
        XCTAssertEqual(settings.positionBuckets, -1)
        XCTAssertEqual(settings.maxRelativePositions, 512)
        XCTAssertEqual(settings.span, 512)
        XCTAssertEqual(settings.scaleFactor, 1)
        XCTAssertEqual(settings.poolerActivation, .activation(.geluErf))

        let v3 = try XCTUnwrap(try config(["pos_att_type": "P2C | c2p", "position_buckets": 256, "norm_rel_ebd": "layer_norm",
                                           "embedding_size": 6, "pooler_hidden_act": "tanh", "max_relative_positions": -1]).deberta)
        XCTAssertTrue(v3.contentToPosition && v3.positionToContent)
        XCTAssertEqual(v3.scaleFactor, 3)
        XCTAssertEqual(v3.span, 256)
        XCTAssertTrue(v3.normRelativeEmbeddings)
        XCTAssertEqual(v3.poolerActivation, .tanh)
        XCTAssertEqual(try config(["embedding_size": 6]).embeddingSize, 6)
    }

    func testConfigRefusals() throws {
        for (extra, phrase) in [(["conv_kernel_size": 3], "conv_kernel_size"), (["pooler_hidden_size": 4], "pooler_hidden_size"),
                                (["attention_head_size": 3], "attention_head_size"),
                                (["position_buckets": 256, "max_relative_positions": 100], "position_buckets"),
                                (["pos_att_type": 7], "pos_att_type"), (["share_att_key": "yes"], "share_att_key")] as [(JSONObject, String)] {
            XCTAssertThrowsError(try config(extra), phrase) { error in
                XCTAssertTrue(String(describing: error).contains(phrase), "\(error) should name \(phrase)")
            }
        }
        XCTAssertThrowsError(try config(["conv_kernel_size": 3])) { error in
            guard case ModelError.unsupported = error else { return XCTFail("\(error) is not unsupported") }
        }
    }

    /// Every distance in −700 … 700 under v3's settings (256 buckets, 512 positions) and the fixtures', as
    /// transformers' make_log_bucket_position gives them (expected/deberta-relative-buckets.json).
    func testBucketsMatchTransformers() throws {
        let data = try Data(contentsOf: fixturesDirectory.appendingPathComponent("expected/deberta-relative-buckets.json"))
        let json = try XCTUnwrap(JSONParser.parse(Array(data)).objectValue)
        let first = try XCTUnwrap(json["first"]?.intValue)
        for item in try XCTUnwrap(json["cases"]?.arrayValue) {
            let size = try XCTUnwrap(item["buckets"]?.intValue), limit = try XCTUnwrap(item["maxPosition"]?.intValue)
            let expected = try XCTUnwrap(item["bucket"]?.arrayValue).compactMap(\.intValue)
            let ours = expected.indices.map { RelativePositionBuckets.bucket(first + $0, size: size, maxPosition: limit) }
            XCTAssertEqual(ours, expected, "buckets \(size), max position \(limit)")
        }
    }

    /// The v3 fixture's input gradient against central differences of its logits, on the word embeddings of
    /// one text (a few coordinates of every token; float32 logits, so a step of 1e-2).
    func testModelGradientMatchesFiniteDifferences() throws {
        let model = try ClassifierModel.load(directory: fixturesDirectory.appendingPathComponent("models/deberta-v3-3labels"))
        let ids = model.tokenizer.encode("The sky is green and beautiful").ids
        let e = model.config.embeddingSize, labels = model.config.labels.count
        let weights: [Float] = (0..<labels).map { Float($0) - 0.7 }
        let embeddings = model.wordEmbeddings(ids: ids)
        let gradient = model.inputGradient(model.forward(ModelInput(ids: [ids], wordEmbeddings: [embeddings])), logitWeights: [weights])[0]
        func objective(_ rows: [Float]) -> Double {
            let logits = model.logits(ModelInput(ids: [ids], wordEmbeddings: [rows]))[0]
            return zip(logits, weights).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        let step: Float = 1e-2
        let scale = Double(gradient.map(abs).max() ?? 0)
        XCTAssertGreaterThan(scale, 1e-3)
        for t in ids.indices {
            for j in [0, e - 1] {
                var plus = embeddings, minus = embeddings
                plus[t * e + j] += step
                minus[t * e + j] -= step
                let numeric = (objective(plus) - objective(minus)) / Double(plus[t * e + j] - minus[t * e + j])
                XCTAssertEqual(Double(gradient[t * e + j]), numeric, accuracy: 2e-2 * scale, "token \(t), coordinate \(j)")
            }
        }
    }
}
