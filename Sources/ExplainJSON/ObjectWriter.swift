/// A JSON object built field by field, leaving out absent (nil) optional fields: the counterpart of
/// `ObjectReader`, how params, reports and other documents are written.
public struct ObjectWriter {
    public var fields = JSONObject()
    public init() {}
    public mutating func set<T: JSONEncodable>(_ key: String, _ value: T?) {
        if let value { fields[key] = value.json }
    }
    public var json: JSONValue { .object(fields) }
}
