import Foundation

/// The human-readable form of a report: one table per model, PyTorch's figures and the ratios beside ours.
public enum ReportTable {
    public static func render(_ report: BenchmarkReport) -> String {
        var lines: [String] = []
        let machine = report.machine
        lines.append("\(machine.cpu), \(machine.logicalCores) logical cores; load average \(String(format: "%.2f", machine.loadAverageAtStart)) at the start, "
                     + "\(machine.loadAverageAtEnd.map { String(format: "%.2f", $0) } ?? "?") at the end")
        lines.append(String(format: "sgemm peak (2048³, %d threads): %.1f GFLOP/s best, %.1f median; %d repeats after a warm-up",
                            report.sgemmPeak.threads, report.sgemmPeak.bestGFLOPS, report.sgemmPeak.medianGFLOPS, report.repeats))
        for model in report.models {
            let s = model.shape
            lines.append("")
            lines.append("\(model.directory): hidden \(s.hidden), \(s.layers) layers, \(s.heads) heads, intermediate \(s.intermediate), "
                         + "\(s.labels) labels; tokens per sentence \(model.tokensPerSentence.map(String.init).joined(separator: " "))"
                         + String(format: "; load %.3f s", model.loadSeconds))
            lines.append("matrix products: \(model.matrixProducts)")
            if let d = model.daemonOverhead {
                lines.append(String(format: "daemon overhead (request's last byte to reply's last byte, minus the engine's time; %d-token %@, %d requests): "
                                    + "%.3f ms median (quartiles %.3f–%.3f); round trip %.3f ms, engine %.3f ms", d.tokens, d.method, d.requests,
                                    d.overheadSeconds.median * 1e3, d.overheadSeconds.q1 * 1e3, d.overheadSeconds.q3 * 1e3,
                                    d.roundTripSeconds.median * 1e3, d.engineSeconds.median * 1e3))
            }
            let floor = model.gradientPassFloor
            lines.append("one gradient pass per sentence (gradientNorm's work): " + floor.description)
            var header = pad("method", 28) + pad("ms/sentence (min–max)", 24, right: true) + pad("cpu ms", 9, right: true)
                + pad("tok/s", 8, right: true)
                + pad("GFLOP/s", 9, right: true) + pad("peak", 6, right: true) + pad("batch5 ms", 11, right: true)
                + pad("cold s", 8, right: true) + pad("RSS MB", 8, right: true)
            if model.python != nil {
                header += " |" + pad("torch ms", 10, right: true) + pad("×", 7, right: true)
                    + pad("torch cpu", 10, right: true) + pad("cpu ×", 7, right: true) + pad("torch b5", 10, right: true)
                    + pad("×", 7, right: true) + pad("cold ×", 8, right: true) + pad("RSS ×", 7, right: true)
            }
            lines.append(header)
            for w in model.workloads {
                let t = w.single.seconds
                var line = pad(w.name, 28)
                    + pad(String(format: "%.2f (%.2f–%.2f)", t.median * 1e3, t.min * 1e3, t.max * 1e3), 24, right: true)
                    + pad(String(format: "%.2f", w.single.cpuSeconds.median * 1e3), 9, right: true)
                    + pad(String(format: "%.0f", w.single.tokensPerSecond), 8, right: true)
                    + pad(String(format: "%.1f", w.single.gflopsPerSecond), 9, right: true)
                    + pad(String(format: "%.0f%%", w.single.fractionOfSgemmPeak * 100), 6, right: true)
                    + pad(String(format: "%.2f", w.batch.seconds.median * 1e3), 11, right: true)
                    + pad(w.coldStart.map { String(format: "%.3f", $0.wallSeconds) } ?? "–", 8, right: true)
                    + pad(w.coldStart.map { String(format: "%.0f", Double($0.peakRSSBytes) / 1e6) } ?? "–", 8, right: true)
                if let python = model.python {
                    let theirs = w.ratios.flatMap { python.methods[$0.pythonWorkload] }
                    line += " |" + pad(theirs.map { String(format: "%.2f", $0.single.seconds.median * 1e3) } ?? "–", 10, right: true)
                        + pad(ratio(w.ratios?.singleMedian), 7, right: true)
                        + pad(theirs.flatMap { $0.single.cpuSeconds }.map { String(format: "%.2f", $0.median * 1e3) } ?? "–", 10, right: true)
                        + pad(ratio(w.ratios?.singleCPUMedian), 7, right: true)
                        + pad(theirs.map { String(format: "%.2f", $0.batch.seconds.median * 1e3) } ?? "–", 10, right: true)
                        + pad(ratio(w.ratios?.batchMedian), 7, right: true)
                        + pad(ratio(w.ratios?.coldStart), 8, right: true)
                        + pad(ratio(w.ratios?.peakRSS), 7, right: true)
                }
                lines.append(line)
                if let steps = w.stepsPerSentence, let gap = w.largestRelativeGap {
                    lines.append(pad("", 28) + "  steps per sentence \(steps.map(String.init).joined(separator: " ")), "
                                 + String(format: "largest |gap| / |f(x) − f(b)| %.4f", gap))
                }
            }
            if let sweep = model.lengthSweep {
                lines.append("length sweep, \(sweep.method), one text per call: "
                             + sweep.points.map { p in
                                 String(format: "%d tokens %.2f ms, CPU %.2f ms (%.0f GFLOP/s)", p.tokens, p.seconds.median * 1e3,
                                        p.cpuSeconds.median * 1e3, p.gflopsPerSecond)
                                     + (p.pythonSeconds.map { String(format: " vs PyTorch %.2f ms, × %.3f", $0.median * 1e3, p.ratio ?? .nan) } ?? "")
                                     + (p.pythonCPUSeconds.map { String(format: ", CPU %.2f ms, × %.3f", $0.median * 1e3, p.cpuRatio ?? .nan) } ?? "")
                             }.joined(separator: "; "))
            }
            if let python = model.python {
                lines.append("PyTorch \(python.torch), Captum \(python.captum), transformers \(python.transformers), \(python.threads) threads; "
                             + "× = ours / PyTorch's (adaptive integrated gradients against PyTorch's 50 steps)")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func ratio(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "–" }

    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let count = text.count
        guard count < width else { return right ? " " + text : text + " " }
        let space = String(repeating: " ", count: width - count)
        return right ? space + text : text + space
    }
}
