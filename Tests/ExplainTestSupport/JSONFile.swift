import ExplainJSON
import Foundation

/// Fixtures and scratch files read, written and edited through ExplainJSON, the one JSON layer.
public enum JSONFile {
    public static func read(_ url: URL) throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: url)))
    }

    /// The file decoded as `T`; a field that does not fit is named by its path in the error.
    public static func read<T: JSONDecodable>(_ url: URL, as type: T.Type = T.self) throws -> T {
        try T(json: try read(url), at: "")
    }

    public static func write(_ value: JSONValue, to url: URL) throws {
        try Data(JSONSerializer.serialize(value)).write(to: url)
    }

    /// Rewrites the object in `url` after `edit` (a config.json or tokenizer.json made hostile).
    public static func edit(_ url: URL, _ edit: (inout JSONObject) throws -> Void) throws {
        let value = try read(url)
        guard var object = value.objectValue else { throw InvalidField.mismatch("object", value, at: url.lastPathComponent) }
        try edit(&object)
        try write(.object(object), to: url)
    }
}
