import Foundation

/// A HuggingFace model directory's files, opened in the order that keeps a hostile directory cheap: every
/// file present must be a regular file (no FIFO, device or folder in its place), the weight file's header is
/// header is read before the config's sizes are used, so they are checked against the tensors that exist.
enum ModelFiles {
    /// The files a model load may read, besides config.json and the weights (the tokenizer's).
    static let tokenizerFiles = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
                                 "added_tokens.json", "vocab.json", "merges.txt", "spiece.model", "sentencepiece.bpe.model", "spm.model"]

    static func open(directory: URL) throws -> (ModelConfig, Checkpoint) {
        let configURL = directory.appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configURL.path) else { throw ModelError.missingFile(configURL.path) }
        for name in tokenizerFiles {
            let url = directory.appendingPathComponent(name)
            var info = stat()
            // stat follows links; an absent file is the tokenizer loader's business.
            if stat(url.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                throw ModelError.unreadable(file: name, reason: "\(url.path) is \(RegularFile.kind(info.st_mode)), not a regular file")
            }
        }
        // config.json's own errors first, then the weight files', then the sizes against the tensors.
        var weights: Checkpoint?
        let config = try ModelConfig.load(file: configURL) {
            let checkpoint = try Checkpoint.load(directory: directory)
            weights = checkpoint
            return (checkpoint.valueCount, checkpoint.name)
        }
        return (config, weights!)
    }
}
