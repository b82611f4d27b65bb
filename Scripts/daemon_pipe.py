"""LSP framing to and from an explaind child process, for the scripts that drive the daemon."""
import json


def send_body(daemon, body):
    """One frame: the Content-Length header, then the bytes as they are (valid JSON or not)."""
    daemon.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    daemon.stdin.flush()


def send(daemon, message):
    send_body(daemon, json.dumps(message, ensure_ascii=False).encode())


def receive(daemon):
    """The next message the daemon writes; exits when it closed its output instead."""
    length = None
    while True:
        line = daemon.stdout.readline()
        if line in (b"\r\n", b""):
            break
        name, value = line.decode().split(":", 1)
        if name.lower() == "content-length":
            length = int(value)
    if length is None:
        raise SystemExit("the daemon closed its output")
    return json.loads(daemon.stdout.read(length))
