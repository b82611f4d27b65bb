import Foundation
import XCTest

/// The package's directories and its built executables, found from this file and the test bundle.
public enum BuiltProducts {
    public static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures")

    /// The built `name` (explaind, explain, explaind-bench): the path in the environment variable `override` when
    /// set, else next to the test bundle, else in .build/debug (the test command builds first).
    public static func executable(_ name: String, override: String? = nil) -> URL? {
        var candidates: [URL] = []
        if let override, let path = ProcessInfo.processInfo.environment[override] { candidates.append(URL(fileURLWithPath: path)) }
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/\(name)"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// As `executable`, skipping the test (visibly) when it is not built.
    public static func require(_ name: String, override: String? = nil) throws -> URL {
        guard let found = executable(name, override: override) else {
            throw XCTSkip("\(name) is not built: run `swift build` before `swift test`")
        }
        return found
    }
}
