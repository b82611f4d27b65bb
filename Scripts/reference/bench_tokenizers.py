#!/usr/bin/env python3
"""HuggingFace `tokenizers` (Rust, one thread; CPU seconds, best of 3) timed on the texts explaind-bench's tokenizer benchmark writes.

Usage: bench_tokenizers.py TEXTS.json DIR...   (run by `explaind-bench tokenizers`, which passes its own texts)
TEXTS.json: {"tweets": [...], "long": "..."}. Prints one JSON object: {DIR: {"tweets_s": t, "long_s": t, "tokens": n}}.
"""
import json
import os
import sys
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"

from tokenizers import Tokenizer  # noqa: E402


def best_of(runs, work):
    best = float("inf")
    result = None
    for _ in range(runs):
        start = time.process_time()
        result = work()
        best = min(best, time.process_time() - start)
    return best, result


def main():
    with open(sys.argv[1]) as f:
        texts = json.load(f)
    report = {}
    for directory in sys.argv[2:]:
        path = os.path.join(directory, "tokenizer.json")
        if not os.path.exists(path):
            continue
        tokenizer = Tokenizer.from_file(path)
        tokenizer.encode("warm up")
        tweets_s, count = best_of(3, lambda: sum(len(tokenizer.encode(t).ids) for t in texts["tweets"]))
        long_s, long_count = best_of(3, lambda: len(tokenizer.encode(texts["long"]).ids))
        report[directory] = {"tweets_s": tweets_s, "long_s": long_s, "tokens": count, "long_tokens": long_count}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
