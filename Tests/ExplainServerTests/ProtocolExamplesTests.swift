import Foundation
import XCTest
import ExplainTestSupport

/// Protocol.md's examples are what the daemon sends: Scripts/protocol-examples.py replays their requests
/// against the built daemon (`--reproducible`) and compares every reply with the document byte for byte, but
/// for the last digits of floats (the BLAS rounds differently on AVX2 and AVX-512 machines).
final class ProtocolExamplesTests: XCTestCase {
    func testProtocolExamplesAreWhatTheDaemonSends() throws {
        guard let daemon = TestPaths.daemon else { throw XCTSkip("explaind is not built: run `swift build` before `swift test`") }
        let script = try Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"),
                                        ["python3", TestPaths.packageRoot.appendingPathComponent("Scripts/protocol-examples.py").path,
                                         "--check", daemon.path])
        let text = script.stdout + script.stderr
        XCTAssertEqual(script.status, 0, text)
        XCTAssertTrue(text.contains("examples are what explaind sends"), text)
    }
}
