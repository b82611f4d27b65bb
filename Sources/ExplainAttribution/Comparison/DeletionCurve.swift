/// The explained probability as a method's top tokens are removed one at a time (Samek et al. 2017's
/// "most relevant first" perturbation curve; Petsiuk et al. 2018's deletion metric): point k is the
/// probability with the k best-scored non-special tokens removed, k = 0 … n. A faithful method makes it
/// fall fast, so a smaller area is better.
public struct DeletionCurve: Sendable, Equatable {
    public var probabilities: [Double]
    /// Trapezoid area over the removed fraction k/n in [0, 1] (so in probability units, whatever n);
    /// with no content token the curve is one point and the area its value.
    public var area: Double

    init(probabilities: [Double]) {
        self.probabilities = probabilities
        let n = probabilities.count - 1
        if n < 1 {
            area = probabilities.first ?? 0
        } else {
            var sum = 0.0
            for k in 0..<n { sum += (probabilities[k] + probabilities[k + 1]) / 2 }
            area = sum / Double(n)
        }
    }
}
