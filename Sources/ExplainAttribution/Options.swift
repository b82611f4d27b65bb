/// An option value as the protocol carries it.
public enum OptionValue: Sendable, Equatable, CustomStringConvertible {
    case number(Double), string(String), bool(Bool)

    public var description: String {
        switch self {
        case .number(let value): return value.rounded() == value && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): return value
        case .bool(let value): return String(value)
        }
    }
}

/// One option a method takes, with its default and range, as `initialize` advertises it.
public struct OptionSpec: Sendable {
    public enum Kind: String, Sendable { case integer, number, string, boolean }
    public var name: String
    public var kind: Kind
    public var defaultValue: OptionValue?
    public var minimum: Double?
    public var maximum: Double?
    public var choices: [String]?
    public var summary: String

    public static func integer(_ name: String, _ defaultValue: Int, _ range: ClosedRange<Int>, _ summary: String) -> OptionSpec {
        OptionSpec(name: name, kind: .integer, defaultValue: .number(Double(defaultValue)), minimum: Double(range.lowerBound),
                   maximum: Double(range.upperBound), choices: nil, summary: summary)
    }
    public static func number(_ name: String, _ defaultValue: Double, _ range: ClosedRange<Double>, _ summary: String) -> OptionSpec {
        OptionSpec(name: name, kind: .number, defaultValue: .number(defaultValue), minimum: range.lowerBound,
                   maximum: range.upperBound, choices: nil, summary: summary)
    }
    public static func choice(_ name: String, _ defaultValue: String, _ choices: [String], _ summary: String) -> OptionSpec {
        OptionSpec(name: name, kind: .string, defaultValue: .string(defaultValue), minimum: nil, maximum: nil, choices: choices, summary: summary)
    }
    /// The seed of a method's random draws ("seed of the noise"): the same seed, the same scores.
    public static func seed(of draws: String) -> OptionSpec {
        .integer("seed", 0, 0...Int(Int32.max), "seed of \(draws)")
    }
    /// How many copies of the input go through the model in one pass: more is faster, fewer bounds memory.
    public static func batchSize(of copies: String) -> OptionSpec {
        .integer("batchSize", 64, 1...4096, "\(copies) per batched pass (bounds memory)")
    }
    public static func boolean(_ name: String, _ defaultValue: Bool, _ summary: String) -> OptionSpec {
        OptionSpec(name: name, kind: .boolean, defaultValue: .bool(defaultValue), minimum: nil, maximum: nil, choices: nil, summary: summary)
    }
}

/// A method's options after validation against its specs, defaults filled in.
public struct ResolvedOptions: Sendable {
    public private(set) var values: [String: OptionValue]

    /// Rejects unknown names, wrong kinds, values out of range and unknown choices, naming the field.
    init(_ given: [String: OptionValue], specs: [OptionSpec]) throws {
        var values: [String: OptionValue] = [:]
        for (name, _) in given where !specs.contains(where: { $0.name == name }) {
            let known = specs.isEmpty ? "this method takes no options" : "known: " + specs.map(\.name).joined(separator: ", ")
            throw AttributionError.invalidOption(name: "options.\(name)", reason: "unknown option (\(known))")
        }
        for spec in specs {
            let field = "options.\(spec.name)"
            guard let value = given[spec.name] ?? spec.defaultValue else { continue }
            switch (spec.kind, value) {
            case (.integer, .number(let number)):
                guard number.rounded() == number else { throw AttributionError.invalidOption(name: field, reason: "must be an integer") }
                fallthrough
            case (.number, .number(let number)):
                guard number.isFinite else { throw AttributionError.invalidOption(name: field, reason: "must be a finite number") }
                if let minimum = spec.minimum, number < minimum {
                    throw AttributionError.invalidOption(name: field, reason: "must be at least \(OptionValue.number(minimum)), got \(value)")
                }
                if let maximum = spec.maximum, number > maximum {
                    throw AttributionError.invalidOption(name: field, reason: "must be at most \(OptionValue.number(maximum)), got \(value)")
                }
            case (.string, .string(let text)):
                if let choices = spec.choices, !choices.contains(text) {
                    throw AttributionError.invalidOption(name: field, reason: "must be one of \(choices.joined(separator: ", ")), got \"\(text)\"")
                }
            case (.boolean, .bool):
                break
            default:
                throw AttributionError.invalidOption(name: field, reason: "must be \(spec.kind == .integer ? "an integer" : spec.kind == .boolean ? "a boolean" : "a \(spec.kind.rawValue)")")
            }
            values[spec.name] = value
        }
        self.values = values
    }

    func integer(_ name: String) -> Int {
        guard case .number(let value)? = values[name] else { preconditionFailure("option \(name) is not a number") }
        return Int(value)
    }
    func number(_ name: String) -> Double {
        guard case .number(let value)? = values[name] else { preconditionFailure("option \(name) is not a number") }
        return value
    }
    func string(_ name: String) -> String {
        guard case .string(let value)? = values[name] else { preconditionFailure("option \(name) is not a string") }
        return value
    }
    func bool(_ name: String) -> Bool {
        guard case .bool(let value)? = values[name] else { preconditionFailure("option \(name) is not a boolean") }
        return value
    }
}
