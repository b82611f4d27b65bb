#!/usr/bin/env python3
"""Explains every line of a text file with explaind and writes one JSON object per line (JSON Lines).

    python3 explain_lines.py --model path/to/model --method integratedGradients input.txt > out.jsonl

Each output object is the daemon's explanation of that line plus its 1-based line number ("line").
Blank lines are skipped. Lines go to the daemon in batches (`texts`); a progress bar runs on stderr.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from explaind_client import ExplaindClient, ExplaindError  # noqa: E402


def progress_bar(done: int, total: int, started: float, width: int = 30) -> str:
    filled = width * done // max(total, 1)
    rate = done / max(time.monotonic() - started, 1e-9)
    return f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} lines  {rate:.1f} lines/s"


def daemon_command(args: argparse.Namespace) -> list:
    command = [args.daemon]
    if args.model:
        command += ["--model", args.model]
    return command


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="a text file, one text per line ('-' for stdin)")
    parser.add_argument("--daemon", default=os.environ.get("EXPLAIND", "explaind"), help="the explaind executable")
    parser.add_argument("--model", help="model directory (default: the daemon's default model)")
    parser.add_argument("--method", default="vanillaGradient")
    parser.add_argument("--target", help="label to explain (default: the predicted one)")
    parser.add_argument("--option", action="append", default=[], metavar="NAME=VALUE",
                        help="a method option, e.g. steps=100 (repeatable)")
    parser.add_argument("--batch", type=int, default=16, help="lines per request")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)

    options = {}
    for item in args.option:
        name, _, value = item.partition("=")
        try:
            options[name] = json.loads(value)  # numbers and booleans
        except ValueError:
            options[name] = value  # a bare word such as a baseline name

    stream = sys.stdin if args.input == "-" else open(args.input, encoding="utf-8")
    with stream:
        lines = [(n, line.rstrip("\n")) for n, line in enumerate(stream, 1) if line.strip()]

    show_progress = not args.no_progress
    started = time.monotonic()
    try:
        with ExplaindClient(daemon_command(args), client_name="explain_lines", stderr=sys.stderr) as client:
            for at in range(0, len(lines), args.batch):
                batch = lines[at:at + args.batch]
                explanations = client.explain([text for _, text in batch], method=args.method,
                                              target=args.target, options=options or None)
                for (number, _), explanation in zip(batch, explanations):
                    sys.stdout.write(json.dumps(dict(explanation.raw, line=number), ensure_ascii=False) + "\n")
                sys.stdout.flush()
                if show_progress:
                    sys.stderr.write(progress_bar(at + len(batch), len(lines), started))
                    sys.stderr.flush()
    except ExplaindError as e:
        sys.stderr.write(f"\nexplain_lines: {e}\n")
        return 1
    except FileNotFoundError as e:
        sys.stderr.write(f"explain_lines: cannot start explaind: {e}\n")
        return 1
    if show_progress:
        sys.stderr.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
