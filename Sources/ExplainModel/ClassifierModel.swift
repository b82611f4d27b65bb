import Foundation
import ExplainTokenizer

/// The inputs of one batched pass: token ids per sequence (lengths may differ) and, optionally, the word
/// embeddings to use instead of looking the ids up (`inputs_embeds`; T_i × H row-major per sequence).
public struct ModelInput: Sendable {
    public var ids: [[Int]]
    public var wordEmbeddings: [[Float]]?

    public init(ids: [[Int]], wordEmbeddings: [[Float]]? = nil) {
        self.ids = ids
        self.wordEmbeddings = wordEmbeddings
    }
}

/// A forward pass kept for its backward: the logits and every activation the input gradient needs.
public final class ForwardPass: @unchecked Sendable {
    public let logits: [[Float]]
    let spans: [SequenceSpan]
    /// Sequences given without tokens, run as a lone [PAD].
    let emptied: [Bool]
    let network: NetworkPass

    init(logits: [[Float]], spans: [SequenceSpan], emptied: [Bool], network: NetworkPass) {
        self.logits = logits
        self.spans = spans
        self.emptied = emptied
        self.network = network
    }

    /// Each layer's attention maps of sequence `s`, first layer first. Their gradients are there when
    /// `recordAttentionGradients()` was called before the pass's backward (`inputGradient`).
    public func attentionMaps(sequence s: Int) -> [AttentionMaps] {
        network.attentionMaps.map { $0.maps(sequence: s) }
    }

    /// Makes this pass's next backward keep ∂f/∂A of every layer, for `attentionMaps`.
    public func recordAttentionGradients() {
        for layer in network.attentionMaps { layer.recordGradients() }
    }
}

/// A <Family>ForSequenceClassification (BERT, DistilBERT, RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA, ALBERT, ModernBERT,
/// DeBERTa-v2/v3)
/// loaded from a HuggingFace directory, with its tokenizer. Immutable after loading, so passes may run on several threads at once.
public final class ClassifierModel: @unchecked Sendable {
    public let directory: URL
    public let config: ModelConfig
    public let tokenizer: Tokenizer
    let network: any ClassifierNetwork
    let gramCache = WordEmbeddingGram()
    /// The mapped weight files the tensors point into.
    let weights: Checkpoint
    /// Which dense layers got a second copy for the input gradient (InputGradientBudget).
    public let inputGradientCopies: InputGradientBudget.Tally

    public var maxTokens: Int { min(config.maxTokens, tokenizer.maxLength) }

    /// Loads config.json, the weights (Checkpoint) and the tokenizer files; every problem is a ModelError naming
    /// the file (tokenizer problems come wrapped as ModelError.tokenizer).
    ///
    /// `inputGradientCopyBytes`: memory for second copies of the dense weights packed for the input gradient;
    /// nil gives the model's own allowance (InputGradientBudget). Tests load with 0 to run the shared copy.
    public static func load(directory: URL, inputGradientCopyBytes: Int? = nil) throws -> ClassifierModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelError.missingFile(directory.path)
        }
        let (config, weights) = try ModelFiles.open(directory: directory)
        let loader = WeightLoader(checkpoint: weights, config: config, inputGradientCopyBytes: inputGradientCopyBytes)
        let network: any ClassifierNetwork
        switch config.architecture {
        case .modernbert: network = try ModernBertNetwork(config: config, loader: loader)
        default: network = BertFamilyNetwork(encoder: try TransformerEncoder(config: config, loader: loader),
                                             head: try ClassificationHead(config: config, loader: loader))
        }
        let tokenizer: Tokenizer
        do { tokenizer = try Tokenizer.load(directory: directory) } catch let error as TokenizerError {
            throw ModelError.tokenizer(error.description)
        }
        // Every id the tokenizer can emit, and those the methods substitute, must be a word-embedding row.
        let rows = config.vocabSize
        guard tokenizer.vocabularySize <= rows else {
            throw ModelError.malformedConfig(file: "config.json", reason: "vocab_size \(rows) is smaller than the tokenizer's \(tokenizer.vocabularySize) tokens")
        }
        for (name, id) in [("[CLS]", tokenizer.clsID), ("[SEP]", tokenizer.sepID), ("[PAD]", tokenizer.padID),
                           ("[UNK]", tokenizer.unkID), ("[MASK]", tokenizer.maskID)] {
            guard let id, !(0..<rows).contains(id) else { continue }
            throw ModelError.tokenizer("the tokenizer's \(name) id \(id) is not a row of the \(rows)-row word embeddings")
        }
        // The positions hold the post-processor's special tokens and at least one token of text.
        let positions = min(config.maxTokens, tokenizer.maxLength)
        guard tokenizer.specialTokensAdded < positions else {
            throw ModelError.tokenizer("the post-processor adds \(tokenizer.specialTokensAdded) special tokens to every text, leaving no room in the model's \(positions) positions")
        }
        weights.releasePages()
        return ClassifierModel(directory: directory, config: config, tokenizer: tokenizer, network: network, weights: weights,
                               inputGradientCopies: loader.inputGradientCopies.tally)
    }

    /// Throws ModelError.fileChanged when a weight file was replaced, truncated or rewritten since it was
    /// loaded (checked before and after each request: a pass over a changed mapping means nothing).
    public func checkUnchanged() throws { try weights.checkUnchanged() }

    init(directory: URL, config: ModelConfig, tokenizer: Tokenizer, network: any ClassifierNetwork, weights: Checkpoint,
         inputGradientCopies: InputGradientBudget.Tally) {
        self.weights = weights
        self.inputGradientCopies = inputGradientCopies
        self.directory = directory
        self.config = config
        self.tokenizer = tokenizer
        self.network = network
    }

    /// The word-embedding rows of the ids (T × E).
    public func wordEmbeddings(ids: [Int]) -> [Float] { network.wordEmbeddingTable.rows(ids, width: config.embeddingSize) }

    public func forward(_ input: ModelInput) -> ForwardPass { forward(input, trainedLayers: 0) }

    /// A forward pass whose last `trainedLayers` layers keep their linears' inputs for weight gradients.
    func forward(_ input: ModelInput, trainedLayers: Int) -> ForwardPass {
        let floatControl = Subnormals.flushToZero()
        defer { Subnormals.restore(floatControl) }
        // A sequence left with no tokens (a tokenizer without special tokens, after every token was deleted)
        // runs as a lone [PAD]: attention over nothing is undefined. Its input gradient is empty.
        let emptied = input.ids.map(\.isEmpty)
        var input = input
        if emptied.contains(true) {
            let pad = tokenizer.padID ?? 0  // a tokenizer without padding (GPT-2 style): row 0 stands in
            input.ids = input.ids.map { $0.isEmpty ? [pad] : $0 }
            input.wordEmbeddings = input.wordEmbeddings.map { rows in
                zip(rows, emptied).map { $1 ? wordEmbeddings(ids: [pad]) : $0 }
            }
        }
        let packed = PackedRows(ids: input.ids, wordEmbeddings: input.wordEmbeddings, width: config.embeddingSize,
                                maxTokens: config.maxTokens, vocabulary: config.vocabSize, table: network.wordEmbeddingTable)
        let pass: NetworkPass
        switch network {
        case let bert as BertFamilyNetwork where trainedLayers > 0:
            pass = bert.forward(wordRows: packed.wordRows.pointer, ids: input.ids, spans: packed.spans, trainedLayers: trainedLayers)
        case let modernBert as ModernBertNetwork where trainedLayers > 0:
            pass = modernBert.forward(wordRows: packed.wordRows.pointer, ids: input.ids, spans: packed.spans, trainedLayers: trainedLayers)
        default: pass = network.forward(wordRows: packed.wordRows.pointer, ids: input.ids, spans: packed.spans)
        }
        let labels = config.labels.count
        let rowsOut = packed.spans.indices.map { b in Array(UnsafeBufferPointer(start: pass.logits.pointer + b * labels, count: labels)) }
        return ForwardPass(logits: rowsOut, spans: packed.spans, emptied: emptied, network: pass)
    }

    public func logits(_ input: ModelInput) -> [[Float]] { forward(input).logits }

    /// ∂(Σ_c w[b][c] · logit[b][c]) / ∂(word embedding of each token), per sequence T_i × E row-major.
    public func inputGradient(_ pass: ForwardPass, logitWeights: [[Float]]) -> [[Float]] {
        let floatControl = Subnormals.flushToZero()
        defer { Subnormals.restore(floatControl) }
        let e = config.embeddingSize, labels = config.labels.count, batch = pass.spans.count
        precondition(logitWeights.count == batch && logitWeights.allSatisfy { $0.count == labels }, "logit weights are not B × C")
        let dLogits = FloatBuffer(count: batch * labels, zeroed: false)
        for b in 0..<batch { for c in 0..<labels { dLogits.pointer[b * labels + c] = logitWeights[b][c] } }
        let dWords = pass.network.backward(dLogits.pointer)
        return zip(pass.spans, pass.emptied).map { span, emptied in
            emptied ? [] : Array(UnsafeBufferPointer(start: dWords.pointer + span.offset * e, count: span.length * e))
        }
    }

    /// The probabilities of a logit vector: softmax over the labels, or a sigmoid per label (multi-label).
    public static func probabilities(_ logits: [Float], _ problemType: ProblemType) -> [Float] {
        switch problemType {
        case .singleLabel: return Softmax.probabilities(logits)
        case .multiLabel: return logits.map { 1 / (1 + expf(-$0)) }
        }
    }

    public func probabilities(_ logits: [Float]) -> [Float] { Self.probabilities(logits, config.problemType) }

    /// Threads for a pass's products and element-wise work (the worker pool's), shared by every model.
    public static var threadCount: Int {
        get { BLAS.threadCount }
        set { BLAS.threadCount = newValue }
    }
}

extension ClassifierModel {
    /// Which library runs which matrix products, for reports.
    public var matrixProducts: String {
        let names = (try? network.firstQueryKeyValue?.implementations()) ?? ("–", "–")
        let copies = inputGradientCopies
        return "linear layers: oneDNN on weights packed at load (forward matmul \(names.0); backward \(names.1); "
            + "\(copies.copied) of \(copies.copied + copies.shared) with a copy of their own for the input gradient, "
            + "\(copies.copiedBytes >> 20) MB); attention and the Gram matrix: OpenBLAS sgemm"
    }
}
