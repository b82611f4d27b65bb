/// A record whose JSON object is its stored properties, each under its Swift name (or the name its `CodingKeys`
/// give): Codable synthesis writes the field list once, and `JSONValueDecoder` and `JSONValueEncoder` read and
/// write it as `ObjectReader` and `ObjectWriter` would (required and optional fields, nil left out).
/// A type whose decoding also checks its values keeps the check apart (see ModelsAdaptParams).
public protocol JSONRecord: Codable, JSONEncodable, JSONDecodable {}

extension JSONRecord {
    public init(json: JSONValue, at path: String) throws {
        try self.init(from: JSONValueDecoder(json, at: path))
    }

    /// From an object already opened (a request's params).
    public init(_ object: ObjectReader) throws {
        try self.init(json: .object(object.fields), at: object.path)
    }

    public var json: JSONValue { try! JSONValueEncoder.json(of: self) }   // no record holds an integer beyond Int
}

/// A type that maps itself to JSON by hand (a union, a renamed or legacy shape) and sits in a `JSONRecord`'s
/// fields. Codable only so that synthesis accepts it: JSONValueDecoder and JSONValueEncoder call its own
/// `init(json:at:)` and `json`, and other coders are refused.
public protocol JSONValueCodable: Codable, JSONEncodable, JSONDecodable {}

extension JSONValueCodable {
    public init(from decoder: Decoder) throws {
        guard let decoder = decoder as? JSONValueDecoder else {
            throw DecodingError.typeMismatch(Self.self, DecodingError.Context(codingPath: decoder.codingPath,
                                                                               debugDescription: "read only from a JSONValue"))
        }
        try self.init(json: decoder.value, at: decoder.path)
    }

    public func encode(to encoder: Encoder) throws {
        guard let encoder = encoder as? JSONValueEncoder else {
            throw EncodingError.invalidValue(self, EncodingError.Context(codingPath: encoder.codingPath,
                                                                         debugDescription: "written only as a JSONValue"))
        }
        encoder.slot.set(json)
    }
}

extension JSONValue: JSONValueCodable {}
