#!/usr/bin/env python3
"""Captures the request/response examples of Protocol.md from a running explaind, byte for byte.

usage: python3 Scripts/protocol-examples.py [--check | --write] [path/to/explaind]
Talks LSP framing through pipes to the daemon (started with --reproducible, so every elapsedMs is 0) loaded with
the fixture model distilbert-3labels-bf16 and renders one markdown ```json block per exchange (objects wider
than a line are broken up, short ones kept inline; § 4.5.1's method examples abridged to the method's own part).
The fixture models are copied to a fixed directory first, so the paths in the replies do not depend on where the
repository is checked out.
  (no flag)  print the blocks
  --check    compare them with Protocol.md's blocks (matched by request id); print a diff and exit 1 on drift.
             Floats may differ in their last digits (within FLOAT_TOLERANCE): the BLAS kernels, and so the rounding,
             differ between AVX2 and AVX-512 machines; everything else must be the same byte for byte.
  --write    replace Protocol.md's blocks with them
"""
import difflib, fcntl, filecmp, json, os, re, shutil, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_pipe  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
arguments = sys.argv[1:]
mode = arguments.pop(0) if arguments and arguments[0] in ("--check", "--write") else None
binary = arguments[0] if arguments else os.path.join(root, ".build/debug/explaind")
fixtures = os.path.join(root, "Tests/Fixtures/models")
models = "/tmp/explaind-protocol-examples"


def same_tree(a, b):
    comparison = filecmp.dircmp(a, b)
    if comparison.left_only or comparison.right_only or comparison.funny_files:
        return False
    _, mismatch, errors = filecmp.cmpfiles(a, b, comparison.common_files, shallow=False)
    return not mismatch and not errors and all(same_tree(os.path.join(a, d), os.path.join(b, d)) for d in comparison.common_dirs)


def stage(name):
    """The fixture at models/name, copied there unless an identical copy is (concurrent runs copy aside, then rename)."""
    source, target = os.path.join(fixtures, name), os.path.join(models, name)
    if os.path.isdir(target) and same_tree(source, target):
        return target
    os.makedirs(models, exist_ok=True)
    scratch = tempfile.mkdtemp(dir=models)
    shutil.copytree(source, os.path.join(scratch, name))
    if os.path.isdir(target):
        shutil.rmtree(target, ignore_errors=True)
    try:
        os.rename(os.path.join(scratch, name), target)
    except OSError:
        pass  # another run put an identical copy there first
    shutil.rmtree(scratch, ignore_errors=True)
    return target


os.makedirs(models, exist_ok=True)
# One run at a time (tests in several checkouts share the directory): the models/adapt example writes a fixed path.
lock = open(os.path.join(models, ".lock"), "w")
fcntl.flock(lock, fcntl.LOCK_EX)
distil, bert = stage("distilbert-3labels-bf16"), stage("bert-gelu-2labels")
adapt_data, adapted = os.path.join(models, "adapt-data.jsonl"), os.path.join(models, "adapted")
with open(adapt_data, "w", encoding="utf-8") as f:
    for text, label in [("Atiku and Ezekwesili spoke in Abuja.", "positive"), ("The sky is green.", "negative"),
                        ("Ezekwesili said INEC must publish results.", "positive"), ("Rain is expected in Lagos.", "negative")]:
        f.write(json.dumps({"text": text, "label": label}) + "\n")
shutil.rmtree(adapted, ignore_errors=True)
daemon = subprocess.Popen([binary, "--reproducible", "--model", distil, "--model-id", "distil"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
captured = {}


def layout(value, indent=0):
    pad = "  " * indent
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + len(pad) <= 118 or not isinstance(value, (dict, list)):
        return flat
    if isinstance(value, list):
        if all(not isinstance(x, (dict, list)) for x in value):
            return flat
        return "[\n" + ",\n".join(pad + "  " + layout(x, indent + 1) for x in value) + "\n" + pad + "]"
    return "{\n" + ",\n".join(pad + "  " + json.dumps(k) + ": " + layout(x, indent + 1) for k, x in value.items()) + "\n" + pad + "}"


def send(message):
    daemon_pipe.send(daemon, message)


def receive():
    return daemon_pipe.receive(daemon)


ABRIDGED = "// server → client (abridged: the other fields, and each token's, as in the explain example)"


def abridged(message):
    """An explain reply cut to the method's own part: method, options, extras, target, tokens' text and rawScore."""
    result = {k: v for k, v in message["result"].items() if k in ("elapsedMs", "extras", "method", "options", "target", "tokens")}
    result["tokens"] = [{"text": t["text"], "rawScore": t["rawScore"]} for t in result["tokens"]]
    return dict(message, result=result)


def exchange(title, request, abridge=False):
    if request["id"] in captured:
        sys.exit(f"two examples use request id {request['id']}: each example is found in Protocol.md by its id")
    send(request)
    blocks = ["// client → server\n" + layout(request)]
    while True:
        message = receive()
        if message.get("id") == request["id"] and "method" not in message:
            blocks.append((ABRIDGED + "\n" + layout(abridged(message))) if abridge else ("// server → client\n" + layout(message)))
            break
        if not abridge:  # progress notifications, shown only in the full examples
            blocks.append("// server → client\n" + layout(message))
    captured[request["id"]] = (title, "\n".join(blocks) + "\n")


text = "Buhari won the election."
exchange("initialize", {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                        "params": {"clientInfo": {"name": "example", "version": "1.0"}, "positionEncodings": ["utf-8", "utf-16"]}})
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
exchange("tokenize", {"jsonrpc": "2.0", "id": 2, "method": "tokenize", "params": {"text": "Café vote in Pneumonoultramicroscopic"}})
exchange("predict", {"jsonrpc": "2.0", "id": 3, "method": "predict", "params": {"text": text}})
exchange("predict texts", {"jsonrpc": "2.0", "id": 4, "method": "predict", "params": {"texts": [text, "The sky is green"]}})
exchange("explain", {"jsonrpc": "2.0", "id": 5, "method": "explain",
                     "params": {"text": text, "method": "integratedGradients", "options": {"steps": 16},
                                "granularity": "word", "workDoneToken": "ig-5"}})
exchange("models/load", {"jsonrpc": "2.0", "id": 6, "method": "models/load",
                         "params": {"path": bert, "id": "bert"}})
exchange("models/list", {"jsonrpc": "2.0", "id": 7, "method": "models/list"})
exchange("models/adapt", {"jsonrpc": "2.0", "id": 20, "method": "models/adapt",
                          "params": {"model": "bert", "data": adapt_data, "out": adapted, "addTokens": ["Ezekwesili", "Atiku"],
                                     "train": "embeddings+head", "epochs": 2, "learningRate": 0.01, "batchSize": 2,
                                     "workDoneToken": "adapt-20"}})
exchange("models/unload", {"jsonrpc": "2.0", "id": 8, "method": "models/unload", "params": {"id": "bert"}})
exchange("invalid params", {"jsonrpc": "2.0", "id": 9, "method": "explain",
                            "params": {"text": "Buhari won.", "method": "integratedGradients", "options": {"steps": 0}}})
exchange("compareMethods", {"jsonrpc": "2.0", "id": 11, "method": "compareMethods",
                            "params": {"text": text, "methods": ["gradientXInput", "integratedGradients", "occlusion"],
                                       "options": {"integratedGradients": {"steps": 16}}, "workDoneToken": "cmp-11"}})
for id, method, options in [(12, "lime", {"samples": 200}), (13, "kernelShap", {}), (14, "attentionRollout", {}),
                            (15, "attentionGradient", {}), (16, "sequentialIntegratedGradients", {"steps": 16})]:
    params = {"text": text, "method": method, **({"options": options} if options else {})}
    exchange(method, {"jsonrpc": "2.0", "id": id, "method": "explain", "params": params}, abridge=True)
exchange("shutdown", {"jsonrpc": "2.0", "id": 10, "method": "shutdown"})
send({"jsonrpc": "2.0", "method": "exit"})
if daemon.wait() != 0:
    sys.exit(f"explaind exited with {daemon.returncode}")
shutil.rmtree(adapted, ignore_errors=True)

if mode is None:
    for title, block in captured.values():
        print(f"#### {title}\n\n```json\n{block}```\n")
    sys.exit(0)

# Protocol.md's example blocks, each found by the id of the request it opens with.
document_path = os.path.join(root, "Protocol.md")
document = open(document_path, encoding="utf-8").read()
pattern = re.compile(r"```json\n(// client → server\n.*?)```", re.S)
found = {}
for match in pattern.finditer(document):
    request = match.group(1).split("\n// server → client")[0].removeprefix("// client → server\n")
    id = json.loads(request)["id"]
    if id in found:
        sys.exit(f"Protocol.md has two examples with request id {id}")
    found[id] = match
missing = sorted(set(captured) - set(found), key=str)
if missing:
    sys.exit(f"Protocol.md has no example for request ids {missing}")
FLOAT_TOLERANCE = 1e-4  # relative, plus 1e-6 absolute for scores near zero


def messages(block):
    """A block's JSON messages, each one after its // comment line."""
    return [json.loads(part) for part in re.split(r"^//.*$", block, flags=re.M) if part.strip()]


def same_but_rounding(a, b):
    if isinstance(a, bool) or isinstance(b, bool) or (isinstance(a, int) and isinstance(b, int)):
        return a == b and type(a) is type(b)  # ids, counts and flags exactly
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) <= FLOAT_TOLERANCE * max(abs(a), abs(b)) + 1e-6
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same_gap(a, b) if k == "gap" else same_but_rounding(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_but_rounding(x, y) for x, y in zip(a, b))
    return a == b


def same_gap(a, b):
    """Integrated gradients' completeness gap, |Σ attributions − (f(x) − f(baseline))|, is a difference of two
    nearly equal sums: its rounding follows the size of f(x) − f(baseline), not its own."""
    scale = max(abs(a.get("expectedDelta", 0)), abs(b.get("expectedDelta", 0)), abs(a["gap"]), abs(b["gap"]))
    return abs(a["gap"] - b["gap"]) <= FLOAT_TOLERANCE * scale + 1e-6


def comments(block):
    return [line for line in block.splitlines() if line.startswith("//")]


if mode == "--check":
    drift, rounded = [], 0
    for id, (title, block) in captured.items():
        documented = found[id].group(1)
        if documented == block:
            continue
        if comments(documented) == comments(block) and same_but_rounding(messages(documented), messages(block)):
            rounded += 1
            continue
        drift += difflib.unified_diff(documented.splitlines(), block.splitlines(),
                                      f"Protocol.md ({title})", "explaind --reproducible", lineterm="")
    if drift:
        print("\n".join(drift))
        sys.exit("Protocol.md's examples differ from what explaind sends: run python3 Scripts/protocol-examples.py --write")
    print(f"Protocol.md's {len(captured)} examples are what explaind sends, byte for byte"
          + (f" but for last-digit rounding in {rounded}" if rounded else ""))
else:
    for id, (title, block) in sorted(captured.items(), key=lambda item: -found[item[0]].start()):
        match = found[id]
        document = document[:match.start(1)] + block + document[match.end(1):]
    open(document_path, "w", encoding="utf-8").write(document)
