import Foundation

/// A uniquely named scratch directory inside the cache, where a directory is built before one rename
/// puts it in place — so a reader never sees half a model, and two processes preparing the same model
/// at once both end with a complete one.
struct StagingDirectory {
    let url: URL

    init(in parent: URL) throws {
        url = parent.appendingPathComponent(".staging-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw TrainingError.fileSystem(path: url.path, reason: "cannot create: \(error.localizedDescription)")
        }
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Renames `built` to `target`. An existing target is replaced unless `isCurrent` accepts it (another
    /// process just finished the same work); the replaced one is removed after the rename.
    func moveIntoPlace(_ built: URL, at target: URL, isCurrent: (URL) -> Bool) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: target.path) {
            if isCurrent(target) { return }
            let old = url.appendingPathComponent("replaced")
            try? manager.moveItem(at: target, to: old)
        }
        if rename(built.path, target.path) != 0 {
            let reason = String(cString: strerror(errno))
            if isCurrent(target) { return }
            throw TrainingError.fileSystem(path: target.path, reason: "cannot move the prepared directory into place: \(reason)")
        }
    }
}
