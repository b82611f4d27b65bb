import ExplainProtocol
@testable import ExplainREPL

/// Replies shaped as explaind sends them (utf-32 offsets), for the view tests.
enum Samples {
    /// "Vote unbelievably!" with the word split into three pieces; scores chosen to hit the scale's ends.
    static let explainJSON = """
    {"text":"Vote unbelievably!","method":"integratedGradients","options":{"steps":32},
     "target":{"index":0,"label":"political"},"foil":null,
     "prediction":{"label":"political","index":0,"probabilities":[0.75,0.2,0.05],"logits":[1,0,-1],"truncated":false},
     "output":"probability","normalize":"max","granularity":"token",
     "tokens":[{"id":101,"text":"[CLS]","start":null,"end":null,"special":true,"word":null,"score":0.05},
               {"id":7,"text":"vote","start":0,"end":4,"special":false,"word":0,"score":1.0},
               {"id":8,"text":"un","start":5,"end":7,"special":false,"word":1,"score":-0.5},
               {"id":9,"text":"##believ","start":7,"end":13,"special":false,"word":1,"score":0.0},
               {"id":10,"text":"##ably","start":13,"end":17,"special":false,"word":1,"score":0.25},
               {"id":11,"text":"!","start":17,"end":18,"special":false,"word":2,"score":-1.0},
               {"id":102,"text":"[SEP]","start":null,"end":null,"special":true,"word":null,"score":0.0}],
     "words":[{"text":"Vote","start":0,"end":4,"tokens":[1]},{"text":"unbelievably","start":5,"end":17,"tokens":[2,3,4]},
              {"text":"!","start":17,"end":18,"tokens":[5]}],
     "truncated":false,"extras":{},"elapsedMs":12.5}
    """

    static let wordJSON = """
    {"text":"Vote unbelievably!","method":"gradientNorm","options":{},
     "target":{"index":1,"label":"general"},"foil":null,
     "prediction":{"label":"political","index":0,"probabilities":[0.75,0.2,0.05],"logits":[1,0,-1],"truncated":false},
     "output":"probability","normalize":"max","granularity":"word",
     "tokens":[{"id":7,"text":"vote","start":0,"end":4,"special":false,"word":0,"score":0.5},
               {"id":8,"text":"un","start":5,"end":7,"special":false,"word":1,"score":0.5},
               {"id":9,"text":"##believ","start":7,"end":13,"special":false,"word":1,"score":0.2},
               {"id":10,"text":"##ably","start":13,"end":17,"special":false,"word":1,"score":0.3},
               {"id":11,"text":"!","start":17,"end":18,"special":false,"word":2,"score":0.1}],
     "words":[{"text":"Vote","start":0,"end":4,"tokens":[0],"score":0.5},
              {"text":"unbelievably","start":5,"end":17,"tokens":[1,2,3],"score":1.0},
              {"text":"!","start":17,"end":18,"tokens":[4],"score":0.1}],
     "truncated":true,"extras":{},"elapsedMs":3}
    """

    static let labels = ["political", "general", "other"]

    /// compareMethods as explaind sends it: agreement pairs and a faithfulness list.
    static let compareJSON = """
    {"text":"Vote now","tokens":[{"id":101,"text":"[CLS]","start":null,"end":null,"special":true,"word":null},
        {"id":7,"text":"vote","start":0,"end":4,"special":false,"word":0},{"id":8,"text":"now","start":5,"end":8,"special":false,"word":1},
        {"id":102,"text":"[SEP]","start":null,"end":null,"special":true,"word":null}],
     "words":[{"text":"Vote","start":0,"end":4,"tokens":[1]},{"text":"now","start":5,"end":8,"tokens":[2]}],"truncated":false,
     "prediction":{"label":"political","index":0,"probabilities":[0.6,0.3,0.1],"logits":[1,0.3,-0.8],"truncated":false},
     "target":{"index":0,"label":"political"},"foil":null,"output":"logit","normalize":"max","granularity":"token",
     "methods":[{"method":"vanillaGradient","signed":true,"scores":[0,0.9,-0.2,0],"elapsedMs":2},
                {"method":"occlusion","signed":true,"scores":[0,0.4,0.1,0],"elapsedMs":5},
                {"method":"integratedGradients","signed":true,"scores":[0,-0.3,1,0],"elapsedMs":9}],
     "probability":0.6,"topK":1,"settings":{},"perturbedInputs":12,"batches":1,"elapsedMs":20,
     "agreement":[{"a":"vanillaGradient","b":"occlusion","spearman":-0.5,"kendall":-0.3},
                  {"a":"vanillaGradient","b":"integratedGradients","spearman":0.8,"kendall":0.6},
                  {"a":"occlusion","b":"integratedGradients","spearman":0.2,"kendall":0.1}],
     "faithfulness":[{"method":"vanillaGradient","comprehensiveness":0.31,"sufficiency":0.02,"taucorr_loo":0.5,"deletionArea":0.4,"deletionCurve":[0.6,0.4,0.2]},
                     {"method":"occlusion","comprehensiveness":0.35,"sufficiency":0.01,"taucorr_loo":1.0,"deletionArea":0.3,"deletionCurve":[0.6,0.2,0.1]},
                     {"method":"integratedGradients","comprehensiveness":-0.1,"sufficiency":0.2,"taucorr_loo":-0.5,"deletionArea":0.55,"deletionCurve":[0.6,0.7,0.5]}],
     "ranking":[{"method":"occlusion","rank":1,"score":0.34},{"method":"vanillaGradient","rank":2,"score":0.29},
                {"method":"integratedGradients","rank":3,"score":-0.3}],
     "summary":"occlusion is the most faithful here"}
    """

    static func explanation(_ json: String = explainJSON) throws -> Explanation {
        Explanation(try ExplanationInfo(json: try JSONParser.parse(json), at: ""))
    }

    static let initializeJSON = """
    {"serverInfo":{"name":"explaind","version":"0.1.0"},"positionEncoding":"utf-32",
     "capabilities":{"methods":["initialize","explain","tokenize","predict"],
       "limits":{"maxFrameBytes":8388608,"maxTextBytes":262144,"maxTexts":64,"maxBatchRequests":128,"maxSteps":1024,
                 "maxSamples":1000,"queueBound":64,"maxQueuedBytes":268435456,"maxQueuedWork":67108864,"maxWork":16777216,
                 "maxThresholds":100},
       "attributionMethods":[
         {"name":"vanillaGradient","signed":true,"summary":"","options":[]},
         {"name":"gradientNorm","signed":false,"summary":"","options":[]},
         {"name":"integratedGradients","signed":true,"summary":"IG","options":[
            {"name":"steps","kind":"integer","default":50,"minimum":1,"summary":"path steps"},
            {"name":"baseline","kind":"string","default":"pad","choices":["pad","mask","zero","unk"],"summary":""},
            {"name":"rule","kind":"string","default":"gausslegendre","choices":["left","right","middle","trapezoid","gausslegendre"],"summary":""}]},
         {"name":"smoothGrad","signed":true,"summary":"","options":[
            {"name":"samples","kind":"integer","default":20,"summary":""},{"name":"noise","kind":"number","default":0.1,"summary":""}]},
         {"name":"occlusion","signed":true,"summary":"","options":[
            {"name":"replacement","kind":"string","default":"mask","choices":["mask","pad","unk","delete"],"summary":""}]}],
       "normalizations":["max","l1","l2","none"],"granularities":["token","word"],"outputs":["probability","logit"]},
     "models":[{"id":"tiny","path":"/m/tiny","architecture":"distilbert","labels":["political","general","other"],"maxTokens":512,
                "default":true,"hiddenSize":16,"layers":2,"vocabularySize":30522},
               {"id":"two","path":"/m/two","architecture":"bert","labels":["neg","pos"],"maxTokens":128,"default":false,
                "hiddenSize":16,"layers":2,"vocabularySize":30522}]}
    """

    static func server() throws -> ServerDescription {
        ServerDescription(try InitializeResult(json: try JSONParser.parse(initializeJSON), at: ""))
    }

    static func comparison() throws -> Comparison {
        Comparison(try CompareMethodsResult(json: try JSONParser.parse(compareJSON), at: ""))
    }
}
