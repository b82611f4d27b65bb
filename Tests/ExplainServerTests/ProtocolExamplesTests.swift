import Foundation
import XCTest

/// Protocol.md's examples are what the daemon sends: Scripts/protocol-examples.py replays their requests
/// against the built daemon (`--reproducible`) and compares every reply with the document byte for byte, but
/// for the last digits of floats (the BLAS rounds differently on AVX2 and AVX-512 machines).
final class ProtocolExamplesTests: XCTestCase {
    func testProtocolExamplesAreWhatTheDaemonSends() throws {
        guard let daemon = TestPaths.daemon else { throw XCTSkip("explaind is not built: run `swift build` before `swift test`") }
        let script = Process()
        script.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        script.arguments = ["python3", TestPaths.packageRoot.appendingPathComponent("Scripts/protocol-examples.py").path,
                            "--check", daemon.path]
        let output = Pipe()
        script.standardOutput = output
        script.standardError = output
        try script.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        script.waitUntilExit()
        XCTAssertEqual(script.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("examples are what explaind sends"), text)
    }
}
