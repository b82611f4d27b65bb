"""`explaind-bench corpus`'s workload in PyTorch + Captum: every text of a file explained in batches.

    python3 Scripts/reference/bench_corpus_pytorch.py MODEL_DIR TEXTS.txt --method gradientXInput
                                                      [--batch 16] [--threads 2]

TEXTS.txt holds one text a line (the bench writes its tweet-length texts there). The texts go through
bench_pytorch.py's own method functions (tokenize with padding, predict, explain; integrated gradients with
Captum, 50 steps) --batch at a time, as `explaind corpus --batch` packs them. Prints one JSON object:
{"method", "texts", "seconds" (wall, after the model is loaded), "cpuSeconds", "threads", "batch"}.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_pytorch import Workload  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("texts")
    parser.add_argument("--method", required=True)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]
    workload = Workload(args.model, args.threads)
    explain = getattr(workload, args.method)
    explain(texts[:args.batch])  # warm-up
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(texts), args.batch):
        explain(texts[start:start + args.batch])
    print(json.dumps({"method": args.method, "texts": len(texts), "seconds": time.perf_counter() - started,
                      "cpuSeconds": time.process_time() - cpu, "threads": args.threads, "batch": args.batch}))


if __name__ == "__main__":
    main()
