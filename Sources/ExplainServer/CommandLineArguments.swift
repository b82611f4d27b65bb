/// Flags and their values, read one at a time: `--flag value` and `--flag=value` alike. The daemon's command
/// line and `explaind corpus` read theirs through it.
public struct CommandLineArguments {
    private var rest: ArraySlice<String>

    public init(_ arguments: [String]) { rest = arguments[...] }

    /// The next flag or word, with an `=value` tail split off to be read by `value`.
    public mutating func next() -> String? {
        guard let argument = rest.popFirst() else { return nil }
        if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
            rest.insert(String(argument[argument.index(after: eq)...]), at: rest.startIndex)
            return String(argument[..<eq])
        }
        return argument
    }

    public mutating func value(_ flag: String) throws -> String {
        guard let v = rest.popFirst() else { throw CommandLineError(description: "\(flag) needs a value") }
        return v
    }

    public mutating func positive(_ flag: String) throws -> Int {
        let text = try value(flag)
        guard let n = Int(text), n > 0 else {
            throw CommandLineError(description: "\(flag) needs a positive integer, got \"\(text)\"")
        }
        return n
    }

    public mutating func choice<E: RawRepresentable & CaseIterable>(_ flag: String, _ type: E.Type) throws -> E where E.RawValue == String {
        let text = try value(flag)
        guard let v = E(rawValue: text) else {
            throw CommandLineError(description: "\(flag) is one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
        }
        return v
    }
}
