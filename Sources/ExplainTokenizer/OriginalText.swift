/// The text being encoded, indexed by Unicode scalar (the unit of every offset), with its UTF-8 bytes so that
/// spans become Strings by copying bytes rather than appending scalars one by one.
struct OriginalText {
    let scalars: [Unicode.Scalar]
    private let utf8: [UInt8]
    /// UTF-8 offset of each scalar, plus the end.
    private let utf8Offsets: [Int]

    init(_ text: String) {
        var scalars: [Unicode.Scalar] = []
        var offsets: [Int] = []
        let utf8 = Array(text.utf8)
        scalars.reserveCapacity(utf8.count)
        offsets.reserveCapacity(utf8.count + 1)
        var offset = 0
        for s in text.unicodeScalars {
            scalars.append(s)
            offsets.append(offset)
            offset += UTF8.width(s)
        }
        offsets.append(offset)
        self.scalars = scalars
        self.utf8 = utf8
        self.utf8Offsets = offsets
    }

    /// The text of scalars `range`.
    func string(_ range: Range<Int>) -> String {
        String(decoding: utf8[utf8Offsets[range.lowerBound]..<utf8Offsets[range.upperBound]], as: UTF8.self)
    }
}
