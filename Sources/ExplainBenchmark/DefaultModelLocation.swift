import Foundation

/// Where the benchmark looks when no --model is given: the assembled default model (explaind setup) in the
/// cache, $XDG_CACHE_HOME/explaind/political-general-minilm or ~/.cache/explaind/political-general-minilm;
/// when it is not assembled, the largest test fixture.
public enum DefaultModelLocation {
    public static let name = "political-general-minilm"

    public static var cachedDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.cache")
        return cache + "/explaind/" + name
    }

    /// Tests/Fixtures/models/bert-largest of the checkout this was built from.
    public static let fixtureDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/models/bert-largest").path

    /// The default model if assembled (it has a config.json), else the fixture, with a note saying which.
    public static func resolve() -> (directory: String, note: String) {
        let cached = cachedDirectory
        if FileManager.default.fileExists(atPath: cached + "/config.json") {
            return (cached, "using the default model \(cached)")
        }
        return (fixtureDirectory, "the default model is not assembled at \(cached) (run `explaind setup`); using the fixture \(fixtureDirectory)")
    }
}
