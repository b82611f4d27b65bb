/// The members of a zip archive held in memory, read from its central directory (APPNOTE.TXT 4.3.12,
/// with the ZIP64 end records 4.3.14–4.3.15 that torch.save writes for large files). Only stored
/// (uncompressed) members can be read in place, which is how torch.save writes every member. Every offset
/// and length is checked against the archive before it is used.
struct ZipArchive {
    struct Member {
        let name: String
        /// Byte range of the member's data inside the archive.
        let offset: Int, size: Int
    }

    let members: [String: Member]

    /// Why an archive cannot be read; the caller names the file.
    struct Malformed: Error { let reason: String }

    init(_ bytes: UnsafeRawBufferPointer) throws {
        let count = bytes.count
        func fail(_ reason: String) -> Malformed { Malformed(reason: reason) }
        func u16(_ at: Int) -> Int { Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) throws -> Int {
            let value = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            guard value <= UInt64(Int.max) else { throw fail("a ZIP64 field holds \(value)") }
            return Int(value)
        }

        // The end-of-central-directory record: its signature within the last 64 KiB + 22 bytes (the comment).
        guard count >= 22 else { throw fail("\(count) bytes are too few for a zip archive") }
        var end = -1
        for candidate in stride(from: count - 22, through: max(0, count - 22 - 65_535), by: -1) where u32(candidate) == 0x0605_4B50 {
            end = candidate
            break
        }
        guard end >= 0 else { throw fail("no end-of-central-directory record (truncated, or not a zip archive)") }
        var entryCount = u16(end + 10), directorySize = u32(end + 12), directoryOffset = u32(end + 16)
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
            let locator = end - 20
            guard locator >= 0, u32(locator) == 0x0706_4B50 else { throw fail("ZIP64 sizes without a ZIP64 locator") }
            let record = try u64(locator + 8)
            guard record >= 0, record <= count - 56, u32(record) == 0x0606_4B50 else { throw fail("the ZIP64 end record lies outside the archive") }
            entryCount = try u64(record + 32)
            directorySize = try u64(record + 40)
            directoryOffset = try u64(record + 48)
        }
        guard directoryOffset <= count, directorySize <= count - directoryOffset else {
            throw fail("the central directory [\(directoryOffset), +\(directorySize)) lies outside the \(count)-byte archive")
        }
        // Each entry takes at least 46 bytes, which bounds a hostile count.
        guard entryCount <= directorySize / 46 else { throw fail("\(entryCount) entries cannot fit a \(directorySize)-byte central directory") }

        var members: [String: Member] = [:]
        var at = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard at <= directoryEnd - 46, u32(at) == 0x0201_4B50 else { throw fail("central directory entry \(index) is malformed") }
            let method = u16(at + 10)
            var compressed = u32(at + 20), uncompressed = u32(at + 24)
            let nameLength = u16(at + 28), extraLength = u16(at + 30), commentLength = u16(at + 32)
            var local = u32(at + 42)
            let next = at + 46 + nameLength + extraLength + commentLength
            guard next <= directoryEnd else { throw fail("central directory entry \(index) runs past the directory") }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[(at + 46)..<(at + 46 + nameLength)]), as: UTF8.self)
            // ZIP64 extended information: the 0xFFFFFFFF fields, in order, as 8-byte values.
            var extra = at + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let tag = u16(extra), size = u16(extra + 2)
                guard extra + 4 + size <= extraEnd else { throw fail("member \(name): an extra field runs past its entry") }
                if tag == 0x0001 {
                    var field = extra + 4
                    func next() throws -> Int {
                        guard field + 8 <= extra + 4 + size else { throw fail("member \(name): a ZIP64 field is missing") }
                        defer { field += 8 }
                        return try u64(field)
                    }
                    if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                    if compressed == 0xFFFF_FFFF { compressed = try next() }
                    if local == 0xFFFF_FFFF { local = try next() }
                }
                extra += 4 + size
            }
            guard local <= count - 30, u32(local) == 0x0403_4B50 else { throw fail("member \(name): its local header lies outside the archive") }
            let data = local + 30 + u16(local + 26) + u16(local + 28)
            guard method == 0 else { throw fail("member \(name) is compressed (method \(method)); torch.save stores members uncompressed") }
            guard compressed == uncompressed, data <= count, uncompressed <= count - data else {
                throw fail("member \(name): \(uncompressed) bytes at offset \(data) lie outside the \(count)-byte archive")
            }
            guard members[name] == nil else { throw fail("member \(name) appears twice") }
            members[name] = Member(name: name, offset: data, size: uncompressed)
            at = next
        }
        self.members = members
    }
}
