import Foundation

/// A regular file mapped read-only into memory for as long as this object lives (weights read in place
/// keep it alive), guarded as SafeTensorsFile's mapping is: a read past the end of a file truncated under
/// the process does not kill it (MappedFileGuard), and checkUnchanged reports a replaced or rewritten file.
final class MappedFile: @unchecked Sendable {
    let url: URL
    let bytes: UnsafeRawBufferPointer
    private let identity: FileIdentity
    private let guardSlot: Int

    init(url: URL) throws {
        self.url = url
        let (fd, info) = try RegularFile.open(url)
        defer { close(fd) }
        let size = Int(info.st_size)
        guard size > 0 else { throw ModelError.unreadable(file: url.lastPathComponent, reason: "the file is empty") }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelError.unreadable(file: url.lastPathComponent, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        identity = FileIdentity(info)
        guardSlot = MappedFileGuard.register(base, size: size)
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        MappedFileGuard.unregister(guardSlot)
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress!), bytes.count)
    }

    /// Throws ModelError.fileChanged when the file is no longer the one mapped, or a read of it faulted.
    func checkUnchanged() throws {
        var info = stat()
        let now = stat(url.path, &info) == 0 ? FileIdentity(info) : nil
        guard now == identity, !MappedFileGuard.faulted(guardSlot) else { throw ModelError.fileChanged(url.path) }
    }
}
