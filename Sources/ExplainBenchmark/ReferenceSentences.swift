/// The reference workflow's five example sentences (/work/notes/SENTENCES.md, byte-identical), about 15
/// tokens each: the benchmark's workload, as in the fixtures and the default-model test.
public enum ReferenceSentences {
    public static let all = [
        "Atiku and Buhari are campaigning across Nigeria ahead of the presidential election.",
        "INEC has postponed the 2019 general elections by one week.",
        "The APC and PDP traded accusations of vote buying in Lagos.",
        "Voters queued for hours to elect their governor in Kano state.",
        "The sky is green and beautiful",
    ]
}
