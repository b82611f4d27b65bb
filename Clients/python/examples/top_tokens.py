#!/usr/bin/env python3
"""Which tokens most often carry the prediction across a file?

    python3 examples/top_tokens.py --model path/to/model texts.txt

Explains every line (for its predicted label), takes the line's highest-scoring token, and counts, per
predicted label, how often each token is that top token. Prints a small table per label, or JSON with --json.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from explaind_client import ExplaindClient  # noqa: E402


def top_token_counts(client: ExplaindClient, texts, method: str, batch: int = 16):
    """{label: Counter(token text -> lines where it scored highest)}, and the number of lines per label."""
    counts, lines = defaultdict(Counter), Counter()
    for at in range(0, len(texts), batch):
        for explanation in client.explain(texts[at:at + batch], method=method):
            label = explanation.prediction.label
            lines[label] += 1
            top = explanation.top_tokens(1)
            if top:
                counts[label][top[0].text] += 1
    return counts, lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input")
    parser.add_argument("--daemon", default=os.environ.get("EXPLAIND", "explaind"))
    parser.add_argument("--model")
    parser.add_argument("--method", default="vanillaGradient")
    parser.add_argument("--top", type=int, default=10, help="tokens shown per label")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    with open(args.input, encoding="utf-8") as f:
        texts = [line.strip() for line in f if line.strip()]
    command = [args.daemon] + (["--model", args.model] if args.model else [])
    with ExplaindClient(command, client_name="top_tokens") as client:
        counts, lines = top_token_counts(client, texts, args.method)

    if args.json:
        print(json.dumps({label: {"lines": lines[label], "top": counts[label].most_common(args.top)}
                          for label in sorted(lines)}, ensure_ascii=False))
        return 0
    for label in sorted(lines):
        print(f"{label} ({lines[label]} lines): the token that carries the prediction")
        for token, n in counts[label].most_common(args.top):
            print(f"  {token:<16} {n:4d}  {100 * n / lines[label]:5.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
