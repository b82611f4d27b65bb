/// The fields `explain` and `compareMethods` share: which class the scores are about (`target`, `foil`),
/// the explained quantity (`output`), and how scores are normalised and grouped. Decoded and encoded here
/// once for both requests; the names are checked by the daemon against the attribution library's.
public struct ScoringParams: Equatable, Sendable {
    public var target: ClassSelector?
    public var foil: ClassSelector?
    public var output: String?
    public var normalize: String?
    /// Special tokens in the normalisation's divisor (default false).
    public var normalizeSpecialTokens: Bool?
    public var granularity: String?

    public init(target: ClassSelector? = nil, foil: ClassSelector? = nil, output: String? = nil,
                normalize: String? = nil, normalizeSpecialTokens: Bool? = nil, granularity: String? = nil) {
        self.target = target; self.foil = foil; self.output = output
        self.normalize = normalize; self.normalizeSpecialTokens = normalizeSpecialTokens; self.granularity = granularity
    }

    /// Read from the request's own params object (the fields sit beside `text`, not nested).
    public init(_ params: ObjectReader) throws {
        target = try params.optional("target")
        foil = try params.optional("foil")
        output = try params.optional("output")
        normalize = try params.optional("normalize")
        normalizeSpecialTokens = try params.optional("normalizeSpecialTokens")
        granularity = try params.optional("granularity")
    }

    func write(into params: inout ObjectWriter) {
        params.set("target", target)
        params.set("foil", foil)
        params.set("output", output)
        params.set("normalize", normalize)
        params.set("normalizeSpecialTokens", normalizeSpecialTokens)
        params.set("granularity", granularity)
    }
}
