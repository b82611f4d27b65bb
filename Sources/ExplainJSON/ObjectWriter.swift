/// A JSON object built field by field, leaving out absent (nil) optional fields: the counterpart of
/// `ObjectReader`, how params, reports and other documents are written.
public struct ObjectWriter {
    public var fields = JSONObject()
    public init() {}
    public mutating func set<T: JSONEncodable>(_ key: String, _ value: T?) {
        if let value { fields[key] = value.json }
    }
    /// Every field `value` writes (an object), beside these: fields that several params share, kept in a record of
    /// their own but sent flat.
    public mutating func set(fieldsOf value: JSONEncodable) {
        for (key, field) in value.json.objectValue ?? [:] { fields[key] = field }
    }
    public var json: JSONValue { .object(fields) }
}
