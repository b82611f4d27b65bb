#!/usr/bin/env python3
"""Prints the request/response examples of Protocol.md, captured from a running explaind.

usage: python3 Scripts/protocol-examples.py [path/to/explaind]
Talks LSP framing through pipes to the daemon loaded with the fixture model distilbert-3labels-bf16 and prints
one markdown ```json block per exchange (objects wider than a line are broken up, short ones kept inline).
"""
import json, os, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, ".build/debug/explaind")
models = os.path.join(root, "Tests/Fixtures/models")
daemon = subprocess.Popen([binary, "--model", os.path.join(models, "distilbert-3labels-bf16"), "--model-id", "distil"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)


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
    body = json.dumps(message, ensure_ascii=False).encode()
    daemon.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    daemon.stdin.flush()


def receive():
    length = None
    while True:
        line = daemon.stdout.readline()
        if line in (b"\r\n", b""):
            break
        name, value = line.decode().split(":", 1)
        if name.lower() == "content-length":
            length = int(value)
    return json.loads(daemon.stdout.read(length))


def exchange(title, request):
    send(request)
    blocks = ["// client → server\n" + layout(request)]
    while True:
        message = receive()
        blocks.append("// server → client\n" + layout(message))
        if message.get("id") == request["id"] and "method" not in message:
            break
    print(f"#### {title}\n\n```json\n" + "\n".join(blocks) + "\n```\n")


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
                         "params": {"path": os.path.join(models, "bert-gelu-2labels"), "id": "bert"}})
exchange("models/list", {"jsonrpc": "2.0", "id": 7, "method": "models/list"})
exchange("models/unload", {"jsonrpc": "2.0", "id": 8, "method": "models/unload", "params": {"id": "bert"}})
exchange("invalid params", {"jsonrpc": "2.0", "id": 9, "method": "explain",
                            "params": {"text": "Buhari won.", "method": "integratedGradients", "options": {"steps": 0}}})
exchange("compareMethods", {"jsonrpc": "2.0", "id": 11, "method": "compareMethods",
                            "params": {"text": text, "methods": ["gradientXInput", "integratedGradients", "occlusion"],
                                       "options": {"integratedGradients": {"steps": 16}}, "workDoneToken": "cmp-11"}})
exchange("shutdown", {"jsonrpc": "2.0", "id": 10, "method": "shutdown"})
send({"jsonrpc": "2.0", "method": "exit"})
sys.exit(daemon.wait())
