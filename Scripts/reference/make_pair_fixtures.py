#!/usr/bin/env python3
"""Text pairs through each kind of post-processor, against HF tokenizers.

    python3 Scripts/reference/make_pair_fixtures.py

Writes Tests/Fixtures/pairs/<name>/tokenizer.json for the post-processors no other fixture ships (BertProcessing,
TemplateProcessing with type ids everywhere, ByteLevel then a template in a Sequence) and Tests/Fixtures/pair-corpus.json:
per tokenizer directory, HF's encoding of text pairs (ids, tokens, offsets, special flags, word ids, type ids,
sequence ids), also truncated to several lengths with HF's default strategy (longest_first).
"""
import json
import os
import sys

import tokenizers
from tokenizers import Tokenizer, processors

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tokenizer_fixtures import corpus, expected  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OUT = os.path.join(FIXTURES, "pairs")

# Directories under Tests/Fixtures and the post-processor each ships.
SHIPPED = [
    "tokenizer",             # BERT: TemplateProcessing [CLS] $A [SEP] $B:1 [SEP]:1
    "bpe/roberta",           # RobertaProcessing (trim_offsets)
    "bpe/gpt2",              # ByteLevel alone: no template, B follows A with type id 1
    "sentencepiece/xlmr",    # TemplateProcessing <s> A </s> </s> B </s>
    "sentencepiece/albert",  # TemplateProcessing [CLS] A [SEP] B [SEP], B of type 1
]


def written():
    """Post-processors put on the RoBERTa BPE fixture's model here."""
    base = os.path.join(FIXTURES, "bpe", "roberta", "tokenizer.json")
    variants = {
        "bert-processing": processors.BertProcessing(("</s>", 2), ("<s>", 0)),
        "template-strings": processors.TemplateProcessing(
            single="<s>:3 $A:2 </s>:3", pair="<s> $A </s> $B:1 </s>:1 <mask>:2",
            special_tokens=[("<s>", 0), ("</s>", 2), ("<mask>", 4)]),
        "sequence": processors.Sequence([processors.ByteLevel(trim_offsets=True),
                                         processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> </s> $B:1 </s>:1",
                                                                       special_tokens=[("<s>", 0), ("</s>", 2)])]),
    }
    names = []
    for name, processor in variants.items():
        tokenizer = Tokenizer.from_file(base)
        tokenizer.post_processor = processor
        directory = os.path.join(OUT, name)
        os.makedirs(directory, exist_ok=True)
        tokenizer.save(os.path.join(directory, "tokenizer.json"))
        names.append(os.path.join("pairs", name))
    # A template that leaves out "pair": HF's serialisation always writes one, so the file is edited.
    return names


def pairs():
    strings = [s for s in corpus() if 0 < len(s) < 120]
    chosen = strings[::11][:24]
    out = [(a, b) for a, b in zip(chosen, reversed(chosen))]
    out += [("", "only the pair"), ("only the text", ""), ("", ""), ("a " * 40, "b"), ("short", "long " * 30)]
    return out


def with_pairs(e):
    record = expected(e)
    record["type_ids"] = e.type_ids
    record["sequences"] = e.sequence_ids
    return record


def main():
    directories = SHIPPED + written()
    cases = pairs()
    results = {}
    for directory in directories:
        path = os.path.join(FIXTURES, directory, "tokenizer.json")
        tokenizer = Tokenizer.from_file(path)
        encodings = [with_pairs(tokenizer.encode(a, b)) for a, b in cases]
        truncated = []
        for max_length in (5, 13, 24):
            tokenizer.enable_truncation(max_length, strategy="longest_first")
            for a, b in cases[:8] + cases[-2:]:
                truncated.append({"text": a, "pair": b, "max_length": max_length, "expected": with_pairs(tokenizer.encode(a, b))})
            tokenizer.no_truncation()
        results[directory] = {"expected": encodings, "truncated": truncated}
    out = {"generator": f"Scripts/reference/make_pair_fixtures.py (tokenizers {tokenizers.__version__})",
           "pairs": [list(p) for p in cases], "tokenizers": results}
    with open(os.path.join(FIXTURES, "pair-corpus.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} pairs, {len(directories)} tokenizers: {directories}")


if __name__ == "__main__":
    main()
