import ExplainProtocol

/// The facts around an explanation that every view shows beside the scores: what the colours point
/// towards, and the method's own figures (integrated gradients' steps and completeness gap, SmoothGrad's
/// noise).
public enum ExplanationContext {
    /// "political", or "political rather than general" with a foil.
    public static func towards(_ e: Explanation) -> String {
        e.foil.map { "\(e.target) rather than \($0)" } ?? e.target
    }

    /// One line, or nil for methods without such figures.
    public static func methodDetails(_ e: Explanation) -> String? {
        methodDetails(options: e.options, extras: e.extras)
    }

    public static func methodDetails(options: JSONObject, extras: JSONObject) -> String? {
        var parts: [String] = []
        if let steps = extras["steps"]?.intValue {
            let adaptive = options["adaptive"]?.boolValue == true
            var text = "\(steps) steps" + (adaptive ? " (adaptive)" : "")
            if let gap = extras["gap"]?.doubleValue {
                text += ", completeness gap " + ScoreFormat.short(gap)
                if let delta = extras["expectedDelta"]?.doubleValue, delta != 0 {
                    text += " (" + ScoreFormat.short(abs(gap / delta) * 100) + "% of f(x) − f(baseline))"
                }
            }
            if let baseline = options["baseline"]?.stringValue { text += ", baseline " + baseline }
            parts.append(text)
        }
        if let noise = options["noise"]?.doubleValue {
            var text = "noise " + ScoreFormat.short(noise)
            if let samples = options["samples"]?.intValue { text += ", \(samples) samples" }
            parts.append(text)
        }
        return parts.isEmpty ? nil : parts.joined(separator: " · ")
    }
}
