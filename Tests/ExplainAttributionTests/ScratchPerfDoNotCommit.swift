import XCTest
import ExplainAttribution
import ExplainModel

final class ScratchPerf: XCTestCase {
    func testScratchPerf() throws {
        guard let dir = ProcessInfo.processInfo.environment["PERF_MODEL"] else { throw XCTSkip("no PERF_MODEL") }
        let t0 = Date()
        let explainer = Explainer(model: try ClassifierModel.load(directory: URL(fileURLWithPath: dir)))
        print("load", Date().timeIntervalSince(t0))
        let text = "Atiku and Buhari are campaigning across Nigeria ahead of the presidential election."
        for method in (ProcessInfo.processInfo.environment["PERF_METHODS"] ?? "gradientNorm,vanillaGradient,integratedGradients,occlusion").split(separator: ",").map(String.init) {
            var times: [Double] = []
            for _ in 0..<Int(ProcessInfo.processInfo.environment["PERF_N"] ?? "5")! {
                let t = Date()
                _ = try explainer.explain(texts: [text], request: ExplainRequest(method: method))
                times.append(Date().timeIntervalSince(t) * 1000)
            }
            print(method, times.map { String(format: "%.1f", $0) })
        }
    }
}
