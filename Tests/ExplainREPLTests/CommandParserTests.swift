import XCTest
import ExplainProtocol
@testable import ExplainREPL

final class CommandParserTests: XCTestCase {
    let methods = ["vanillaGradient", "integratedGradients", "occlusion"]

    func parse(_ line: String) throws -> Command? { try CommandParser.parse(line, methodNames: methods) }

    func usageMessage(_ line: String, file: StaticString = #filePath, line l: UInt = #line) -> String {
        do { _ = try parse(line); XCTFail("\(line) should fail", file: file, line: l); return "" }
        catch let REPLError.usage(message) { return message }
        catch { XCTFail("\(error)", file: file, line: l); return "" }
    }

    func testBareLinesAreTexts() throws {
        XCTAssertEqual(try parse("  The senate voted.  "), .explain("The senate voted."))
        XCTAssertNil(try parse("   "))
    }

    func testOutputUnloadSpecialsAndMethodAliases() throws {
        XCTAssertEqual(try parse(":output probability"), .output("probability"))
        XCTAssertEqual(try parse(":output"), .output(nil))
        XCTAssertEqual(try parse(":unload distil"), .unload("distil"))
        XCTAssertEqual(try parse(":specials on"), .specials(true))
        let server = try Samples.server()
        XCTAssertEqual(server.resolveMethod("IG"), "integratedGradients")
        XCTAssertEqual(server.resolveMethod("integratedgradients"), "integratedGradients")
        XCTAssertEqual(server.resolveMethod("Occlusion"), "occlusion")
        XCTAssertEqual(server.resolveMethod("saliency"), "vanillaGradient")
        XCTAssertEqual(server.resolveMethod("sg"), "smoothGrad")
        XCTAssertNil(server.resolveMethod("shap"), "no SHAP method in this daemon: the alias resolves to nothing")
        XCTAssertNil(server.resolveMethod("nosuch"))
        XCTAssertEqual(try CommandParser.parse(":compare ig,OCCLUSION Vote now", resolveMethod: server.resolveMethod),
                       .compare(methods: ["integratedGradients", "occlusion"], text: "Vote now"))
    }

    func testDoubleColonEscapesATextAndTextsOnlyTakesEveryLine() throws {
        XCTAssertEqual(try parse("::) great day"), .explain(":) great day"))
        XCTAssertEqual(try parse(":::"), .explain("::"))
        XCTAssertEqual(try CommandParser.parse(":method occlusion", textsOnly: true), .explain(":method occlusion"))
        XCTAssertEqual(try CommandParser.parse(":) great day", textsOnly: true), .explain(":) great day"))
        XCTAssertNil(try CommandParser.parse("  ", textsOnly: true))
    }

    func testCommands() throws {
        XCTAssertEqual(try parse(":method occlusion"), .method("occlusion"))
        XCTAssertEqual(try parse(":method"), .method(nil))
        XCTAssertEqual(try parse(":target 1"), .target("1"))
        XCTAssertEqual(try parse(":target political"), .target("political"))
        XCTAssertEqual(try parse(":foil none"), .foil("none"))
        XCTAssertEqual(try parse(":normalize l1"), .normalize("l1"))
        XCTAssertEqual(try parse(":granularity word"), .granularity("word"))
        XCTAssertEqual(try parse(":set steps=64"), .set(name: "steps", value: "64"))
        XCTAssertEqual(try parse(":set baseline = mask"), .set(name: "baseline", value: "mask"))
        XCTAssertEqual(try parse(":set steps="), .set(name: "steps", value: nil))
        XCTAssertEqual(try parse(":set"), .listOptions)
        XCTAssertEqual(try parse(":show"), .show)
        XCTAssertEqual(try parse(":tokenize Hello  world"), .tokenize("Hello  world"))
        XCTAssertEqual(try parse(":predict It rained."), .predict("It rained."))
        XCTAssertEqual(try parse(":models"), .models)
        XCTAssertEqual(try parse(":load /m/x"), .load(path: "/m/x", id: nil))
        XCTAssertEqual(try parse(":load /m/x tiny"), .load(path: "/m/x", id: "tiny"))
        XCTAssertEqual(try parse(":use tiny"), .use("tiny"))
        XCTAssertEqual(try parse(":adapt d.jsonl /m/out Atiku,INEC train=head epochs=2"),
                       .adapt(data: "d.jsonl", out: "/m/out", tokens: ["Atiku", "INEC"], options: ["train": "head", "epochs": "2"]))
        XCTAssertEqual(try parse(":adapt d.csv out from=agg.json top=5"), .adapt(data: "d.csv", out: "out", tokens: nil, options: ["from": "agg.json", "top": "5"]))
        XCTAssertThrowsError(try parse(":adapt d.jsonl out")) { XCTAssertTrue("\($0)".contains(":adapt needs DATA OUT and the tokens")) }
        XCTAssertEqual(try parse(":bars"), .bars(nil))
        XCTAssertEqual(try parse(":bars off"), .bars(false))
        XCTAssertEqual(try parse(":html /tmp/x.html"), .html("/tmp/x.html"))
        XCTAssertEqual(try parse(":json"), .json)
        XCTAssertEqual(try parse(":help"), .help(nil))
        XCTAssertEqual(try parse(":help :set"), .help("set"))
        XCTAssertEqual(try parse(":quit"), .quit)
    }

    func testUnambiguousPrefixes() throws {
        XCTAssertEqual(try parse(":q"), .quit)
        XCTAssertEqual(try parse(":tok a b"), .tokenize("a b"))
        XCTAssertTrue(usageMessage(":m x").contains("ambiguous: :method, :models"))
    }

    func testCompareSplitsLeadingMethodNames() throws {
        XCTAssertEqual(try parse(":compare The vote"), .compare(methods: [], text: "The vote"))
        XCTAssertEqual(try parse(":compare occlusion vanillaGradient The vote"),
                       .compare(methods: ["occlusion", "vanillaGradient"], text: "The vote"))
        XCTAssertEqual(try parse(":compare occlusion,integratedGradients The vote"),
                       .compare(methods: ["occlusion", "integratedGradients"], text: "The vote"))
        XCTAssertTrue(usageMessage(":compare occlusion").contains("needs a text after the methods"))
    }

    func testBadInputGetsAOneLineMessageWithAHint() {
        XCTAssertEqual(usageMessage(":frobnicate"), "unknown command :frobnicate — :help lists the commands")
        XCTAssertTrue(usageMessage(":set steps").contains("e.g. :set steps=64"))
        XCTAssertTrue(usageMessage(":tokenize").contains("usage: :tokenize TEXT"))
        XCTAssertTrue(usageMessage(":method a b").contains("usage: :method NAME"))
        XCTAssertTrue(usageMessage(":bars maybe").contains("on, off"))
        XCTAssertTrue(usageMessage(":json now").contains("takes no argument"))
        for message in [usageMessage(":frobnicate"), usageMessage(":set =3"), usageMessage(":load a b c")] {
            XCTAssertFalse(message.contains("\n"), message)
        }
    }

    func testHelp() throws {
        let all = try CommandHelp.text(for: nil)
        for name in CommandHelp.names { XCTAssertTrue(all.contains(":" + name), name) }
        XCTAssertTrue(try CommandHelp.text(for: "compare").hasPrefix(":compare [METHODS] TEXT"))
    }

    func testOptionValues() {
        XCTAssertEqual(Settings.optionValue("64"), .integer(64))
        XCTAssertEqual(Settings.optionValue("0.25"), .number(0.25))
        XCTAssertEqual(Settings.optionValue("true"), .bool(true))
        XCTAssertEqual(Settings.optionValue("mask"), .string("mask"))
        XCTAssertEqual(Settings.classSelector("2"), .index(2))
        XCTAssertEqual(Settings.classSelector("political"), .label("political"))
    }

    func testExplainParamsCarryOnlyTheMethodsOptions() throws {
        let server = try Samples.server()
        var s = Settings()
        s.method = "integratedGradients"
        s.options = ["steps": .integer(400), "samples": .integer(8)]
        s.target = "1"
        s.model = "two"
        let p = s.explainParams(texts: ["hi"], server: server, progressToken: "t1").json
        XCTAssertEqual(p, ["text": "hi", "method": "integratedGradients", "options": ["steps": 400], "target": 1,
                           "model": "two", "workDoneToken": "t1"])
        s.method = "smoothGrad"
        XCTAssertEqual(s.explainParams(texts: ["a", "b"], server: server, progressToken: nil).json["options"], ["samples": 8])
        XCTAssertEqual(s.explainParams(texts: ["a", "b"], server: server, progressToken: nil).json["texts"], ["a", "b"])
    }

    func testCommandLine() throws {
        let o = try CommandLineOptions.parse(["--model", "/m", "--method=occlusion", "--json", "--set", "steps=5", "hello", "--", "--x"])
        XCTAssertEqual(o.model, "/m")
        XCTAssertEqual(o.method, "occlusion")
        XCTAssertTrue(o.json)
        XCTAssertEqual(o.texts, ["hello", "--x"])
        XCTAssertEqual(o.commands, [.method("occlusion"), .set(name: "steps", value: "5")])
        XCTAssertEqual(o.serverArguments(executableDirectory: "/bin", fileExists: { _ in true }), ["/bin/explaind", "--model", "/m"])
        var custom = o
        custom.serverCommand = "explaind --threads 1"
        XCTAssertEqual(custom.serverArguments(executableDirectory: "/bin", fileExists: { _ in true }),
                       ["/bin/sh", "-c", "exec explaind --threads 1 \"$@\"", "explaind", "--model", "/m"])
        XCTAssertThrowsError(try CommandLineOptions.parse(["--bogus"]))
        XCTAssertThrowsError(try CommandLineOptions.parse(["--model"]))
    }
}
