/// JSON for people (the REPL's `:json`, the files training writes): two-space indentation, keys sorted, short arrays of scalars kept on one line
/// (a token's scores stay readable), every scalar written by the one serializer.
public enum PrettyJSON {
    public static func string(_ value: JSONValue, indent: String = "") -> String {
        let inner = indent + "  "
        switch value {
        case .object(let fields):
            if fields.isEmpty { return "{}" }
            let items = fields.keys.sorted().map { key in
                inner + JSONSerializer.string(.string(key)) + ": " + string(fields[key]!, indent: inner)
            }
            return "{\n" + items.joined(separator: ",\n") + "\n" + indent + "}"
        case .array(let items):
            if items.isEmpty { return "[]" }
            let scalars = items.allSatisfy { $0.arrayValue == nil && $0.objectValue == nil }
            let flat = "[" + items.map { JSONSerializer.string($0) }.joined(separator: ", ") + "]"
            if scalars && flat.count + indent.count <= 100 { return flat }
            return "[\n" + items.map { inner + string($0, indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        default:
            return JSONSerializer.string(value)
        }
    }
}
