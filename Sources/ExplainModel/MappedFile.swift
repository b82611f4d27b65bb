import Foundation

/// A regular file mapped read-only into memory for as long as this object lives (weights read in place keep
/// it alive): the one mapping of SafeTensorsFile and PyTorchCheckpointFile. A read past the end of a file
/// truncated under the process does not kill it (MappedFileGuard), and checkUnchanged reports a replaced or
/// rewritten file. An empty file maps to no bytes, for the reader to say what it expected.
final class MappedFile: @unchecked Sendable {
    let url: URL
    let bytes: UnsafeRawBufferPointer
    private let identity: FileIdentity
    private let guardSlot: Int?

    init(url: URL) throws {
        self.url = url
        let (fd, info) = try RegularFile.open(url)
        defer { close(fd) }
        identity = FileIdentity(info)
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            guardSlot = nil
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ModelError.unreadable(file: url.lastPathComponent, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        guardSlot = MappedFileGuard.register(base, size: size)
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        guard let guardSlot, let base = bytes.baseAddress else { return }
        MappedFileGuard.unregister(guardSlot)
        munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
    }

    /// Drops the mapped pages from the process (they come back from the page cache if read again).
    func releasePages() {
        if let base = bytes.baseAddress { madvise(UnsafeMutableRawPointer(mutating: base), bytes.count, MADV_DONTNEED) }
    }

    /// Throws ModelError.fileChanged when the file is no longer the one mapped: replaced, truncated or rewritten
    /// in place since it was opened, or a read of the mapping faulted (the file shrank under it). The mapping
    /// shares the file's pages, so a rewrite in place changes weights under a running pass; reload the model.
    func checkUnchanged() throws {
        var info = stat()
        let now = stat(url.path, &info) == 0 ? FileIdentity(info) : nil
        guard now == identity, !(guardSlot.map(MappedFileGuard.faulted) ?? false) else { throw ModelError.fileChanged(url.path) }
    }
}

/// What identifies a file's contents cheaply: a replaced file has another inode, a truncated or rewritten
/// one another size or modification time.
struct FileIdentity: Equatable {
    let device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
    }
}
