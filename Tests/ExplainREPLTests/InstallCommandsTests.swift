import Foundation
import XCTest
import ExplainTestSupport

/// `Scripts/install-commands` (run by `Scripts/run`): `explain` and `explaind` on the PATH, as the README's
/// examples call them.
final class InstallCommandsTests: XCTestCase {
    var home: URL!

    override func setUpWithError() throws {
        home = try scratchDirectory("explain-install")
    }

    func install(path: String, binDir: String? = nil) throws -> Built.Run {
        let buildDir = URL(fileURLWithPath: try Built.explain()).deletingLastPathComponent().path
        var environment = ["HOME": home.path, "PATH": path]
        if let binDir { environment["EXPLAIN_BIN_DIR"] = binDir }
        return try Built.run("/bin/bash", [Built.packageRoot.appendingPathComponent("Scripts/install-commands").path, buildDir],
                             environment: environment)
    }

    func testLinksIntoLocalBinWithAHintWhenItIsNotOnThePath() throws {
        let run = try install(path: "/usr/bin:/bin")
        XCTAssertEqual(run.status, 0, run.stderr)
        let bin = home.appendingPathComponent(".local/bin")
        XCTAssertTrue(run.stderr.contains("installed explain and explaind in \(bin.path)"), run.stderr)
        XCTAssertTrue(run.stderr.contains("\(bin.path) is not on your PATH"), run.stderr)
        // the linked explain runs, and finds the explaind next to its real self
        let version = try Built.run(bin.appendingPathComponent("explain").path, ["--version"], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(version.stdout, "explain 0.1.0\n")
        let model = Built.model("distilbert-3labels-bf16")
        let explained = try Built.run(bin.appendingPathComponent("explain").path, ["--model", model, "--json", "Vote now"],
                                      environment: ["PATH": bin.path + ":/usr/bin:/bin"])
        XCTAssertEqual(explained.status, 0, explained.stderr)
        XCTAssertTrue(explained.stdout.contains(#""text":"Vote now""#), explained.stdout)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("explaind").path))
    }

    func testNoHintWhenOnThePathAndAnotherDirectory() throws {
        let bin = home.appendingPathComponent("tools").path
        let run = try install(path: "/usr/bin:\(bin):/bin", binDir: bin)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("installed explain and explaind in \(bin)"), run.stderr)
        XCTAssertFalse(run.stderr.contains("not on your PATH"), run.stderr)
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: bin + "/explain"))
    }
}
