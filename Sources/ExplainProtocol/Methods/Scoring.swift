/// The fields `explain` and `compareMethods` share: which class the scores are about (`target`, `foil`),
/// the explained quantity (`output`), and how scores are normalised and grouped. Decoded and encoded here
/// once for both requests, from the request's own params object (the fields sit beside `text`, not nested:
/// `ScoringParams(params)` reads them, `params.set(fieldsOf:)` writes them); the names are checked by the daemon
/// against the attribution library's.
public struct ScoringParams: Equatable, Sendable, JSONRecord {
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
}
