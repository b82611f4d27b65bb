#!/usr/bin/env python3
"""Peak and current resident memory of explaind over a long mixed run (issue 23: "RSS stays flat").

usage: python3 Scripts/mixed-run-rss.py [path/to/explaind] [--model DIR] [--requests N] [--every K]
Sends N requests (default 2000) one after another, cycling through tokenize, predict (one and several texts),
every gradient method, occlusion, integrated gradients, SmoothGrad, a compareMethods now and then, and bad
requests (unknown method, bad params, unparsable JSON), and prints the daemon's VmRSS and VmHWM
(/proc/PID/status) every K requests (default 200). Every request must be answered; the run fails otherwise.
"""
import json, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemon_pipe  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
args = sys.argv[1:]
def option(name, default):
    if name in args:
        i = args.index(name); value = args[i + 1]; del args[i:i + 2]; return value
    return default
model = option("--model", None)
total = int(option("--requests", "2000"))
every = int(option("--every", "200"))
binary = args[0] if args else os.path.join(root, ".build/debug/explaind")
command = [binary] + (["--model", model] if model else [])
daemon = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=open(os.environ.get("MIXED_RUN_LOG", os.devnull), "w"))

def send_raw(body):
    daemon_pipe.send_body(daemon, body)

def receive():
    return daemon_pipe.receive(daemon)

def call(id, method, params=None):
    message = {"jsonrpc": "2.0", "id": id, "method": method}
    if params is not None:
        message["params"] = params
    send_raw(json.dumps(message).encode())
    while True:
        reply = receive()
        if reply.get("id") == id and "method" not in reply:
            return reply

def memory():
    fields = {}
    for line in open(f"/proc/{daemon.pid}/status"):
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) // 1024
    return fields

texts = ["The senate voted on the budget.", "Arsenal won the match 2-1 on Sunday night.",
         "Café naïve Ọbasanjọ 東京 🙂", "a " * 200, "The minister resigned after the scandal broke."]
kinds = [
    lambda t: ("tokenize", {"text": t}),
    lambda t: ("predict", {"text": t}),
    lambda t: ("predict", {"texts": texts}),
    lambda t: ("explain", {"text": t, "method": "vanillaGradient"}),
    lambda t: ("explain", {"text": t, "method": "gradientXInput", "granularity": "word"}),
    lambda t: ("explain", {"text": t, "method": "gradientNorm", "target": 1}),
    lambda t: ("explain", {"text": t, "method": "integratedGradients", "options": {"steps": 8}}),
    lambda t: ("explain", {"text": t, "method": "smoothGrad", "options": {"samples": 4}}),
    lambda t: ("explain", {"text": t[:60], "method": "occlusion"}),
    lambda t: ("explain", {"texts": texts[:3], "method": "vanillaGradient"}),
    lambda t: ("explain", {"text": t, "method": "integratedGradients", "options": {"steps": -1}}),  # -32602
    lambda t: ("nosuchmethod", {"text": t}),                                                       # -32601
    lambda t: ("tokenize", {"text": 5}),                                                           # -32602
]
call(0, "initialize", {"clientInfo": {"name": "mixed-run", "version": "1"}})
send_raw(b'{"jsonrpc":"2.0","method":"initialized","params":{}}')
print(f"{'requests':>8} {'VmRSS MB':>9} {'VmHWM MB':>9}")
start = memory()
print(f"{0:>8} {start['VmRSS']:>9} {start['VmHWM']:>9}")
answered = 0
for i in range(1, total + 1):
    text = texts[i % len(texts)]
    if i % 100 == 0:
        method, params = "compareMethods", {"text": text[:60], "methods": ["gradientXInput", "occlusion"]}
    elif i % 97 == 0:
        send_raw(b'{"jsonrpc":"2.0","id":')  # unparsable: answered with id null
        receive(); answered += 1
        continue
    else:
        method, params = kinds[i % len(kinds)](text)
    reply = call(i, method, params)
    if "result" not in reply and "error" not in reply:
        sys.exit(f"request {i} got {reply}")
    answered += 1
    if i % every == 0:
        m = memory()
        print(f"{i:>8} {m['VmRSS']:>9} {m['VmHWM']:>9}")
call(total + 1, "shutdown")
send_raw(b'{"jsonrpc":"2.0","method":"exit"}')
print(f"{answered} of {total} requests answered; exit status {daemon.wait()}")
