#!/usr/bin/env python3
"""Check the assembled default model (explaind setup) against PyTorch.

    python3 Scripts/reference/check_default_model.py [--model DIR] [--explaind-logits FILE] [--write-fixture]

Loads the directory that `explaind setup` assembled (default $XDG_CACHE_HOME/explaind/political-general-minilm,
else ~/.cache/explaind/...) with transformers' AutoModelForSequenceClassification and AutoTokenizer, and
computes the logits of the five reference sentences, each on its own (float32, eval mode, one thread).

--write-fixture  writes them to Tests/Fixtures/default-model/pytorch-logits.json with the ids and the
                 sha256 of the head they belong to; ExplainTrainingTests.DefaultModelTests compares
                 explaind's logits with that file (so CI needs no torch).
--explaind-logits FILE  compares with the logits explaind computed, as written by DefaultModelTests
                 (default: $TMPDIR/explaind-default-model-logits.json): ids must be equal and the
                 largest logit difference is printed; exit status 1 above 5e-5.
"""

import argparse
import json
import os
import sys
import tempfile

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import FIXTURES, TEXTS, setup_torch  # noqa: E402

SENTENCES = TEXTS[:5]  # the five reference sentences, byte-identical to /work/notes/SENTENCES.md
FIXTURE = os.path.join(FIXTURES, "default-model", "pytorch-logits.json")
TOLERANCE = 5e-5


def default_model_dir():
    cache = os.environ.get("XDG_CACHE_HOME")
    if not cache or not cache.startswith("/"):
        cache = os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "explaind", "political-general-minilm")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=default_model_dir())
    parser.add_argument("--explaind-logits", default=os.path.join(tempfile.gettempdir(), "explaind-default-model-logits.json"))
    parser.add_argument("--write-fixture", action="store_true")
    args = parser.parse_args()

    setup_torch()
    model, info = AutoModelForSequenceClassification.from_pretrained(args.model, dtype=torch.float32, output_loading_info=True)
    model.eval()
    unused = {k: v for k, v in info.items() if v and k != "error_msgs"} | ({"error_msgs": info["error_msgs"]} if info.get("error_msgs") else {})
    if unused:
        print("the checkpoint does not load cleanly:", unused)
        return 1
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    with open(os.path.join(args.model, "assembly.json")) as f:
        head_sha256 = json.load(f)["head_sha256"]

    ids, logits = [], []
    with torch.no_grad():
        for text in SENTENCES:
            encoded = tokenizer(text, return_tensors="pt")
            ids.append(encoded["input_ids"][0].tolist())
            logits.append([float(x) for x in model(**encoded).logits[0].tolist()])
    for text, row in zip(SENTENCES, logits):
        print(f"{labels[max(range(len(row)), key=row.__getitem__)]:>9}  {row[0]:+.6f} {row[1]:+.6f}  {text}")

    if args.write_fixture:
        os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
        with open(FIXTURE, "w") as f:
            json.dump({"model": "political-general-minilm", "head_sha256": head_sha256, "labels": labels,
                       "texts": SENTENCES, "ids": ids, "logits": logits}, f, indent=1, ensure_ascii=False)
            f.write("\n")
        print(f"wrote {FIXTURE}")

    if not os.path.exists(args.explaind_logits):
        print(f"no explaind logits at {args.explaind_logits} (run: swift test --filter DefaultModelTests)")
        return 0
    with open(args.explaind_logits) as f:
        theirs = json.load(f)
    if theirs["texts"] != SENTENCES or theirs["ids"] != ids:
        print("explaind's texts or token ids differ from the tokenizer's:", theirs["ids"], ids)
        return 1
    worst = max(abs(a - b) for mine, other in zip(logits, theirs["logits"]) for a, b in zip(mine, other))
    print(f"largest |PyTorch - explaind| logit difference: {worst:.3g} (tolerance {TOLERANCE:g})")
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
