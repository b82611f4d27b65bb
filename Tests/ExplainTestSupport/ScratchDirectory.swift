import Foundation
import XCTest

extension XCTestCase {
    /// A new empty directory under the system's temporary directory (`name` and a UUID), removed when the test
    /// ends, passed or failed. Usable from setUp too.
    public func scratchDirectory(_ name: String = "explaind") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
