import XCTest
import ExplainProtocol
@testable import ExplainREPL

final class CompletionTests: XCTestCase {
    func complete(_ before: String, _ word: String, settings: Settings = Settings()) throws -> CompletionResult {
        Completion.complete(before: before, word: word, server: try Samples.server(), settings: settings)
    }

    func words(_ r: CompletionResult) -> [String] {
        if case .words(let w) = r.kind { return w }
        return []
    }

    func testCommands() throws {
        XCTAssertEqual(words(try complete("", ":to")), [":tokenize"])
        XCTAssertEqual(words(try complete("", ":m")), [":method", ":models"])
        XCTAssertEqual(try complete("", "The").kind, .nothing)  // plain text is not completed
        XCTAssertEqual(try complete("The senate ", "vo").kind, .nothing)
    }

    func testMethodsOptionsLabels() throws {
        XCTAssertEqual(words(try complete(":method ", "in")), ["integratedGradients"])
        XCTAssertEqual(words(try complete(":method ", "")).count, 5)
        XCTAssertEqual(words(try complete(":compare occlusion ", "van")), ["vanillaGradient"])
        XCTAssertEqual(try complete(":compare The ", "van").kind, .nothing)
        XCTAssertEqual(words(try complete(":target ", "")), ["political", "general", "other", "predicted"])
        XCTAssertEqual(words(try complete(":foil ", "o")), ["other"])
        var two = Settings(); two.model = "two"
        XCTAssertEqual(words(try complete(":target ", "p", settings: two)), ["pos", "predicted"])
        XCTAssertEqual(words(try complete(":normalize ", "l")), ["l1", "l2"])
        XCTAssertEqual(words(try complete(":granularity ", "")), ["token", "word"])
        XCTAssertEqual(words(try complete(":use ", "")), ["tiny", "two"])
        XCTAssertEqual(words(try complete(":help ", "gr")), ["granularity"])
    }

    func testSetCompletesOptionNamesThenValues() throws {
        var ig = Settings(); ig.method = "integratedGradients"
        let names = try complete(":set ", "", settings: ig)
        XCTAssertEqual(Array(words(names).prefix(3)), ["steps", "baseline", "rule"])  // the current method's first
        XCTAssertEqual(names.append, "=")
        XCTAssertEqual(words(try complete(":set ", "sa")), ["samples"])
        // '=' separates words in libedit, so the value's word starts after it
        XCTAssertEqual(words(try complete(":set baseline=", "m")), ["mask"])
        XCTAssertEqual(words(try complete(":set replacement=", "")), ["mask", "pad", "unk", "delete"])
    }

    func testPathsAfterLoadAndHTML() throws {
        let fixtures = Built.packageRoot.appendingPathComponent("Tests/Fixtures/models").path
        let models = try complete(":load ", fixtures + "/distil")
        XCTAssertEqual(words(models), [fixtures + "/distilbert-3labels-bf16/"])
        XCTAssertNil(models.append, "a unique directory takes no space, so Tab can go on into it")
        XCTAssertEqual(words(try complete(":load ", fixtures + "/distilbert-3labels-bf16/con")),
                       [fixtures + "/distilbert-3labels-bf16/config.json"])
        XCTAssertEqual(try complete(":load ", fixtures + "/distilbert-3labels-bf16/con").append, " ")
        XCTAssertEqual(words(try complete(":html ", fixtures + "/bert-")).count, 3)
        XCTAssertEqual(Completion.files("~/q", home: fixtures).kind, .words([]))
        XCTAssertEqual(words(Completion.files("~/bert-l", home: fixtures)), ["~/bert-largest/"])
        XCTAssertEqual(try complete(":load /m ", "x").kind, .nothing)
    }

    /// A daemon that offers the five newer methods: `:method`, `:compare` and completion know them, and the
    /// aliases people use (shap, lime, rollout, sig) switch on.
    func testTheNewerMethodsWhenTheDaemonOffersThem() throws {
        let newer = ["lime", "kernelShap", "attentionRollout", "attentionGradient", "sequentialIntegratedGradients"]
        let entries = newer.map { #"{"name":"\#($0)","signed":true,"summary":"","options":[]},"# }.joined()
        let json = Samples.initializeJSON.replacingOccurrences(of: #""attributionMethods":["#, with: #""attributionMethods":["# + entries)
        let server = ServerDescription(try InitializeResult(json: try JSONParser.parse(json), at: ""))
        let complete = { (before: String, word: String) in Completion.complete(before: before, word: word, server: server, settings: Settings()) }
        XCTAssertEqual(words(complete(":method ", "")).count, 10)
        XCTAssertEqual(words(complete(":method ", "att")), ["attentionRollout", "attentionGradient"])
        XCTAssertEqual(words(complete(":compare occlusion,lime ", "ker")), ["kernelShap"])
        XCTAssertEqual(words(complete(":method ", "seq")), ["sequentialIntegratedGradients"])
        XCTAssertEqual(server.resolveMethod("shap"), "kernelShap")
        XCTAssertEqual(server.resolveMethod("LIME"), "lime")
        XCTAssertEqual(server.resolveMethod("rollout"), "attentionRollout")
        XCTAssertEqual(server.resolveMethod("sig"), "sequentialIntegratedGradients")
        XCTAssertEqual(try CommandParser.parse(":compare shap,lime,rollout The vote", resolveMethod: server.resolveMethod),
                       .compare(methods: ["kernelShap", "lime", "attentionRollout"], text: "The vote"))
    }
}
