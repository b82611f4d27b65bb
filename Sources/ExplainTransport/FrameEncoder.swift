/// The writing side of framing: one message body as it goes on the wire. The daemon, the REPL and the tests
/// all frame through this, and read through the parsers beside it.
public enum FrameEncoder {
    public static func frame(_ body: [UInt8], as kind: FramingKind) -> [UInt8] {
        switch kind {
        case .lsp:
            return Array("Content-Length: \(body.count)\r\n\r\n".utf8) + body
        case .ndjson:
            // The serializer escapes newlines inside strings, so one message is one line.
            return body + [UInt8(ascii: "\n")]
        }
    }
}
