// swift-tools-version:6.0
import PackageDescription

// The layers' element-wise kernels (SIMD8 exp, softmax, GELU, layer norm) run 20–50× slower unoptimised:
// in a debug build the test suite's parity runs spent three quarters of their time in exp alone. The model
// is optimised in every configuration; the rest of a debug build stays debuggable.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "explaind",
    products: [
        .executable(name: "explaind", targets: ["explaind"]),
        .executable(name: "explain", targets: ["explain"]),
        .executable(name: "explaind-bench", targets: ["explaind-bench"]),
        .library(name: "ExplainAttribution", targets: ["ExplainAttribution"]),
    ],
    targets: [
        // C libraries: a module map and a shim header each; Swift wrappers hide them from the rest.
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // oneDNN's C API (Debian ships no pkg-config file for it): packed-weight products for the layers.
        .systemLibrary(name: "CDNNL", providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(name: "CEditLine", pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),

        // strict JSON: parser (byte offsets, depth limit, byte-exact keys), serializer, values and field reader
        .target(name: "ExplainJSON"),
        // text -> tokens with offsets (HuggingFace tokenizers' pipeline: WordPiece, BPE, Unigram, exactly)
        .target(name: "ExplainTokenizer", dependencies: ["ExplainJSON"]),
        // HuggingFace directories (safetensors, pytorch_model.bin, shards) -> forward and input-gradient passes
        .target(name: "ExplainModel", dependencies: ["CBLAS", "CDNNL", "ExplainJSON", "ExplainTokenizer"],
                swiftSettings: optimisedInDebug),
        // input files as records (JSON Lines, CSV/TSV, plain text), bad ones by line: what corpus explains and adapt trains on
        .target(name: "ExplainRecords", dependencies: ["ExplainJSON"]),
        // attribution methods over the model
        .target(name: "ExplainAttribution", dependencies: ["ExplainModel", "ExplainTokenizer"]),
        // the head trainer for the default model, and adapt (added tokens, trained, saved as a HuggingFace directory)
        .target(name: "ExplainTraining", dependencies: ["ExplainJSON", "ExplainRecords", "ExplainModel", "ExplainTokenizer", "ExplainAttribution", "CBLAS"]),
        // JSON-RPC message types and JSON values, apart from any transport
        .target(name: "ExplainProtocol", dependencies: ["ExplainJSON"]),
        // framing both ways (LSP Content-Length and newline-delimited), for the daemon, the REPL and the tests
        .target(name: "ExplainTransport"),
        // dispatch and handlers of the daemon
        .target(name: "ExplainServer", dependencies: ["ExplainProtocol", "ExplainTransport", "ExplainAttribution", "ExplainModel", "ExplainTokenizer", "ExplainTraining"]),
        // timings, FLOP counts and cold starts of the attribution methods, and the PyTorch comparison
        .target(name: "ExplainBenchmark", dependencies: ["ExplainAttribution", "ExplainJSON", "ExplainModel", "ExplainTokenizer",
                                                    "ExplainTransport", "CBLAS"],
                exclude: ["README.md"]),

        // `explaind corpus`: a whole dataset through the daemon's explain, in process; the aggregate and merge
        .target(name: "ExplainCorpus", dependencies: ["ExplainServer", "ExplainProtocol", "ExplainJSON", "ExplainRecords", "ExplainAttribution", "ExplainModel", "ExplainREPL"]),

        .executableTarget(name: "explaind", dependencies: ["ExplainServer", "ExplainTraining", "ExplainCorpus"]),
        // the REPL's testable parts: daemon connection, commands, completion, colour scales, terminal and HTML views
        .target(name: "ExplainREPL", dependencies: ["ExplainProtocol", "ExplainTransport"]),
        .executableTarget(name: "explain", dependencies: ["ExplainREPL", "ExplainProtocol", "CEditLine"]),
        .executableTarget(name: "explaind-bench", dependencies: ["ExplainBenchmark", "ExplainJSON"]),

        // what several test targets share: scratch directories, the built executables, a child process behind pipes, JSON files
        .target(name: "ExplainTestSupport", dependencies: ["ExplainJSON"], path: "Tests/ExplainTestSupport"),
        .testTarget(name: "ExplainJSONTests", dependencies: ["ExplainJSON"]),
        .testTarget(name: "ExplainTransportTests", dependencies: ["ExplainTransport"]),
        .testTarget(name: "ExplainRecordsTests", dependencies: ["ExplainRecords", "ExplainJSON", "ExplainTestSupport"]),
        .testTarget(name: "ExplainTokenizerTests", dependencies: ["ExplainTokenizer", "ExplainJSON", "ExplainTestSupport"]),
        .testTarget(name: "ExplainModelTests", dependencies: ["ExplainModel", "ExplainJSON", "ExplainTestSupport"]),
        .testTarget(name: "ExplainAttributionTests", dependencies: ["ExplainAttribution", "ExplainModel", "ExplainJSON", "ExplainTestSupport"]),
        .testTarget(name: "ExplainProtocolTests", dependencies: ["ExplainProtocol", "ExplainServer"]),
        .testTarget(name: "ExplainServerTests", dependencies: ["ExplainProtocol", "ExplainServer", "ExplainModel", "ExplainTransport",
                                                     "ExplainTestSupport"]),
        .testTarget(name: "ExplainTrainingTests", dependencies: ["ExplainTraining", "ExplainRecords", "ExplainModel", "ExplainTokenizer",
                                                       "ExplainAttribution", "ExplainJSON", "ExplainTestSupport"]),
        .testTarget(name: "ExplainBenchmarkTests", dependencies: ["ExplainBenchmark", "ExplainJSON", "ExplainModel"]),
        .testTarget(name: "ExplainREPLTests", dependencies: ["ExplainREPL", "ExplainProtocol", "ExplainTestSupport"]),
        .testTarget(name: "ExplainCorpusTests", dependencies: ["ExplainCorpus", "ExplainRecords", "ExplainServer", "ExplainProtocol", "ExplainJSON",
                                                     "ExplainTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
