import XCTest
@testable import ExplainJSON

/// JSONRecord must read and write exactly as ObjectReader and ObjectWriter do: the same fields, the same
/// errors at the same paths.
final class JSONRecordTests: XCTestCase {
    struct Point: JSONRecord, Equatable {
        var x: Int
        var y: Double
        var label: String?
    }

    struct Shape: JSONRecord, Equatable {
        var name: String
        var points: [Point]
        var origin: Point?
        var weights: [Float]
        var tags: [String: Int]
        var extra: JSONValue?
        var closed: Bool
    }

    /// A field whose JSON name is not its Swift name.
    struct Renamed: JSONRecord, Equatable {
        var isDefault: Bool
        enum CodingKeys: String, CodingKey { case isDefault = "default" }
    }

    /// The same fields read by hand, as every record was before.
    func readByHand(_ json: JSONValue, at path: String) throws -> Point {
        let o = try ObjectReader(json, at: path)
        return Point(x: try o.required("x"), y: try o.required("y"), label: try o.optional("label"))
    }

    func writeByHand(_ point: Point) -> JSONValue {
        var o = ObjectWriter()
        o.set("x", point.x)
        o.set("y", point.y)
        o.set("label", point.label)
        return o.json
    }

    /// Both readers fail, with the same InvalidField.
    func assertSameError(_ json: JSONValue, at path: String = "", file: StaticString = #filePath, line: UInt = #line) {
        var byHand: InvalidField?
        XCTAssertThrowsError(try readByHand(json, at: path), file: file, line: line) { byHand = $0 as? InvalidField }
        XCTAssertThrowsError(try Point(json: json, at: path), file: file, line: line) { error in
            XCTAssertNotNil(error as? InvalidField, "\(error)", file: file, line: line)
            XCTAssertEqual(error as? InvalidField, byHand, file: file, line: line)
        }
    }

    func testRoundTrip() throws {
        let shape = Shape(name: "square", points: [Point(x: 0, y: 0.5, label: "a"), Point(x: 1, y: 2, label: nil)],
                          origin: Point(x: -3, y: 1e-3, label: nil), weights: [0.3, 1], tags: ["a": 1, "b": 2],
                          extra: ["k": [1, nil]], closed: true)
        let json = shape.json
        XCTAssertEqual(try Shape(json: json, at: ""), shape)
        XCTAssertEqual(try Shape(json: JSONParser.parse(JSONSerializer.serialize(json)), at: ""), shape)
    }

    func testWritesAsObjectWriter() {
        for point in [Point(x: 1, y: 2.5, label: "p"), Point(x: 1, y: 2, label: nil), Point(x: 0, y: .nan, label: nil)] {
            XCTAssertEqual(JSONSerializer.string(point.json), JSONSerializer.string(writeByHand(point)))
        }
        XCTAssertEqual(JSONSerializer.string(Point(x: 1, y: 2, label: nil).json), #"{"x":1,"y":2}"#)
    }

    func testIntegersStayIntegersAndFloatsShort() {
        let shape = Shape(name: "", points: [], origin: nil, weights: [0.3], tags: [:], extra: nil, closed: false)
        XCTAssertEqual(JSONSerializer.string(shape.json),
                       #"{"closed":false,"name":"","points":[],"tags":{},"weights":[0.3]}"#)
        XCTAssertEqual(Point(x: 7, y: 7, label: nil).json["x"], .integer(7))
        XCTAssertEqual(Point(x: 7, y: 7.5, label: nil).json["y"], .number(7.5))
    }

    func testReadsAsObjectReader() throws {
        let inputs: [JSONValue] = [["x": 1, "y": 2], ["x": 1, "y": 2.5, "label": "p"], ["x": 1, "y": 2, "label": nil],
                                   ["x": .number(3.0), "y": 2, "unknown": true]]
        for json in inputs { XCTAssertEqual(try Point(json: json, at: "p"), try readByHand(json, at: "p")) }
    }

    func testMissingNullAndWrongTypeFieldsGiveObjectReadersErrors() {
        assertSameError(["y": 2])
        assertSameError(["x": nil, "y": 2])
        assertSameError(["x": 1, "y": nil], at: "options")
        assertSameError(["x": "1", "y": 2])
        assertSameError(["x": .number(1.5), "y": 2], at: "a.b")
        assertSameError(["x": 1, "y": "2"])
        assertSameError(["x": 1, "y": 2, "label": 3])
        assertSameError([1, 2])
        assertSameError("point", at: "p")
        assertSameError(nil)
        XCTAssertThrowsError(try Point(json: ["y": 2], at: "")) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "x", reason: "required field is missing"))
        }
        XCTAssertThrowsError(try Point(json: ["x": .number(1.5), "y": 2], at: "a")) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "a.x", reason: "expected an integer"))
        }
    }

    func testNestedRecordsAndArraysNameTheFullPath() {
        let good: JSONValue = ["x": 1, "y": 2]
        func error(_ json: JSONValue) -> InvalidField? {
            var caught: InvalidField?
            XCTAssertThrowsError(try Shape(json: json, at: "params")) { caught = $0 as? InvalidField }
            return caught
        }
        var shape: JSONObject = ["name": "s", "points": [good, good], "weights": [], "tags": [:], "closed": true]
        shape["points"] = [good, ["x": 1]]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.points[1].y", reason: "required field is missing"))
        shape["points"] = [good, "p"]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.points[1]", reason: "expected object, got string"))
        shape["points"] = [good]
        shape["origin"] = ["x": true, "y": 1]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.origin.x", reason: "expected integer, got boolean"))
        shape["origin"] = nil
        shape["weights"] = [1, "w"]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.weights[1]", reason: "expected number, got string"))
        shape["weights"] = []
        shape["tags"] = ["a": 1.5]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.tags.a", reason: "expected an integer"))
        shape["tags"] = ["é": 1, "e\u{301}": 2]
        XCTAssertEqual(error(.object(shape)), InvalidField(field: "params.tags.e\u{301}",
                                                           reason: "two keys equal up to Unicode normalisation"))
    }

    func testNilOptionalsAreLeftOutAndNullOptionalsReadAsNil() throws {
        let json: JSONValue = ["name": "s", "points": [], "origin": nil, "weights": [], "tags": [:], "extra": nil, "closed": false]
        let shape = try Shape(json: json, at: "")
        XCTAssertNil(shape.origin)
        XCTAssertNil(shape.extra)
        XCTAssertNil(shape.json["origin"])
        XCTAssertNil(shape.json["extra"])
    }

    func testCodingKeysRenameTheField() throws {
        XCTAssertEqual(JSONSerializer.string(Renamed(isDefault: true).json), #"{"default":true}"#)
        XCTAssertEqual(try Renamed(json: ["default": false], at: ""), Renamed(isDefault: false))
        XCTAssertThrowsError(try Renamed(json: ["isDefault": false], at: "m")) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "m.default", reason: "required field is missing"))
        }
    }

    /// Hand-written Codable shapes: nested and unkeyed containers, and integers narrower than Int.
    struct Pair: Codable, Equatable {
        var left: Int8
        var right: [UInt16]
        enum CodingKeys: CodingKey { case right }
        init(left: Int8, right: [UInt16]) { self.left = left; self.right = right }
        init(from decoder: Decoder) throws {
            var items = try decoder.unkeyedContainer()
            left = try items.decode(Int8.self)
            let nested = try items.nestedContainer(keyedBy: CodingKeys.self)
            right = try nested.decode([UInt16].self, forKey: .right)
        }
        func encode(to encoder: Encoder) throws {
            var items = encoder.unkeyedContainer()
            try items.encode(left)
            var nested = items.nestedContainer(keyedBy: CodingKeys.self)
            try nested.encode(right, forKey: .right)
        }
    }

    func testUnkeyedAndNestedContainers() throws {
        let pair = Pair(left: -3, right: [1, 2])
        let json = try JSONValueEncoder.json(of: pair)
        XCTAssertEqual(JSONSerializer.string(json), #"[-3,{"right":[1,2]}]"#)
        XCTAssertEqual(try JSONValueDecoder(json, at: "").decode(Pair.self), pair)
        XCTAssertThrowsError(try JSONValueDecoder([300, ["right": []]], at: "p").decode(Pair.self)) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "p[0]", reason: "out of range for Int8"))
        }
        XCTAssertThrowsError(try JSONValueDecoder([1], at: "p").decode(Pair.self)) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "p[1]", reason: "required field is missing"))
        }
        XCTAssertThrowsError(try JSONValueDecoder(["left": 1], at: "p").decode(Pair.self)) {
            XCTAssertEqual($0 as? InvalidField, InvalidField(field: "p", reason: "expected array, got object"))
        }
    }

    /// A wide container written element by element (a hand-written encode of many values): every element in
    /// order. Each append extends the slot in place; copying the elements on every append made this quadratic.
    struct Series: Codable {
        var values: [Int]
        func encode(to encoder: Encoder) throws {
            var items = encoder.unkeyedContainer()
            for value in values { try items.encode(value) }
        }
    }

    func testWideUnkeyedContainerKeepsEveryElement() throws {
        let values = Array(0..<200_000)
        guard case .array(let items) = try JSONValueEncoder.json(of: Series(values: values)) else { return XCTFail("not an array") }
        XCTAssertEqual(items.map(\.intValue), values)
    }
}
