/// The REPL's commands with their usage and help text (`:help`, `:help COMMAND`, completion).
public struct CommandHelp: Sendable, Equatable {
    public var name: String
    public var usage: String
    public var summary: String
    public var details: String

    public static let all: [CommandHelp] = [
        .init(name: "method", usage: ":method NAME", summary: "the attribution method for the next lines",
              details: "Without NAME, lists the methods the daemon offers (signed ones shade red–white–blue). Names are case-insensitive; ig, saliency, gxi, sg, occ, shap and lime are aliases."),
        .init(name: "target", usage: ":target LABEL|INDEX|predicted", summary: "the class to explain",
              details: "predicted (the default) explains the class the model picks."),
        .init(name: "foil", usage: ":foil LABEL|INDEX|none", summary: "explain target versus this class (contrastive)",
              details: "Scores then explain why the target rather than the foil."),
        .init(name: "normalize", usage: ":normalize max|l1|l2|none", summary: "how scores are scaled",
              details: "Special tokens ([CLS], [SEP]) stay out of the divisor (:specials on brings them in). Shading is relative to the largest magnitude among the text's tokens; the legend says which score is full colour."),
        .init(name: "output", usage: ":output logit|probability", summary: "explain the target's logit or its probability", details: ""),
        .init(name: "granularity", usage: ":granularity token|word", summary: "score word pieces or whole words",
              details: "word joins the pieces of each word (##ing) and shades the word once."),
        .init(name: "set", usage: ":set OPTION=VALUE", summary: "a method option (steps, baseline, rule, samples, noise, replacement…)",
              details: ":set alone lists the current method's options with defaults; :set OPTION= removes a setting."),
        .init(name: "show", usage: ":show", summary: "the current settings", details: ""),
        .init(name: "tokenize", usage: ":tokenize TEXT", summary: "word pieces with their spans",
              details: "Words split into three or more pieces are highlighted: names the vocabulary does not know."),
        .init(name: "predict", usage: ":predict TEXT", summary: "the class probabilities", details: ""),
        .init(name: "compare", usage: ":compare [METHODS] TEXT", summary: "every method on the same text, with agreement and faithfulness",
              details: "METHODS: names separated by spaces or commas (default: all). Needs a daemon with compareMethods."),
        .init(name: "models", usage: ":models", summary: "the resident models", details: ""),
        .init(name: "load", usage: ":load PATH [ID]", summary: "load a HuggingFace model directory",
              details: "A BERT, DistilBERT, RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA, ALBERT, ModernBERT or DeBERTa-v2/v3 classifier (safetensors, shards or pytorch_model.bin). Then :use ID to explain with it."),
        .init(name: "use", usage: ":use ID", summary: "explain with another resident model", details: ""),
        .init(name: "unload", usage: ":unload ID", summary: "free a resident model", details: "Requests already running keep it until they finish."),
        .init(name: "adapt", usage: ":adapt DATA OUT A,B,C|from=AGGREGATE top=N [heldout=FILE] [train=MODE] [epochs=E] [lr=X] [seed=S] [id=ID] [format=jsonl|csv|tsv] [text-field=F] [label-field=F]",
              summary: "add tokens to the current model, train them, save and load the result",
              details: "DATA (and heldout): JSON Lines, CSV or TSV with a text and a gold label per record, as explaind corpus reads them (format by the extension unless given; fields text and label unless named). MODE: embeddings, head, embeddings+head (default) or top-layers:K. The new model is written to OUT (a new directory, with adapt-report.html) and loaded as ID (OUT's name); :use ID to explain with it. Ctrl-C cancels (nothing is written)."),
        .init(name: "specials", usage: ":specials [on|off]", summary: "whether [CLS]/[SEP] count in the normalisation (off by default)",
              details: "Off: the largest text token is 1 with normalize max, and [CLS] may score above it."),
        .init(name: "bars", usage: ":bars [on|off]", summary: "toggle a per-token bar chart under each explanation", details: ""),
        .init(name: "html", usage: ":html FILE", summary: "write the last result as a self-contained HTML page",
              details: "Tokens shaded with the score on hover, probabilities on top, a bar per token; comparisons get one row per method and the metric tables."),
        .init(name: "json", usage: ":json", summary: "the last raw reply from the daemon, pretty-printed", details: ""),
        .init(name: "help", usage: ":help [COMMAND]", summary: "this list, or one command", details: ""),
        .init(name: "quit", usage: ":quit", summary: "leave (also Ctrl-D, or Ctrl-C twice at an empty prompt)", details: ""),
    ]

    public static var names: [String] { all.map(\.name) }

    /// Exact names, or unambiguous prefixes.
    public static func resolve(_ name: String) throws -> CommandHelp {
        if let exact = all.first(where: { $0.name == name }) { return exact }
        let matches = name.isEmpty ? [] : all.filter { $0.name.hasPrefix(name) }
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 {
            throw REPLError.usage(":\(name) is ambiguous: " + matches.map { ":" + $0.name }.joined(separator: ", "))
        }
        throw REPLError.usage("unknown command :\(name) — :help lists the commands")
    }

    public static func text(for name: String?) throws -> String {
        guard let name else {
            let width = all.map(\.usage.count).max() ?? 0
            var lines = ["A bare line is explained with the current settings. Commands:"]
            for c in all { lines.append("  " + c.usage + String(repeating: " ", count: width - c.usage.count) + "  " + c.summary) }
            lines.append("Tab completes commands, methods, options, labels and paths; Ctrl-R searches the history;")
            lines.append("Ctrl-C cancels a running request or clears the typed line; twice at an empty prompt, or Ctrl-D, leaves.")
            return lines.joined(separator: "\n")
        }
        let c = try resolve(name)
        return c.usage + " — " + c.summary + (c.details.isEmpty ? "" : "\n" + c.details)
    }
}
