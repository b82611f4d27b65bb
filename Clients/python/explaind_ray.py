#!/usr/bin/env python3
"""`explaind corpus` on a Ray cluster: the same input formats, the same JSON Lines records, the same aggregate.

    python3 explaind_ray.py --in tweets.jsonl --out explained.jsonl --aggregate classes.json \\
        --model /models/political --method integratedGradients --set steps=32 --actors 8 --address auto

The driver reads the input (JSON Lines, CSV/TSV with a header row, or plain text, as `explaind corpus` does),
reports bad records by line and cuts the good ones into batches of `--batch` texts, in input order. A Ray Data
pipeline hands the batches to a pool of actors, each holding one resident `explaind` that answers `explain`
with `texts` (one batched pass per batch, exactly as `explaind corpus` runs it, so the numbers are the same
bit for bit). Every actor also aggregates what it explained (`explaind corpus aggregate`), and the driver
merges those per-shard aggregates exactly (`explaind corpus merge`): sums and counts, in any order.

On a real cluster: start Ray on every node (`ray start --head` on one, `ray start --address HEAD:6379` on the
others), install explaind and the model at the same paths on every node (or pass --explaind and --model paths
that exist everywhere), and run this script on the head node with `--address auto` and `--actors` up to the
cluster's CPUs divided by `--threads`. Only this directory (the client and this script) is shipped to the
workers; input and output stay on the driver. A cluster with token authentication needs its token on the
driver's machine as Ray describes (RAY_AUTH_MODE=token and ~/.ray/auth_token or RAY_AUTH_TOKEN).

Without --address the job starts a Ray node on this machine for its own use (LocalCluster: `--actors` ×
`--threads` CPUs) and stops it at the end.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Any, Dict, Iterator, List, Optional, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from explaind_client import ExplaindClient, ExplaindError  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
INVALID_PARAMS = -32602

# ----- JSON written as explaind's serializer writes it (compact, keys sorted by UTF-8 bytes, floats in the
# shortest form that reads back), so records and aggregates compare byte for byte with `explaind corpus` -----


def dumps(value: Any) -> str:
    out: List[str] = []
    _write(value, out)
    return "".join(out)


def _write(value: Any, out: List[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True or value is False:
        out.append("true" if value else "false")
    elif isinstance(value, int):
        out.append(str(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            out.append("null")
        elif abs(value) < 1e15 and value == int(value):
            out.append(str(int(value)))
        else:
            out.append(repr(value))
    elif isinstance(value, str):
        _string(value, out)
    elif isinstance(value, (list, tuple)):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _write(item, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, key in enumerate(sorted(value, key=lambda k: k.encode("utf-8"))):
            if i:
                out.append(",")
            _string(key, out)
            out.append(":")
            _write(value[key], out)
        out.append("}")
    else:
        raise TypeError(f"not JSON: {type(value).__name__}")


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _string(s: str, out: List[str]) -> None:
    out.append('"')
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')


# ----- input: the formats and bad-record rules of `explaind corpus` -----

class Record:
    __slots__ = ("line", "id", "text", "gold")

    def __init__(self, line: int, id: Any, text: str, gold: Optional[str]):
        self.line, self.id, self.text, self.gold = line, id, text, gold


def guess_format(path: str) -> str:
    name = path.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    return "text"


def _lines(data: str) -> Iterator[Tuple[int, str]]:
    for number, line in enumerate(data.split("\n"), start=1):
        line = line[:-1] if line.endswith("\r") else line
        if line.strip(" \t"):
            yield number, line


def _record(line: int, id: Any, text: str, gold: Optional[str]):
    if not text.strip():
        return (line, "empty text")
    return Record(line, id, text, gold)


def read_records(path: str, fmt: str, text_field: str, id_field: str, label_field: str) -> List[Any]:
    """Records and bad records ((line, reason) tuples) in input order."""
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        data = f.read()
    items: List[Any] = []
    if fmt == "text":
        return [_record(n, n, line, None) for n, line in _lines(data)]
    if fmt == "jsonl":
        for n, line in _lines(data):
            try:
                value = json.loads(line)
            except ValueError as e:
                items.append((n, f"invalid JSON: {e}"))
                continue
            if not isinstance(value, dict):
                items.append((n, f"expected a JSON object, got {_type(value)}"))
                continue
            if text_field not in value:
                items.append((n, f'no "{text_field}" field'))
                continue
            text = value[text_field]
            if not isinstance(text, str):
                items.append((n, f'"{text_field}" is {_type(text)}, not a string'))
                continue
            id = value.get(id_field)
            if id is None:
                id = n
            elif not isinstance(id, (str, int)) or isinstance(id, bool):
                items.append((n, f'"{id_field}" is {_type(id)}, not a string or integer'))
                continue
            gold = value.get(label_field)
            if gold is not None and not isinstance(gold, str):
                items.append((n, f'"{label_field}" is {_type(gold)}, not a string'))
                continue
            items.append(_record(n, id, text, gold))
        return items
    reader = csv.reader(io.StringIO(data), delimiter="," if fmt == "csv" else "\t", strict=True)
    header = next(reader, None)
    if header is None:
        return []
    header[0] = header[0].lstrip("\ufeff")
    if text_field not in header:
        raise SystemExit(f'no "{text_field}" column in the header ({", ".join(header)}); name it with --text-field')
    text_column = header.index(text_field)
    id_column = header.index(id_field) if id_field in header else None
    label_column = header.index(label_field) if label_field in header else None
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            items.append((line, f"malformed row: {e}"))
            line = reader.line_num + 1
            continue
        start, line = line, reader.line_num + 1
        if row == [] or row == [""]:
            continue
        if len(row) != len(header):
            items.append((start, f"{len(row)} fields where the header has {len(header)}"))
            continue
        id = row[id_column] if id_column is not None and row[id_column] else start
        gold = row[label_column] if label_column is not None and row[label_column] else None
        items.append(_record(start, id, row[text_column], gold))
    return items


def _type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), type(value).__name__)


# ----- the actors -----

class ExplainActor:
    """One resident explaind; explains batches of records and aggregates what it explained."""

    def __init__(self, settings: Dict[str, Any]):
        self.settings = settings
        command = [settings["explaind"], "--threads", str(settings["threads"]), "--max-work", str(1 << 62),
                   "--max-texts", str(max(64, settings["batch"]))]
        if settings["model"]:
            command += ["--model", settings["model"]]
        self.client = ExplaindClient(command, client_name="explaind-ray", stderr=subprocess.DEVNULL, timeout=3600)

    def explain(self, records: List[Dict[str, Any]]) -> Tuple[List[str], List[Tuple[int, str]]]:
        """One `explain` with `texts`; a text the request refuses is a bad record and the rest goes again,
        as `explaind corpus` does."""
        bad: List[Tuple[int, str]] = []
        while records:
            params = dict(self.settings["request"], texts=[r["text"] for r in records])
            try:
                result = self.client.request("explain", params)
            except ExplaindError as e:
                field = (e.data or {}).get("field", "") if isinstance(e.data, dict) else ""
                if e.code == INVALID_PARAMS and field.startswith("texts[") and field.endswith("]"):
                    index = int(field[6:-1])
                    bad.append((records[index]["line"], e.message.split(": ", 1)[-1].split(": ", 1)[-1]))
                    records = records[:index] + records[index + 1:]
                    continue
                raise
            lines = []
            for record, explanation in zip(records, result["explanations"]):
                explanation.pop("elapsedMs", None)
                explanation["id"] = record["id"]
                if record["gold"] is not None:
                    explanation["gold"] = record["gold"]
                lines.append(dumps(explanation))
            return lines, bad
        return [], bad

    def __call__(self, rows: Dict[str, Any]) -> Dict[str, Any]:
        """Ray Data batch: rows of (index, records as JSON); returns each row's output lines, and this shard's
        aggregate on its first row."""
        indices, outputs, problems = [], [], []
        for index, records in zip(rows["index"], rows["records"]):
            lines, bad = self.explain(json.loads(records))
            indices.append(int(index))
            outputs.append("".join(line + "\n" for line in lines))
            problems.append(json.dumps(bad))
        aggregates = [""] * len(indices)
        if self.settings["aggregate"] and any(outputs):
            aggregates[0] = self.aggregate("".join(outputs))
        return {"index": indices, "lines": outputs, "bad": problems, "aggregate": aggregates}

    def aggregate(self, lines: str) -> str:
        with tempfile.TemporaryDirectory() as work:
            records, aggregate = os.path.join(work, "records.jsonl"), os.path.join(work, "aggregate.json")
            with open(records, "w", encoding="utf-8") as f:
                f.write(lines)
            command = [self.settings["explaind"], "corpus", "aggregate", "--in", records, "--aggregate", aggregate,
                       "--method", self.settings["request"]["method"], "--min-count", str(self.settings["min_count"])]
            if self.settings["model"]:
                command += ["--model", self.settings["model"]]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            with open(aggregate, encoding="utf-8") as f:
                return f.read()


# ----- a Ray node on this machine -----

class NodeStartFailed(RuntimeError):
    pass


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the job's process dies, however it dies (Linux)."""
    try:
        import ctypes
        import signal
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class LocalCluster:
    """A one-node Ray cluster for this job: `ray start --head --block` as a child process, which takes the
    node's processes down with it (on SIGTERM, or through Ray's reaper if it dies), connected to by address
    like any cluster.

    Ray waits a fixed 30 s for a new node's raylet to register with its GCS (ray/_private/node.py), and the
    raylet registers after waiting for its Python agents; on a machine busy with other work (two cores at
    load 20) the node's half-dozen Python processes start too slowly and the start fails with "The current
    node timed out during startup". So the node
    starts only what a job needs (no dashboard, autoscaler monitor, log monitor or idle pre-started workers),
    gives workers longer to register, and a failed start is retried on a clean slate."""

    def __init__(self, cpus: int, object_store_memory: Optional[int] = None, attempts: int = 3,
                 deadline_s: float = 180):
        self.cpus, self.object_store_memory, self.attempts, self.deadline_s = cpus, object_store_memory, attempts, deadline_s
        self.process: Optional[subprocess.Popen] = None
        self.temp_dir: Optional[str] = None
        self.address: Optional[str] = None
        # Token authentication (recent Rays' default for `ray start`) with a token of this job's own, in the
        # environment the node's processes and the driver share (nothing written to ~/.ray).
        self.auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}

    def command(self) -> List[str]:
        command = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block", "--port", "0",
                   "--num-cpus", str(self.cpus), "--include-dashboard", "false", "--include-log-monitor", "false",
                   "--no-monitor", "--disable-usage-stats", "--temp-dir", self.temp_dir,
                   "--system-config", json.dumps({"prestart_worker_first_driver": False,
                                                  "worker_register_timeout_seconds": 300})]
        if self.object_store_memory:
            command += ["--object-store-memory", str(self.object_store_memory)]
        return command

    def start(self) -> str:
        """The node's address, once it is up; NodeStartFailed after the last attempt."""
        log = ""
        for attempt in range(1, self.attempts + 1):
            # Ray's socket paths must stay short: a fresh directory under /tmp, not the test's scratch.
            self.temp_dir = tempfile.mkdtemp(prefix="explaind-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
            address_file = os.path.join(self.temp_dir, "ray_current_cluster")
            output = open(os.path.join(self.temp_dir, "ray-start.log"), "w+")
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                            preexec_fn=_die_with_parent,
                                            env=dict(os.environ, **self.auth,
                                                     # nothing to drain: the whole node goes at once
                                                     RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0"))
            started = time.monotonic()
            while self.process.poll() is None and not os.path.exists(address_file) and time.monotonic() - started < self.deadline_s:
                time.sleep(0.2)
            if self.process.poll() is None and os.path.exists(address_file):
                with open(address_file, encoding="utf-8") as f:
                    self.address = f.read().strip()
                output.close()
                return self.address
            output.seek(0)
            log = output.read()
            output.close()
            self.stop()
            print(f"explaind_ray: the local Ray node did not start (attempt {attempt} of {self.attempts})", file=sys.stderr)
        raise NodeStartFailed("the local Ray node did not start; the last attempt said:\n" + log[-3000:])

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.temp_dir:
            shutil.rmtree(self.temp_dir, ignore_errors=True)
            self.temp_dir = None


# ----- the driver -----

def _scalar(text: str) -> Any:
    for kind in (int, float):
        try:
            value = kind(text)
            if kind is int or math.isfinite(value):
                return value
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text, text)


REQUEST_KEYS = {"target", "foil", "output", "normalize", "normalizeSpecialTokens", "granularity"}


def parse_arguments(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in", dest="input", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--model", help="model directory on every node (default: the daemon's default model)")
    parser.add_argument("--method", default="vanillaGradient")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="an explain field or method option, as with explaind corpus")
    parser.add_argument("--text-field", default="text")
    parser.add_argument("--id-field", default="id")
    parser.add_argument("--label-field", default="label")
    parser.add_argument("--format", choices=["jsonl", "csv", "tsv", "text"])
    parser.add_argument("--aggregate")
    parser.add_argument("--report")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--long", choices=["truncate", "windows"], default="windows")
    parser.add_argument("--stride", type=int)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--actors", type=int, default=2, help="explaind processes (one per actor)")
    parser.add_argument("--threads", type=int, default=1, help="compute threads of each explaind")
    parser.add_argument("--shard", type=int, default=8, help="batches per actor call (one aggregate each)")
    parser.add_argument("--address", help="a Ray cluster (auto, or HOST:PORT); default: a node on this machine for the job")
    parser.add_argument("--object-store-memory", type=int, help="bytes of the local node's object store (default: Ray's)")
    parser.add_argument("--explaind", default=os.environ.get("EXPLAIND", "explaind"), help="explaind on every node")
    return parser.parse_args(argv)


def explain_request(args: argparse.Namespace) -> Dict[str, Any]:
    request: Dict[str, Any] = {"method": args.method, "granularity": "word", "long": args.long}
    options: Dict[str, Any] = {}
    for setting in args.set:
        key, eq, text = setting.partition("=")
        if not eq or not key:
            raise SystemExit(f'--set needs key=value, got "{setting}"')
        (request if key in REQUEST_KEYS else options)[key] = _scalar(text)
    if options:
        request["options"] = options
    if args.stride is not None:
        request["stride"] = args.stride
    return request


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_arguments(argv)
    items = read_records(os.path.abspath(args.input), args.format or guess_format(args.input),
                         args.text_field, args.id_field, args.label_field)
    records: List[Record] = []
    for item in items:
        if isinstance(item, Record):
            records.append(item)
            continue
        print(f"explaind_ray: skipped line {item[0]}: {item[1]}", file=sys.stderr)
        if args.strict:
            print(f"explaind_ray: --strict: stopped at line {item[0]}", file=sys.stderr)
            break
    batches = [records[i:i + args.batch] for i in range(0, len(records), args.batch)]
    settings = {
        "explaind": os.path.abspath(args.explaind) if os.path.exists(args.explaind) else args.explaind,
        "model": os.path.abspath(args.model) if args.model else None,
        "threads": args.threads, "batch": args.batch, "min_count": args.min_count,
        "aggregate": bool(args.aggregate or args.report), "request": explain_request(args),
    }

    rows = [{"index": i, "records": json.dumps([{"line": r.line, "id": r.id, "text": r.text, "gold": r.gold} for r in batch])}
            for i, batch in enumerate(batches)]
    results: List[Dict[str, Any]] = []
    if rows:
        cluster, address = None, args.address
        connected = "ray" in sys.modules and sys.modules["ray"].is_initialized()  # a caller's own ray.init
        if not address and not connected:
            cluster = LocalCluster(max(args.actors * args.threads, 1), object_store_memory=args.object_store_memory)
            try:
                address = cluster.start()
            except NodeStartFailed as e:
                print(f"explaind_ray: {e}", file=sys.stderr)
                return 1
            os.environ.update(cluster.auth)  # before Ray is imported: it reads them then
        import ray  # only this job needs Ray
        import ray.data  # noqa: F401
        try:
            if not ray.is_initialized():
                ray.init(address=address, runtime_env={"working_dir": HERE}, log_to_driver=False)
            dataset = ray.data.from_items(rows, override_num_blocks=max(1, math.ceil(len(rows) / args.shard)))
            explained = dataset.map_batches(ExplainActor, fn_constructor_args=(settings,), batch_size=args.shard,
                                            compute=ray.data.ActorPoolStrategy(size=args.actors), num_cpus=args.threads,
                                            batch_format="default")
            results = sorted(explained.take_all(), key=lambda row: row["index"])
        finally:
            if cluster is not None:
                ray.shutdown()
                cluster.stop()

    written = 0
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        for row in results:
            for line, reason in json.loads(row["bad"]):
                print(f"explaind_ray: skipped line {line}: {reason}", file=sys.stderr)
            out.write(row["lines"])
            written += row["lines"].count("\n")
    print(f"explaind_ray: {written} records written to {args.out}", file=sys.stderr)

    if settings["aggregate"]:
        with tempfile.TemporaryDirectory() as work:
            parts = []
            for row in results:
                if row["aggregate"]:
                    parts.append(os.path.join(work, f"shard-{len(parts)}.json"))
                    with open(parts[-1], "w", encoding="utf-8") as f:
                        f.write(row["aggregate"])
            target = os.path.abspath(args.aggregate) if args.aggregate else os.path.join(work, "aggregate.json")
            command = [settings["explaind"], "corpus", "merge", *parts, "--aggregate", target]
            if args.report:
                command += ["--report", os.path.abspath(args.report)]
            if parts:
                subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
