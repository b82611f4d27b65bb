/// How the REPL may colour its output: 24-bit escapes, the 256-colour palette, or none (`token[0.42]`).
public enum ColorMode: String, Sendable, Equatable {
    case trueColor
    case palette256
    case plain

    /// NO_COLOR (https://no-color.org: any non-empty value) or a non-terminal stdout → plain; COLORTERM
    /// announcing truecolor/24bit → 24-bit; any other terminal → 256 colours.
    public static func detect(environment: [String: String], isTerminal: Bool) -> ColorMode {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .plain }
        if !isTerminal || environment["TERM"] == "dumb" { return .plain }
        let colorterm = (environment["COLORTERM"] ?? "").lowercased()
        return colorterm == "truecolor" || colorterm == "24bit" ? .trueColor : .palette256
    }
}

/// SGR escape sequences for one colour mode; every function returns "" in plain mode.
public struct TerminalStyle: Sendable {
    public var mode: ColorMode
    public init(mode: ColorMode) { self.mode = mode }

    public var reset: String { mode == .plain ? "" : "\u{1B}[0m" }
    public var bold: String { mode == .plain ? "" : "\u{1B}[1m" }
    public var dim: String { mode == .plain ? "" : "\u{1B}[2m" }
    public var underline: String { mode == .plain ? "" : "\u{1B}[4m" }

    public func background(_ c: RGB) -> String {
        switch mode {
        case .trueColor: return "\u{1B}[48;2;\(c.r);\(c.g);\(c.b)m"
        case .palette256: return "\u{1B}[48;5;\(Palette256.index(of: c))m"
        case .plain: return ""
        }
    }

    public func foreground(_ c: RGB) -> String {
        switch mode {
        case .trueColor: return "\u{1B}[38;2;\(c.r);\(c.g);\(c.b)m"
        case .palette256: return "\u{1B}[38;5;\(Palette256.index(of: c))m"
        case .plain: return ""
        }
    }

    /// Text on a shaded background, with black or white letters for contrast.
    public func shaded(_ text: String, _ c: RGB) -> String {
        mode == .plain ? text : background(c) + foreground(c.textColor) + text + reset
    }

    public func colored(_ text: String, _ c: RGB) -> String {
        mode == .plain ? text : foreground(c) + text + reset
    }

    public func emphasised(_ text: String) -> String { mode == .plain ? text : bold + text + reset }
    public func faint(_ text: String) -> String { mode == .plain ? text : dim + text + reset }

    public static let warning = RGB(215, 135, 0)
    public static let error = RGB(215, 0, 0)
    public static let highlight = RGB(255, 215, 95)
}
