/// A 24-bit colour.
public struct RGB: Equatable, Sendable, CustomStringConvertible {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    /// Perceived brightness (ITU-R BT.601 weights), to pick black or white text on a background.
    public var luma: Double { 0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b) }
    public var textColor: RGB { luma < 140 ? RGB(255, 255, 255) : RGB(0, 0, 0) }
    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined()
    }
    public var description: String { hex }

    static func mix(_ a: RGB, _ b: RGB, _ t: Double) -> RGB {
        func channel(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Double(x) + (Double(y) - Double(x)) * t).rounded()) }
        return RGB(channel(a.r, b.r), channel(a.g, b.g), channel(a.b, b.b))
    }
}

/// Score → colour. Non-negative methods (gradient norm, occlusion drops…) shade from white to blue; signed
/// ones use a red–white–blue diverging scale centred on zero (negative red, positive blue), the endpoints of
/// ColorBrewer's RdBu, as Captum's `visualize_text` and the reference notebook's plots do.
public enum ColorScale: Sendable, Equatable {
    case sequential
    case diverging

    public static let white = RGB(255, 255, 255)
    public static let blue = RGB(33, 102, 172)
    public static let red = RGB(178, 24, 43)

    /// `value` is a score divided by the largest magnitude shown, so in [-1, 1]; out-of-range values clamp.
    public func color(_ value: Double) -> RGB {
        let v = value.isFinite ? min(max(value, -1), 1) : 0
        switch self {
        case .sequential: return RGB.mix(Self.white, Self.blue, max(v, 0))
        case .diverging: return v >= 0 ? RGB.mix(Self.white, Self.blue, v) : RGB.mix(Self.white, Self.red, -v)
        }
    }

    /// The scale for a method: diverging when the server says it is signed, or when any score is negative.
    public static func `for`(signed: Bool, scores: [Double]) -> ColorScale {
        signed || scores.contains { $0 < 0 } ? .diverging : .sequential
    }
}

/// The xterm 256-colour palette's nearest entry: the 6×6×6 cube (16…231) or the grey ramp (232…255).
public enum Palette256 {
    static let levels: [Int] = [0, 95, 135, 175, 215, 255]

    public static func index(of c: RGB) -> Int {
        func nearestLevel(_ x: UInt8) -> Int {
            var best = 0
            for i in 1..<levels.count where abs(levels[i] - Int(x)) < abs(levels[best] - Int(x)) { best = i }
            return best
        }
        let (ri, gi, bi) = (nearestLevel(c.r), nearestLevel(c.g), nearestLevel(c.b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance(c, RGB(UInt8(levels[ri]), UInt8(levels[gi]), UInt8(levels[bi])))
        let average = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let grey = min(max((average - 8 + 5) / 10, 0), 23)
        let greyLevel = UInt8(8 + 10 * grey)
        let greyDistance = distance(c, RGB(greyLevel, greyLevel, greyLevel))
        return greyDistance < cubeDistance ? 232 + grey : cube
    }

    /// The colour an index stands for (cube and grey ramp only).
    public static func color(of index: Int) -> RGB? {
        switch index {
        case 16...231:
            let i = index - 16
            return RGB(UInt8(levels[i / 36]), UInt8(levels[(i / 6) % 6]), UInt8(levels[i % 6]))
        case 232...255:
            let v = UInt8(8 + 10 * (index - 232))
            return RGB(v, v, v)
        default: return nil
        }
    }

    static func distance(_ a: RGB, _ b: RGB) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }
}
