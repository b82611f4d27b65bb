import Foundation

/// Foundation's JSONSerialization hands back booleans as NSNumbers that also cast to Int; this tells a JSON
/// number from a JSON boolean, so `"hidden_size": true` is rejected rather than read as 1.
enum JSONNumbers {
    private static let booleanType = type(of: NSNumber(value: true))

    static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, type(of: number) != booleanType else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    static func double(_ value: Any) -> Double? {
        guard let number = value as? NSNumber, type(of: number) != booleanType else { return nil }
        return number.doubleValue
    }
}
