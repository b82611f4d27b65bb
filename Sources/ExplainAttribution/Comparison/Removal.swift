/// How tokens leave an input when faithfulness is measured: deleted from the sequence (ferret's default,
/// `remove_tokens=True`) or replaced by `[MASK]` (its `remove_tokens=False`).
public enum Removal: String, Sendable, CaseIterable {
    case delete, mask
}

/// One input's token ids split into the special tokens, which always stay, and the content tokens that
/// perturbations remove or keep. Perturbed inputs are built as id sequences, not by decoding text and
/// tokenising it again as ferret does, so the tokens are exactly the explained ones.
struct TokenContent {
    let ids: [Int]
    let special: [Bool]
    let maskID: Int
    /// Token indices of the non-special tokens, in order; "position j" means ids[positions[j]].
    let positions: [Int]

    init(ids: [Int], special: [Bool], maskID: Int) {
        self.ids = ids
        self.special = special
        self.maskID = maskID
        positions = special.indices.filter { !special[$0] }
    }

    var count: Int { positions.count }

    /// The input without the chosen positions (comprehensiveness, the deletion curve, leave-one-out).
    func removing(_ chosen: Set<Int>, by removal: Removal) -> [Int] { rebuild(by: removal) { chosen.contains($0) } }

    /// The input with only the chosen positions, in sentence order (sufficiency): the others are deleted
    /// or, with `[MASK]` removal, masked.
    func keeping(_ chosen: Set<Int>, by removal: Removal) -> [Int] { rebuild(by: removal) { !chosen.contains($0) } }

    private func rebuild(by removal: Removal, dropping drop: (Int) -> Bool) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(ids.count)
        var position = 0
        for (id, isSpecial) in zip(ids, special) {
            if isSpecial { result.append(id); continue }
            defer { position += 1 }
            if !drop(position) { result.append(id) } else if removal == .mask { result.append(maskID) }
        }
        return result
    }
}
