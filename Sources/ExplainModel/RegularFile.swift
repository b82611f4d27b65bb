#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Opens a model file only if it is a regular file (after following links): a FIFO would block the loading
/// lane forever, a device such as /dev/zero never ends, and a directory is not a file. The check is made on
/// the opened descriptor (opened non-blocking, so a FIFO without a writer cannot hang the open itself), so
/// swapping the path between a check and the open cannot get past it.
public enum RegularFile {
    /// A read-only descriptor of a regular file, and its size; the caller closes it.
    public static func open(_ url: URL) throws -> (fd: Int32, info: stat) {
        let file = url.lastPathComponent
        let fd = Glibc.open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw ModelError.missingFile(url.path)
            case EACCES: throw ModelError.unreadable(file: file, reason: "permission denied")
            default: throw ModelError.unreadable(file: file, reason: String(cString: strerror(errno)))
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ModelError.unreadable(file: file, reason: reason)
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw ModelError.unreadable(file: file, reason: "\(url.path) is \(kind(info.st_mode)), not a regular file")
        }
        // Reads of a regular file never block; clear the flag anyway so the descriptor behaves as usual.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, info)
    }

    /// The whole contents of a regular file of at most `maxBytes`.
    public static func read(_ url: URL, maxBytes: Int = 64 << 20) throws -> Data {
        let (fd, info) = try open(url)
        defer { close(fd) }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw ModelError.unreadable(file: url.lastPathComponent, reason: "\(size) bytes is larger than the limit of \(maxBytes)")
        }
        var data = Data(count: size)
        var offset = 0
        while offset < size {
            let n = data.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + offset, size - offset, off_t(offset)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ModelError.unreadable(file: url.lastPathComponent, reason: n == 0 ? "file shrank while it was read" : String(cString: strerror(errno)))
            }
            offset += n
        }
        return data
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a file"
        }
    }
}
