/// A SentencePiece model file (`sentencepiece.bpe.model`, `spiece.model`, `spm.model`): the `ModelProto` of
/// sentencepiece's `sentencepiece_model.proto`, reduced to what HuggingFace's converters read. Fields keep
/// proto2's declared defaults when absent.
struct SentencePieceModelFile: Sendable {
    /// `ModelProto.SentencePiece.Type`.
    enum PieceType: Int32, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    struct Piece: Sendable, Equatable {
        var piece: String
        var score: Float = 0
        var type: PieceType = .normal
    }

    /// `TrainerSpec.ModelType`.
    enum ModelType: Int32, Sendable {
        case unigram = 1, bpe = 2, word = 3, char = 4
    }

    struct TrainerSpec: Sendable {
        var modelType: ModelType = .unigram
        var byteFallback = false
        var unkID: Int32 = 0, bosID: Int32 = 1, eosID: Int32 = 2, padID: Int32 = -1
        var unkPiece = "<unk>", bosPiece = "<s>", eosPiece = "</s>", padPiece = "<pad>"
    }

    struct NormalizerSpec: Sendable {
        var name = ""
        var precompiledCharsmap: [UInt8] = []
        var addDummyPrefix = true
        var removeExtraWhitespaces = true
        var escapeWhitespaces = true
    }

    var pieces: [Piece] = []
    var trainerSpec = TrainerSpec()
    var normalizerSpec = NormalizerSpec()

    /// Parses and checks the file's bytes; every failure says what is wrong and where.
    init(_ bytes: [UInt8]) throws(FormatError) {
        do {
            var reader = ProtobufReader(bytes)
            while let field = try reader.nextField() {
                switch field.number {
                case 1:
                    try reader.expect(field, .lengthDelimited, "ModelProto.pieces")
                    var message = try reader.message()
                    pieces.append(try Self.piece(&message))
                case 2:
                    try reader.expect(field, .lengthDelimited, "ModelProto.trainer_spec")
                    var message = try reader.message()
                    try Self.merge(&message, into: &trainerSpec)
                case 3:
                    try reader.expect(field, .lengthDelimited, "ModelProto.normalizer_spec")
                    var message = try reader.message()
                    try Self.merge(&message, into: &normalizerSpec)
                default:
                    try reader.skip(field)
                }
            }
        } catch let error as ProtobufReader.FormatError {
            throw FormatError(reason: "not a SentencePiece model: \(error.reason) at byte \(error.offset)")
        } catch {
            throw FormatError(reason: "not a SentencePiece model: \(error)")
        }
        try check()
    }

    struct FormatError: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    private static func piece(_ reader: inout ProtobufReader) throws -> Piece {
        var piece: String?
        var result = Piece(piece: "")
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                try reader.expect(field, .lengthDelimited, "SentencePiece.piece")
                piece = try reader.string()
            case 2:
                try reader.expect(field, .fixed32, "SentencePiece.score")
                result.score = try reader.float()
            case 3:
                try reader.expect(field, .varint, "SentencePiece.type")
                let raw = try reader.int32()
                guard let type = PieceType(rawValue: raw) else {
                    throw ProtobufReader.FormatError(reason: "unknown piece type \(raw)", offset: reader.position)
                }
                result.type = type
            default:
                try reader.skip(field)
            }
        }
        guard let piece else {
            throw ProtobufReader.FormatError(reason: "a piece without its text", offset: reader.position)
        }
        result.piece = piece
        return result
    }

    private static func merge(_ reader: inout ProtobufReader, into spec: inout TrainerSpec) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 3:
                try reader.expect(field, .varint, "TrainerSpec.model_type")
                let raw = try reader.int32()
                guard let type = ModelType(rawValue: raw) else {
                    throw ProtobufReader.FormatError(reason: "unknown model type \(raw)", offset: reader.position)
                }
                spec.modelType = type
            case 35:
                try reader.expect(field, .varint, "TrainerSpec.byte_fallback")
                spec.byteFallback = try reader.bool()
            case 40, 41, 42, 43:
                try reader.expect(field, .varint, "TrainerSpec id")
                let id = try reader.int32()
                switch field.number {
                case 40: spec.unkID = id
                case 41: spec.bosID = id
                case 42: spec.eosID = id
                default: spec.padID = id
                }
            case 45, 46, 47, 48:
                try reader.expect(field, .lengthDelimited, "TrainerSpec piece")
                let piece = try reader.string()
                switch field.number {
                case 45: spec.unkPiece = piece
                case 46: spec.bosPiece = piece
                case 47: spec.eosPiece = piece
                default: spec.padPiece = piece
                }
            default:
                try reader.skip(field)
            }
        }
    }

    private static func merge(_ reader: inout ProtobufReader, into spec: inout NormalizerSpec) throws {
        while let field = try reader.nextField() {
            switch field.number {
            case 1:
                try reader.expect(field, .lengthDelimited, "NormalizerSpec.name")
                spec.name = try reader.string()
            case 2:
                try reader.expect(field, .lengthDelimited, "NormalizerSpec.precompiled_charsmap")
                spec.precompiledCharsmap = try reader.bytesField()
            case 3:
                try reader.expect(field, .varint, "NormalizerSpec.add_dummy_prefix")
                spec.addDummyPrefix = try reader.bool()
            case 4:
                try reader.expect(field, .varint, "NormalizerSpec.remove_extra_whitespaces")
                spec.removeExtraWhitespaces = try reader.bool()
            case 5:
                try reader.expect(field, .varint, "NormalizerSpec.escape_whitespaces")
                spec.escapeWhitespaces = try reader.bool()
            default:
                try reader.skip(field)
            }
        }
    }

    /// What sentencepiece's `ModelInterface` refuses too: no pieces, an empty or repeated piece, special ids
    /// outside the vocabulary, an unknown piece that is not where `unk_id` says.
    private func check() throws(FormatError) {
        guard !pieces.isEmpty else { throw FormatError(reason: "the model has no pieces") }
        // Keyed by bytes: Swift's String equality would merge canonically equivalent pieces.
        var seen: [[UInt8]: Int] = [:]
        seen.reserveCapacity(pieces.count)
        for (id, piece) in pieces.enumerated() {
            guard !piece.piece.isEmpty else { throw FormatError(reason: "piece \(id) is empty") }
            if let first = seen.updateValue(id, forKey: Array(piece.piece.utf8)) {
                throw FormatError(reason: "piece \"\(piece.piece)\" appears twice (ids \(first) and \(id))")
            }
            guard piece.score.isFinite else { throw FormatError(reason: "piece \(id) has score \(piece.score)") }
        }
        let count = Int32(pieces.count)
        let unk = trainerSpec.unkID
        guard unk >= 0, unk < count else {
            throw FormatError(reason: "unk_id \(unk) is outside the \(count) pieces")
        }
        for (name, id) in [("bos_id", trainerSpec.bosID), ("eos_id", trainerSpec.eosID), ("pad_id", trainerSpec.padID)]
            where id >= count {
            throw FormatError(reason: "\(name) \(id) is outside the \(count) pieces")
        }
    }
}
