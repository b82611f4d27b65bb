"""A stdlib-only client for explaind: JSON-RPC 2.0 over the daemon's stdin/stdout with LSP framing.

    with ExplaindClient(["explaind", "--model", "path/to/model"]) as client:
        e = client.explain("The senate passed the budget", method="integratedGradients")
        for token in e.tokens:
            print(token.text, token.score)

Requests may run concurrently from several threads; replies are matched by id. Long requests can be
started without waiting (`start(...)`) and cancelled (`cancel(...)`), which ends them with
`RequestCancelled` (-32800). Positions are negotiated as utf-32, i.e. Python string indices.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import threading
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

# JSON-RPC 2.0 and LSP error codes (Protocol.md lists the server's own).
PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_NOT_INITIALIZED = -32002
REQUEST_CANCELLED = -32800


class ExplaindError(Exception):
    """A JSON-RPC error reply, or the daemon going away."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.data = code, message, data


class RequestCancelled(ExplaindError):
    """The request was cancelled with $/cancelRequest (-32800)."""


class MethodNotFound(ExplaindError):
    """The daemon does not know the method (-32601): usually an older explaind."""


class DaemonExited(ExplaindError):
    """The daemon's output ended before the reply came."""


def _error_from(obj: Dict[str, Any]) -> ExplaindError:
    code, message, data = obj.get("code", INTERNAL_ERROR), obj.get("message", ""), obj.get("data")
    kind = {REQUEST_CANCELLED: RequestCancelled, METHOD_NOT_FOUND: MethodNotFound}.get(code, ExplaindError)
    return kind(code, message, data)


# ----- framing: `Content-Length: N\r\n\r\n` then N bytes of UTF-8 JSON (LSP's base protocol) -----

def encode_frame(message: Dict[str, Any]) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_frame(stream) -> Optional[Any]:
    """Reads one message from a binary stream; None at end of input."""
    length = None
    while True:
        line = stream.readline()
        if not line:
            return None
        line = line.rstrip(b"\r\n")
        if not line:
            break  # the blank line ends the header
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise ExplaindError(PARSE_ERROR, "frame without Content-Length")
    body = stream.read(length)
    if len(body) < length:
        return None
    return json.loads(body.decode("utf-8"))


# ----- typed results -----

@dataclass
class Token:
    text: str
    start: Optional[int]  # character offsets into the text; None for [CLS] / [SEP]
    end: Optional[int]
    special: bool
    word: Optional[int]
    id: int
    score: Optional[float] = None

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Token":
        score = o.get("score")
        return cls(o["text"], o["start"], o["end"], o["special"], o.get("word"), o["id"],
                   None if score is None else float(score))


@dataclass
class Word:
    text: str
    start: int
    end: int
    tokens: List[int]
    score: Optional[float] = None

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Word":
        score = o.get("score")
        return cls(o["text"], o["start"], o["end"], list(o["tokens"]), None if score is None else float(score))


@dataclass
class Tokenization:
    tokens: List[Token]
    words: List[Word]
    truncated: bool
    fragmented: List[Dict[str, Any]]

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Tokenization":
        return cls([Token.from_json(t) for t in o["tokens"]], [Word.from_json(w) for w in o["words"]],
                   o["truncated"], o.get("fragmented", []))


@dataclass
class Prediction:
    label: str
    index: int
    probabilities: List[float]
    logits: List[float]
    truncated: bool = False

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Prediction":
        return cls(o["label"], o["index"], o["probabilities"], o["logits"], o.get("truncated", False))


@dataclass
class Explanation:
    text: str
    method: str
    target: str
    prediction: Prediction
    tokens: List[Token]
    words: List[Word]
    elapsed_ms: float
    raw: Dict[str, Any] = field(repr=False)
    foil: Optional[str] = None
    output: str = "logit"
    normalize: str = ""
    granularity: str = "token"
    options: Dict[str, Any] = field(default_factory=dict)
    extras: Dict[str, Any] = field(default_factory=dict)
    signed: Optional[bool] = None  # from the daemon's method list; None: guessed from the scores' signs

    @classmethod
    def from_json(cls, o: Dict[str, Any], signed: Optional[bool] = None) -> "Explanation":
        foil = o.get("foil")
        return cls(o["text"], o["method"], o["target"]["label"], Prediction.from_json(o["prediction"]),
                   [Token.from_json(t) for t in o["tokens"]], [Word.from_json(w) for w in o["words"]],
                   o.get("elapsedMs", 0.0), o, foil=foil.get("label") if isinstance(foil, dict) else None,
                   output=o.get("output", "logit"), normalize=o.get("normalize", ""),
                   granularity=o.get("granularity", "token"), options=o.get("options") or {},
                   extras=o.get("extras") or {}, signed=signed)

    def top_tokens(self, k: int = 3) -> List[Token]:
        """The k non-special tokens with the largest absolute score."""
        scored = [t for t in self.tokens if not t.special and t.score is not None]
        return sorted(scored, key=lambda t: abs(t.score), reverse=True)[:k]

    def to_pandas(self):
        """One row per token (text, start, end, special, word, id, score, raw_score); needs pandas."""
        pandas = _pandas()
        raw = self.raw.get("tokens", [])
        return pandas.DataFrame([{"text": t.text, "start": t.start, "end": t.end, "special": t.special, "word": t.word,
                                  "id": t.id, "score": t.score,
                                  "raw_score": raw[i].get("rawScore") if i < len(raw) else None}
                                 for i, t in enumerate(self.tokens)])

    def _repr_html_(self) -> str:
        """The text with each token shaded by its score (Jupyter shows this inline)."""
        return explanation_html(self)


@dataclass
class MethodScores:
    """One method's scores in a comparison, on the comparison's tokens."""
    method: str
    scores: List[float]
    raw_scores: List[float]
    signed: bool
    elapsed_ms: float
    options: Dict[str, Any] = field(default_factory=dict)
    extras: Dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "MethodScores":
        return cls(o["method"], [float(x) for x in o["scores"]], [float(x) for x in o.get("rawScores") or o["scores"]],
                   bool(o.get("signed", False)), o.get("elapsedMs", 0.0), o.get("options") or {}, o.get("extras") or {})


@dataclass
class Agreement:
    """Rank agreement of two methods' scores: signed, and of their magnitudes (`absolute`)."""
    a: str
    b: str
    spearman: Optional[float]
    kendall: Optional[float]
    top_k_overlap: Optional[float]
    spearman_absolute: Optional[float]
    kendall_absolute: Optional[float]
    top_k_overlap_absolute: Optional[float]

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Agreement":
        return cls(o["a"], o["b"], o.get("spearman"), o.get("kendall"), o.get("topKOverlap"),
                   o.get("spearmanAbsolute"), o.get("kendallAbsolute"), o.get("topKOverlapAbsolute"))


@dataclass
class Faithfulness:
    """ferret's faithfulness figures for one method. Higher comprehensiveness, lower sufficiency, higher
    leave-one-out tau and a lower deletion area are better."""
    method: str
    comprehensiveness: Optional[float]
    sufficiency: Optional[float]
    taucorr_loo: Optional[float]
    deletion_curve: List[float]
    deletion_area: Optional[float]
    rationales: List[Dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Faithfulness":
        return cls(o["method"], o.get("comprehensiveness"), o.get("sufficiency"), o.get("taucorr_loo"),
                   list(o.get("deletionCurve") or []), o.get("deletionArea"), list(o.get("rationales") or []))


@dataclass
class Comparison:
    """compareMethods: several methods on the same tokens, their agreement and their faithfulness."""
    text: str
    target: str
    prediction: Prediction
    tokens: List[Token]
    methods: List[MethodScores]
    agreement: List[Agreement]
    faithfulness: List[Faithfulness]
    ranking: List[str]
    summary: str
    raw: Dict[str, Any] = field(repr=False)

    @classmethod
    def from_json(cls, o: Dict[str, Any]) -> "Comparison":
        ranking = sorted(o.get("ranking") or [], key=lambda r: r.get("rank", 0))
        return cls(o["text"], o["target"]["label"], Prediction.from_json(o["prediction"]),
                   [Token.from_json(dict(t, id=t.get("id", -1))) for t in o["tokens"]],
                   [MethodScores.from_json(m) for m in o["methods"]],
                   [Agreement.from_json(a) for a in o.get("agreement") or []],
                   [Faithfulness.from_json(f) for f in o.get("faithfulness") or []],
                   [r["method"] for r in ranking], o.get("summary", ""), o)

    def scores(self, method: str) -> List[float]:
        return next(m.scores for m in self.methods if m.method == method)

    def spearman(self, a: str, b: str) -> float:
        """Spearman's rho between two methods' scores (1 for a method with itself)."""
        if a == b:
            return 1.0
        for pair in self.agreement:
            if {pair.a, pair.b} == {a, b}:
                return pair.spearman
        raise KeyError(f"no agreement between {a} and {b}")

    def to_pandas(self):
        """Tokens x methods: one row per token (text, special), one score column per method; needs pandas."""
        pandas = _pandas()
        frame = pandas.DataFrame({"text": [t.text for t in self.tokens], "special": [t.special for t in self.tokens]})
        for m in self.methods:
            frame[m.method] = m.scores
        return frame

    def _repr_html_(self) -> str:
        return comparison_html(self)


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ImportError("to_pandas() needs pandas (pip install pandas)") from None
    return pandas


# ----- HTML views (Jupyter's _repr_html_): the same colours as the explain REPL's pages -----

_WHITE, _BLUE, _RED = (255, 255, 255), (33, 102, 172), (178, 24, 43)


def _shade(value: float, diverging: bool) -> str:
    """A score divided by the largest magnitude shown -> a background colour (white-blue, or red-white-blue)."""
    v = max(-1.0, min(1.0, value)) if value == value else 0.0
    end = _RED if v < 0 and diverging else _BLUE
    t = abs(v) if diverging else max(v, 0.0)
    r, g, b = (round(w + (e - w) * t) for w, e in zip(_WHITE, end))
    return "#%02x%02x%02x" % (r, g, b)


def _text_colour(background: str) -> str:
    r, g, b = (int(background[i:i + 2], 16) for i in (1, 3, 5))
    return "#fff" if 0.299 * r + 0.587 * g + 0.114 * b < 140 else "#000"


def _sig3(x: Optional[float]) -> str:
    return "—" if x is None else "%.3g" % x


def _escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _legend(target: str, diverging: bool) -> str:
    if diverging:
        ramp = "linear-gradient(to right,%s,#ffffff,%s)" % (_shade(-1, True), _shade(1, True))
        words = "red: against <i>%s</i> &nbsp; blue: towards <i>%s</i>" % (_escape(target), _escape(target))
    else:
        ramp = "linear-gradient(to right,#ffffff,%s)" % _shade(1, False)
        words = "white: no effect &nbsp; blue: most important for <i>%s</i>" % _escape(target)
    return ('<div style="display:flex;align-items:center;gap:.5em;color:#555;font-size:.85em">'
            '<span style="display:inline-block;width:10em;height:.8em;border:1px solid #ccc;background:%s"></span>%s</div>'
            % (ramp, words))


def explanation_html(e: Explanation) -> str:
    scored = [t for t in e.tokens if not t.special and t.score is not None]
    largest = max((abs(t.score) for t in scored), default=0.0) or 1.0
    diverging = e.signed if e.signed is not None else any(t.score < 0 for t in scored)
    pieces, cursor = [], 0
    for t in sorted(scored, key=lambda t: t.start):
        if t.start is None or t.start < cursor:
            continue
        pieces.append(_escape(e.text[cursor:t.start]))
        colour = _shade(t.score / largest, diverging)
        pieces.append('<span class="tok" title="%s: %s" style="background:%s;color:%s;padding:.1em .05em;border-radius:3px">%s</span>'
                      % (_escape(t.text), _sig3(t.score), colour, _text_colour(colour), _escape(e.text[t.start:t.end])))
        cursor = t.end
    pieces.append(_escape(e.text[cursor:]))
    context = ["method <b>%s</b>" % _escape(e.method), "target %s" % _escape(e.target)]
    if e.foil:
        context.append("foil %s" % _escape(e.foil))
    context += ["output %s" % _escape(e.output), "prediction %s (%.4f)" % (_escape(e.prediction.label),
                                                                          e.prediction.probabilities[e.prediction.index])]
    if "steps" in e.extras:
        context.append("%s steps, completeness gap %s" % (e.extras["steps"], _sig3(e.extras.get("gap"))))
    return ('<div class="explaind-explanation"><div style="font-size:1.2em;line-height:2">%s</div>'
            '<div style="color:#555;font-size:.85em">%s</div>%s</div>'
            % ("".join(pieces), " · ".join(context), _legend(e.target, diverging)))


def comparison_html(c: Comparison) -> str:
    """A tokens x methods heat map (each method's column on its own scale), then Spearman's rho between methods."""
    shown = [i for i, t in enumerate(c.tokens) if not t.special]
    header = "".join("<th>%s</th>" % _escape(m.method) for m in c.methods)
    rows = []
    for i in shown:
        cells = []
        for m in c.methods:
            largest = max((abs(m.scores[j]) for j in shown), default=0.0) or 1.0
            diverging = m.signed or any(m.scores[j] < 0 for j in shown)
            colour = _shade(m.scores[i] / largest, diverging)
            cells.append('<td style="background:%s;color:%s;text-align:right">%s</td>'
                         % (colour, _text_colour(colour), _sig3(m.scores[i])))
        rows.append("<tr><th style=\"text-align:left\">%s</th>%s</tr>" % (_escape(c.tokens[i].text), "".join(cells)))
    names = [m.method for m in c.methods]
    matrix = "".join("<tr><th>%s</th>%s</tr>" % (_escape(a), "".join(
        '<td style="background:%s;text-align:right">%s</td>' % (_shade(c.spearman(a, b), True), _sig3(c.spearman(a, b)))
        for b in names)) for a in names)
    return ('<div class="explaind-comparison"><p>target <b>%s</b> · %s</p>'
            '<table><tr><th>token</th>%s</tr>%s</table>'
            "<p>Spearman's &rho; between methods</p><table><tr><th></th>%s</tr>%s</table></div>"
            % (_escape(c.target), _escape(c.summary), header, "".join(rows), header, matrix))


# ----- the client -----

class PendingRequest:
    """A request in flight: wait for it with result(), stop it with cancel()."""

    def __init__(self, client: "ExplaindClient", request_id: int, method: str, convert: Callable[[Any], Any]):
        self.client, self.id, self.method, self._convert = client, request_id, method, convert
        self._done = threading.Event()
        self._result: Any = None
        self._error: Optional[ExplaindError] = None

    def _resolve(self, message: Dict[str, Any]) -> None:
        if "error" in message:
            self._error = _error_from(message["error"])
        else:
            self._result = message.get("result")
        self._done.set()

    def _fail(self, error: ExplaindError) -> None:
        self._error = error
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def cancel(self) -> None:
        self.client.cancel(self)

    def result(self, timeout: Optional[float] = None) -> Any:
        if not self._done.wait(timeout):
            raise TimeoutError(f"{self.method} (id {self.id}) did not answer within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._convert(self._result)


Texts = Union[str, Sequence[str]]


class ExplaindClient:
    """One explaind process, initialized on construction and shut down by close() (or `with`)."""

    def __init__(self, command: Sequence[str], client_name: str = "explaind-python",
                 on_progress: Optional[Callable[[Any, Dict[str, Any]], None]] = None,
                 stderr=None, timeout: float = 60.0):
        self.timeout = timeout
        self.on_progress = on_progress
        self._process = subprocess.Popen(list(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=stderr, bufsize=0)
        self._ids = itertools.count(1)
        self._pending: Dict[int, PendingRequest] = {}
        self._lock = threading.Lock()        # guards _pending
        self._write_lock = threading.Lock()  # one frame at a time on stdin
        self._reader = threading.Thread(target=self._read_loop, name="explaind-reader", daemon=True)
        self._reader.start()
        self.info = self.request("initialize", {"clientInfo": {"name": client_name},
                                                "positionEncodings": ["utf-32"]})
        if self.info.get("positionEncoding") != "utf-32":
            raise ExplaindError(INTERNAL_ERROR, f"daemon chose {self.info.get('positionEncoding')}, not utf-32")
        self.notify("initialized", {})

    # -- transport --

    def _send(self, message: Dict[str, Any]) -> None:
        frame = encode_frame(dict(message, jsonrpc="2.0"))
        try:
            with self._write_lock:
                self._process.stdin.write(frame)
                self._process.stdin.flush()
        except (OSError, ValueError) as e:  # broken pipe, or stdin already closed
            raise DaemonExited(INTERNAL_ERROR, f"cannot write to explaind: {e}") from None

    def _read_loop(self) -> None:
        stream = self._process.stdout
        try:
            while True:
                message = read_frame(stream)
                if message is None:
                    break
                self._dispatch(message)
        except (ValueError, OSError, ExplaindError):
            pass
        exited = DaemonExited(INTERNAL_ERROR, "explaind exited before answering")
        with self._lock:
            pending, self._pending = list(self._pending.values()), {}
        for request in pending:
            request._fail(exited)

    def _dispatch(self, message: Any) -> None:
        for m in message if isinstance(message, list) else [message]:
            if "id" in m and ("result" in m or "error" in m):
                with self._lock:
                    request = self._pending.pop(m["id"], None)
                if request is not None:
                    request._resolve(m)
            elif m.get("method") == "$/progress" and self.on_progress is not None:
                try:
                    self.on_progress(m["params"]["token"], m["params"]["value"])
                except Exception:  # a broken callback must not stop the replies
                    traceback.print_exc()

    # -- JSON-RPC --

    def start(self, method: str, params: Optional[Dict[str, Any]] = None,
              convert: Callable[[Any], Any] = lambda r: r) -> PendingRequest:
        """Sends a request and returns at once."""
        request = PendingRequest(self, next(self._ids), method, convert)
        with self._lock:
            self._pending[request.id] = request
        message = {"id": request.id, "method": method}
        if params is not None:
            message["params"] = params
        try:
            self._send(message)
        except DaemonExited:
            with self._lock:
                self._pending.pop(request.id, None)
            raise
        return request

    def request(self, method: str, params: Optional[Dict[str, Any]] = None,
                convert: Callable[[Any], Any] = lambda r: r) -> Any:
        return self.start(method, params, convert).result(self.timeout)

    def notify(self, method: str, params: Optional[Dict[str, Any]] = None) -> None:
        self._send({"method": method, "params": params or {}})

    def cancel(self, request: Union[PendingRequest, int]) -> None:
        """Asks the daemon to stop a request; it then fails with RequestCancelled."""
        request_id = request.id if isinstance(request, PendingRequest) else request
        self.notify("$/cancelRequest", {"id": request_id})

    # -- typed methods --

    @property
    def labels(self) -> List[str]:
        return next(m["labels"] for m in self.info["models"] if m["default"])

    @property
    def attribution_methods(self) -> List[str]:
        return [m["name"] for m in self.info["capabilities"]["attributionMethods"]]

    def is_signed(self, method: str) -> Optional[bool]:
        """Whether a method's scores carry a sign, from the daemon's method list (None if it is not listed)."""
        return next((bool(m.get("signed")) for m in self.info["capabilities"]["attributionMethods"]
                     if m["name"] == method), None)

    def tokenize(self, text: str, model: Optional[str] = None) -> Tokenization:
        return self.request("tokenize", _params(text=text, model=model), Tokenization.from_json)

    def predict(self, texts: Texts, model: Optional[str] = None) -> Union[Prediction, List[Prediction]]:
        """One Prediction for a string, a list of them for a list of strings."""
        if isinstance(texts, str):
            return self.request("predict", _params(text=texts, model=model), Prediction.from_json)
        return self.request("predict", _params(texts=list(texts), model=model),
                            lambda r: [Prediction.from_json(p) for p in r])

    def explain_params(self, texts: Texts, method: Optional[str] = None, target: Union[str, int, None] = None,
                       foil: Union[str, int, None] = None, normalize: Optional[str] = None,
                       granularity: Optional[str] = None, options: Optional[Dict[str, Any]] = None,
                       model: Optional[str] = None, progress_token: Union[str, int, None] = None,
                       output: Optional[str] = None, normalize_special_tokens: Optional[bool] = None) -> Dict[str, Any]:
        params = _params(method=method, target=target, foil=foil, normalize=normalize, granularity=granularity,
                         options=options, model=model, workDoneToken=progress_token, output=output,
                         normalizeSpecialTokens=normalize_special_tokens)
        params["text" if isinstance(texts, str) else "texts"] = texts if isinstance(texts, str) else list(texts)
        return params

    def start_explain(self, texts: Texts, **kwargs) -> PendingRequest:
        """explain without waiting: the PendingRequest's result() is an Explanation or a list of them."""
        single = isinstance(texts, str)
        typed = lambda r: Explanation.from_json(r, self.is_signed(r["method"]))  # noqa: E731
        return self.start("explain", self.explain_params(texts, **kwargs),
                          typed if single else lambda r: [typed(e) for e in r["explanations"]])

    def explain(self, texts: Texts, **kwargs) -> Union[Explanation, List[Explanation]]:
        return self.start_explain(texts, **kwargs).result(self.timeout)

    def compare_methods(self, text: str, methods: Optional[List[str]] = None, target: Union[str, int, None] = None,
                        options: Optional[Dict[str, Any]] = None, model: Optional[str] = None) -> Comparison:
        """Every method on the same tokens with agreement and faithfulness figures (`.raw` is the reply)."""
        try:
            return self.request("compareMethods", _params(text=text, methods=methods, target=target,
                                                          options=options, model=model), Comparison.from_json)
        except MethodNotFound as e:
            raise MethodNotFound(e.code, "this explaind has no compareMethods (method not found); "
                                         "update explaind", e.data) from None

    def models(self) -> List[Dict[str, Any]]:
        return self.request("models/list", {})["models"]

    def load_model(self, path: str, model_id: Optional[str] = None) -> Dict[str, Any]:
        return self.request("models/load", _params(path=path, id=model_id))

    # -- lifecycle --

    def close(self, timeout: float = 10.0) -> int:
        """shutdown, exit, then wait: returns the daemon's exit code (0 after a clean shutdown)."""
        if self._process.poll() is None:
            try:
                self.request("shutdown")
                self.notify("exit")
                self._process.stdin.close()
            except (OSError, ExplaindError):
                pass
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            return self._process.wait()

    def __enter__(self) -> "ExplaindClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _params(**fields: Any) -> Dict[str, Any]:
    """The given fields without the ones left at None (the daemon's defaults apply)."""
    return {k: v for k, v in fields.items() if v is not None}
