import Foundation
import ExplainJSON
import ExplainModel
import ExplainTokenizer

/// New whole-word tokens for a model, added the way transformers' `tokenizer.add_tokens(tokens)` and
/// `model.resize_token_embeddings(len(tokenizer))` do: each token becomes an `added_tokens` entry of
/// tokenizer.json (normalized, not special, ids after the last one), the word-embedding matrix gets one row
/// per token (and loses rows past the tokenizer's, as resizing to len(tokenizer) does), config.json's
/// `vocab_size` follows. Each new row starts as the mean of the rows of the pieces the token split into.
struct TokenAddition {
    /// More than this many new tokens at once is refused: it is a vocabulary rebuild, not an adaptation.
    static let maximumTokens = 1000
    static let maximumLength = 100

    let tokens: [String]
    /// The ids each token split into before (special tokens left out).
    let pieces: [[Int]]
    /// The first new id; token k gets firstID + k.
    let firstID: Int

    var ids: Range<Int> { firstID..<firstID + tokens.count }

    /// Checks the tokens against the model's tokenizer: none empty or blank, none twice, none already a token
    /// (in the vocabulary, or normalized to a single piece that is one), at most `maximumTokens`.
    init(tokens: [String], tokenizer: Tokenizer) throws {
        guard !tokens.isEmpty else { throw TrainingError.invalidArgument("no tokens to add") }
        guard tokens.count <= Self.maximumTokens else {
            throw TrainingError.invalidArgument("\(tokens.count) tokens to add; at most \(Self.maximumTokens) at once")
        }
        var seen = Set<String>()
        var pieces: [[Int]] = []
        for (k, token) in tokens.enumerated() {
            guard !token.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw TrainingError.invalidArgument("token \(k + 1) is empty or only whitespace")
            }
            guard token.unicodeScalars.count <= Self.maximumLength else {
                throw TrainingError.invalidArgument("token \(k + 1) is longer than \(Self.maximumLength) characters")
            }
            guard seen.insert(token).inserted else { throw TrainingError.invalidArgument("\"\(token)\" is given twice") }
            if let id = tokenizer.id(forToken: token) {
                throw TrainingError.invalidArgument("\"\(token)\" is already in the vocabulary (id \(id))")
            }
            let ids = tokenizer.encode(token).tokens.filter { !$0.special }.map(\.id)
            guard !ids.isEmpty else { throw TrainingError.invalidArgument("\"\(token)\" encodes to no tokens") }
            if ids.count == 1 && ids[0] != tokenizer.unkID {
                throw TrainingError.invalidArgument("\"\(token)\" is already one token (\(tokenizer.token(forID: ids[0]) ?? "id \(ids[0])"))")
            }
            pieces.append(ids)
        }
        self.tokens = tokens
        self.pieces = pieces
        firstID = tokenizer.vocabularySize
    }

    /// The tokens read from a corpus aggregate: its `fragmentation` table (words split into many pieces,
    /// ranked), the first `top` words that are not already single tokens and not a repeat of an earlier one's
    /// pieces. Each entry is an object with the word under "word".
    static func tokens(fromAggregate url: URL, top: Int, tokenizer: Tokenizer) throws -> [String] {
        let value: JSONValue
        do { value = try JSONParser.parse(try Data(contentsOf: url)) } catch {
            throw TrainingError.malformedFile(file: url.path, reason: "not a JSON aggregate: \(error)")
        }
        guard let table = value["fragmentation"]?.arrayValue else {
            throw TrainingError.malformedFile(file: url.path, reason: "no \"fragmentation\" array (write it with explaind corpus --aggregate)")
        }
        var chosen: [String] = [], seenPieces = Set<[Int]>()
        for (index, entry) in table.enumerated() where chosen.count < top {
            guard let word = entry["word"]?.stringValue else {
                throw TrainingError.malformedFile(file: url.path, reason: "fragmentation[\(index)] has no string \"word\"")
            }
            let trimmed = word.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, tokenizer.id(forToken: trimmed) == nil else { continue }
            let ids = tokenizer.encode(trimmed).tokens.filter { !$0.special }.map(\.id)
            guard ids.count > 1, seenPieces.insert(ids).inserted else { continue }
            chosen.append(trimmed)
        }
        guard !chosen.isEmpty else { throw TrainingError.malformedFile(file: url.path, reason: "no word of the fragmentation table can be added") }
        return chosen
    }

    /// The initial rows: the mean of each token's pieces' rows (tokens × E).
    func initialRows(_ model: ClassifierModel) -> [[Float]] {
        let e = model.config.embeddingSize
        return pieces.map { ids in
            let rows = model.wordEmbeddings(ids: ids)
            var mean = [Float](repeating: 0, count: e)
            for t in ids.indices { for j in 0..<e { mean[j] += rows[t * e + j] } }
            return mean.map { $0 / Float(ids.count) }
        }
    }

    /// Writes the grown model into `directory` (created): tokenizer files, config.json, model.safetensors with
    /// the word-embedding matrix grown by `rows` (its other tensors as Float32, under their names).
    func writeGrownModel(from model: ClassifierModel, rows: [[Float]], into directory: URL) throws {
        let source = model.directory
        try writeTokenizer(from: source, into: directory)
        let vocabularySize = firstID + tokens.count
        try editJSON(source.appendingPathComponent("config.json"), to: directory.appendingPathComponent("config.json")) { json in
            _ = json.updateValue(.integer(vocabularySize), forKey: "vocab_size")
            // The weights are written as Float32, whatever the checkpoint held.
            for key in ["torch_dtype", "dtype"] where json[key] != nil { _ = json.updateValue(.string("float32"), forKey: key) }
        }
        let e = model.config.embeddingSize
        guard let embeddingName = model.checkpointName(of: model.wordEmbeddingName) else {
            throw TrainingError.model("the checkpoint has no \(model.wordEmbeddingName)")
        }
        let tensors = model.checkpointTensors().map { tensor -> NamedTensor in
            guard tensor.name == embeddingName else { return tensor }
            var values = Array(tensor.values.prefix(firstID * e))
            if values.count < firstID * e { values += [Float](repeating: 0, count: firstID * e - values.count) }
            for row in rows { values += row }
            return NamedTensor(name: tensor.name, shape: [vocabularySize, e], values: values)
        }
        try Self.writeWeights(tensors, to: directory.appendingPathComponent("model.safetensors"))
    }

    /// Writes the tokenizer files with the new tokens into `directory` (created): tokenizer.json's
    /// `added_tokens` grown, tokenizer_config.json's `added_tokens_decoder` too where it has one, the
    /// vocabulary files copied.
    func writeTokenizer(from source: URL, into directory: URL) throws {
        // A slow tokenizer's files alone (vocab.txt, spm.model, vocab.json + merges.txt): transformers' fast tokenizer
        // converts them to the same tokens in tokenizer.json, where adapt adds its own, as add_tokens does.
        guard FileManager.default.fileExists(atPath: source.appendingPathComponent("tokenizer.json").path) else {
            let present = ["vocab.txt", "spm.model", "sentencepiece.bpe.model", "vocab.json"].filter {
                FileManager.default.fileExists(atPath: source.appendingPathComponent($0).path)
            }
            let path = source.path.replacingOccurrences(of: "'", with: "\\'")
            throw TrainingError.missingFile(source.appendingPathComponent("tokenizer.json").path
                + " (the tokenizer is \(present.isEmpty ? "not in a tokenizer.json" : "only " + present.joined(separator: ", ")); adapt adds tokens to "
                + "tokenizer.json as transformers' fast tokenizers keep them. Save the fast tokenizer first, which writes the same "
                + "tokens there: python3 -c \"from transformers import AutoTokenizer; AutoTokenizer.from_pretrained('\(path)')"
                + ".save_pretrained('\(path)')\", then run adapt again)")
        }
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw TrainingError.fileSystem(path: directory.path, reason: error.localizedDescription)
        }
        for file in ["vocab.txt", "special_tokens_map.json", "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "spm.model"]
        where FileManager.default.fileExists(atPath: source.appendingPathComponent(file).path) {
            do { try EncoderDirectory.copyContents(of: source.appendingPathComponent(file), to: directory.appendingPathComponent(file)) } catch {
                throw TrainingError.fileSystem(path: directory.appendingPathComponent(file).path, reason: error.localizedDescription)
            }
        }
        try editJSON(source.appendingPathComponent("tokenizer.json"), to: directory.appendingPathComponent("tokenizer.json")) { json in
            var added = json["added_tokens"]?.arrayValue ?? []
            for (k, token) in tokens.enumerated() {
                added.append((["id": .integer(firstID + k), "content": .string(token), "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false] as JSONValue))
            }
            _ = json.updateValue(.array(added), forKey: "added_tokens")
        }
        let tokenizerConfig = source.appendingPathComponent("tokenizer_config.json")
        if FileManager.default.fileExists(atPath: tokenizerConfig.path) {
            // Newer transformers also list added tokens here; add ours where the list exists.
            try editJSON(tokenizerConfig, to: directory.appendingPathComponent("tokenizer_config.json")) { json in
                guard var decoder = json["added_tokens_decoder"]?.objectValue else { return }
                for (k, token) in tokens.enumerated() {
                    _ = decoder.updateValue((["content": .string(token), "lstrip": false, "normalized": true, "rstrip": false, "single_word": false, "special": false] as JSONValue),
                                            forKey: String(firstID + k))
                }
                _ = json.updateValue(.object(decoder), forKey: "added_tokens_decoder")
            }
        }
    }

    static func writeWeights(_ tensors: [NamedTensor], to url: URL) throws {
        do { try SafeTensorsWriter.write(tensors.map { ($0.name, $0.shape, $0.values) }, to: url) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Reads a JSON object with ExplainJSON, lets `change` edit it (keys keep their order), writes it.
    func editJSON(_ source: URL, to destination: URL, _ change: (inout JSONObject) -> Void) throws {
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(try Data(contentsOf: source)) } catch {
            throw TrainingError.malformedFile(file: source.path, reason: "not valid JSON: \(error)")
        }
        guard var object = parsed.objectValue else { throw TrainingError.malformedFile(file: source.path, reason: "not a JSON object") }
        change(&object)
        do { try Data(JSONSerializer.serialize(.object(object), keepingFractions: true) + [UInt8(ascii: "\n")]).write(to: destination, options: .atomic) } catch {
            throw TrainingError.fileSystem(path: destination.path, reason: error.localizedDescription)
        }
    }
}
