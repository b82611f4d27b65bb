"""The Python client against a real explaind process.

    EXPLAIND=.build/debug/explaind python3 -m unittest discover -s Clients/python -v

EXPLAIND is the daemon (default: `swift build --show-bin-path`/explaind), EXPLAIND_MODEL the model directory
(default: the DistilBERT test fixture). A missing daemon is a failure, not a skip.
"""
from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from explaind_client import (Agreement, Comparison, ExplaindClient, ExplaindError, Faithfulness,  # noqa: E402
                             MethodNotFound, RequestCancelled, encode_frame, read_frame, INVALID_PARAMS, _shade)


def daemon_path() -> str:
    path = os.environ.get("EXPLAIND")
    if not path:
        bin_dir = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, capture_output=True,
                                 text=True, check=True).stdout.strip()
        path = os.path.join(bin_dir, "explaind")
    if not os.access(path, os.X_OK):
        raise AssertionError(f"explaind not found at {path}: build it (swift build) or set EXPLAIND")
    return path


MODEL = os.environ.get("EXPLAIND_MODEL", os.path.join(ROOT, "Tests", "Fixtures", "models", "distilbert-3labels-bf16"))
COMMAND = None


def command():
    global COMMAND
    if COMMAND is None:
        COMMAND = [daemon_path(), "--model", MODEL]
    return COMMAND


def folded(s: str) -> str:
    """What an uncased BERT tokenizer makes of a word: lower case, accents stripped."""
    return "".join(c for c in unicodedata.normalize("NFD", s.lower()) if unicodedata.category(c) != "Mn")


class FramingTests(unittest.TestCase):
    def test_length_counts_utf8_bytes_and_frames_read_back(self):
        frame = encode_frame({"text": "Café"})
        self.assertTrue(frame.startswith(b"Content-Length: 16\r\n\r\n"), frame)
        stream = io.BytesIO(frame + b"Content-Type: x\r\nContent-Length: 2\r\n\r\n{}")
        self.assertEqual(read_frame(stream), {"text": "Café"})
        self.assertEqual(read_frame(stream), {})
        self.assertIsNone(read_frame(stream))


class ClientTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.progress = []
        cls.client = ExplaindClient(command(), on_progress=lambda token, value: cls.progress.append((token, value)))

    @classmethod
    def tearDownClass(cls):
        code = cls.client.close()
        assert code == 0, f"explaind exited with {code} after shutdown/exit"

    def test_initialize_describes_server_and_model(self):
        info = self.client.info
        self.assertEqual(info["serverInfo"]["name"], "explaind")
        self.assertEqual(info["positionEncoding"], "utf-32")
        self.assertEqual(self.client.labels, ["political", "general", "other"])
        for method in ("tokenize", "predict", "explain"):
            self.assertIn(method, info["capabilities"]["methods"])
        for method in ("vanillaGradient", "integratedGradients"):
            self.assertIn(method, self.client.attribution_methods)

    def test_tokenize_offsets_are_python_string_indices(self):
        text = "Café owners voted: naïve explaind reforms"
        result = self.client.tokenize(text)
        self.assertEqual([t.special for t in (result.tokens[0], result.tokens[-1])], [True, True])
        self.assertIsNone(result.tokens[0].start)
        pieces = [t for t in result.tokens if not t.special]
        self.assertEqual((pieces[0].text, pieces[0].start, pieces[0].end), ("cafe", 0, 4))
        for t in pieces:
            self.assertEqual(folded(text[t.start:t.end]), t.text.removeprefix("##"), t)
        for w in result.words:
            self.assertEqual(text[w.start:w.end], w.text)
            self.assertEqual([result.tokens[i].word for i in w.tokens], [result.words.index(w)] * len(w.tokens))
        self.assertEqual([w.text for w in result.words],
                         ["Café", "owners", "voted", ":", "naïve", "explaind", "reforms"])
        self.assertFalse(result.truncated)

    def test_predict_probabilities_follow_logits(self):
        p = self.client.predict("The senate passed the budget")
        self.assertAlmostEqual(sum(p.probabilities), 1.0, places=5)
        exps = [math.exp(x) for x in p.logits]
        for prob, e in zip(p.probabilities, exps):
            self.assertAlmostEqual(prob, e / sum(exps), places=5)
        self.assertEqual(p.index, max(range(3), key=lambda i: p.logits[i]))
        self.assertEqual(p.label, self.client.labels[p.index])
        several = self.client.predict(["a cup of tea", "The senate passed the budget"])
        self.assertEqual(len(several), 2)
        for batched, alone in zip(several[1].logits, p.logits):  # a padded batch: equal up to rounding
            self.assertAlmostEqual(batched, alone, places=4)

    def test_explain_scores_every_token_of_the_text(self):
        text = "Café owners voted against the reform"
        e = self.client.explain(text, method="vanillaGradient")
        self.assertEqual((e.text, e.method), (text, "vanillaGradient"))
        self.assertEqual([(t.text, t.start, t.end) for t in e.tokens],
                         [(t.text, t.start, t.end) for t in self.client.tokenize(text).tokens])
        scores = [t.score for t in e.tokens]
        self.assertTrue(all(isinstance(s, float) and math.isfinite(s) for s in scores), scores)
        # normalize max is the default, over the text's own tokens ([CLS] and [SEP] may score beyond 1)
        self.assertAlmostEqual(max(abs(t.score) for t in e.tokens if not t.special), 1.0, places=5)
        with_specials = self.client.explain(text, method="vanillaGradient", normalize_special_tokens=True)
        self.assertAlmostEqual(max(abs(t.score) for t in with_specials.tokens), 1.0, places=5)
        self.assertEqual(e.prediction, self.client.predict(text))
        self.assertEqual(e.target, e.prediction.label)
        self.assertGreaterEqual(e.elapsed_ms, 0)

    def test_explain_a_batch_and_a_chosen_target(self):
        texts = ["a cup of tea", "The senate passed the budget", "rain tomorrow"]
        es = self.client.explain(texts, method="gradientXInput", target="other")
        self.assertEqual([e.text for e in es], texts)
        self.assertEqual({e.target for e in es}, {"other"})

    def test_bad_params_are_typed_errors_and_the_daemon_keeps_serving(self):
        with self.assertRaises(ExplaindError) as caught:
            self.client.explain("some text", target="no-such-label")
        self.assertEqual(caught.exception.code, INVALID_PARAMS)
        with self.assertRaises(ExplaindError) as caught:
            self.client.explain("some text", method="noSuchMethod")
        self.assertEqual(caught.exception.code, INVALID_PARAMS)
        with self.assertRaises(MethodNotFound):
            self.client.request("noSuchRequest", {})
        self.assertEqual(self.client.tokenize("still here").tokens[1].text, "still")

    def test_cancel_a_long_integrated_gradients_request(self):
        text = "the parliament debated the national budget for many long hours " * 4  # ~6 s in a debug build
        self.progress.clear()
        pending = self.client.start_explain(text, method="integratedGradients",
                                            options={"steps": 1024, "batchSize": 1}, progress_token="ig-cancel")
        deadline = time.monotonic() + 10
        while not any(token == "ig-cancel" and value["kind"] == "report" for token, value in list(self.progress)):
            self.assertFalse(pending.done(), "integrated gradients finished before it could be cancelled")
            self.assertLess(time.monotonic(), deadline, "no progress report from a running integratedGradients")
            time.sleep(0.01)
        started = time.monotonic()
        pending.cancel()
        with self.assertRaises(RequestCancelled) as caught:
            pending.result(timeout=10)
        self.assertEqual(caught.exception.code, -32800)
        self.assertLess(time.monotonic() - started, 5, "cancellation took too long")
        self.assertEqual(self.client.predict("after the cancel").label in self.client.labels, True)

    def test_requests_from_several_threads_get_their_own_replies(self):
        texts = [f"text number {i}" for i in range(12)]
        results = {}

        def work(t):
            results[t] = self.client.tokenize(t).words[2].text

        threads = [threading.Thread(target=work, args=(t,)) for t in texts]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(results, {t: t.split()[2] for t in texts})

    def test_compare_methods_or_a_clear_method_not_found(self):
        text = "The senate passed the budget"
        if "compareMethods" not in self.client.info["capabilities"]["methods"]:
            with self.assertRaises(MethodNotFound) as caught:
                self.client.compare_methods(text)
            self.assertIn("no compareMethods", str(caught.exception))
            return
        methods = ["vanillaGradient", "gradientXInput"]
        result = self.client.compare_methods(text, methods=methods)
        self.assertIsInstance(result, Comparison)
        self.assertEqual([m.method for m in result.methods], methods)
        self.assertEqual(set(result.ranking), set(methods))
        self.assertTrue(result.summary)
        explained = {m: [t.score for t in self.client.explain(text, method=m).tokens] for m in methods}
        self.assertEqual([t.text for t in result.tokens], [t.text for t in self.client.tokenize(text).tokens])
        for run in result.methods:  # the same scores as explain gives on its own
            self.assertEqual(len(run.scores), len(result.tokens))
            for compared, alone in zip(run.scores, explained[run.method]):
                self.assertAlmostEqual(compared, alone, places=4)
        # typed sections, field by field against the raw reply
        raw = result.raw
        self.assertEqual(result.target, raw["target"]["label"])
        pair = result.agreement[0]
        self.assertIsInstance(pair, Agreement)
        self.assertEqual((pair.a, pair.b, pair.spearman, pair.kendall),
                         (raw["agreement"][0]["a"], raw["agreement"][0]["b"], raw["agreement"][0]["spearman"],
                          raw["agreement"][0]["kendall"]))
        self.assertEqual(result.spearman(methods[1], methods[0]), raw["agreement"][0]["spearman"])
        self.assertEqual(result.spearman(methods[0], methods[0]), 1.0)
        for f, r in zip(result.faithfulness, raw["faithfulness"]):
            self.assertIsInstance(f, Faithfulness)
            self.assertEqual((f.method, f.comprehensiveness, f.sufficiency, f.deletion_curve),
                             (r["method"], r["comprehensiveness"], r["sufficiency"], r["deletionCurve"]))
        # the inline view: one heat-map row per non-special token, one column per method, then the rho matrix
        page = result._repr_html_()
        self.assertEqual(page.count("<tr><th style=\"text-align:left\">"), sum(not t.special for t in result.tokens))
        for m in result.methods:
            self.assertIn("<th>%s</th>" % m.method, page)
        self.assertIn("Spearman", page)

    def test_explanation_html_and_context(self):
        e = self.client.explain("The senate passed the budget", method="integratedGradients", options={"steps": 16})
        self.assertEqual(e.output, "logit")
        self.assertEqual(e.extras["steps"], 16)
        self.assertTrue(e.signed)
        page = e._repr_html_()
        shown = [t for t in e.tokens if not t.special]
        self.assertEqual(page.count('class="tok"'), len(shown))
        largest = max(abs(t.score) for t in shown)
        for t in shown:  # each token's colour is its score on the same scale as the others
            self.assertIn('title="%s: %s" style="background:%s;' % (t.text, "%.3g" % t.score,
                                                                    _shade(t.score / largest, True)), page)
        self.assertIn("16 steps, completeness gap", page)
        self.assertIn("red: against", page)

    def test_to_pandas_or_a_clear_import_error(self):
        e = self.client.explain("The senate passed the budget")
        try:
            import pandas  # noqa: F401
        except ImportError:
            with self.assertRaises(ImportError) as caught:
                e.to_pandas()
            self.assertIn("pip install pandas", str(caught.exception))
            return
        frame = e.to_pandas()
        self.assertEqual(list(frame["text"]), [t.text for t in e.tokens])
        self.assertEqual(list(frame["score"]), [t.score for t in e.tokens])
        if "compareMethods" in self.client.info["capabilities"]["methods"]:
            c = self.client.compare_methods("The senate passed the budget", methods=["vanillaGradient", "occlusion"])
            table = c.to_pandas()
            self.assertEqual(list(table.columns), ["text", "special", "vanillaGradient", "occlusion"])
            self.assertEqual(list(table["occlusion"]), c.scores("occlusion"))


class ScriptTests(unittest.TestCase):
    def run_script(self, *args):
        return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120,
                              env=dict(os.environ, EXPLAIND=daemon_path()))

    def test_explain_lines_writes_json_lines_and_a_progress_bar(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write("The senate passed the budget\na cup of tea\n\nCafé prices rise\n")
        try:
            run = self.run_script(os.path.join(HERE, "explain_lines.py"), "--model", MODEL, "--batch", "2", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = [json.loads(line) for line in run.stdout.splitlines()]
        self.assertEqual([(r["line"], r["text"]) for r in rows],
                         [(1, "The senate passed the budget"), (2, "a cup of tea"), (4, "Café prices rise")])
        self.assertTrue(all(r["method"] == "vanillaGradient" and r["tokens"] for r in rows))
        self.assertIn("3/3 lines", run.stderr)

    def test_top_tokens_example_counts_one_token_per_line(self):
        lines = ["The senate passed the budget", "a cup of tea", "rain tomorrow", "vote for the party"]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        try:
            run = self.run_script(os.path.join(HERE, "examples", "top_tokens.py"), "--model", MODEL, "--json", f.name)
        finally:
            os.unlink(f.name)
        self.assertEqual(run.returncode, 0, run.stderr)
        table = json.loads(run.stdout)
        self.assertEqual(sum(v["lines"] for v in table.values()), len(lines))
        self.assertEqual(sum(n for v in table.values() for _, n in v["top"]), len(lines))
        words = {w.lower() for line in lines for w in line.split()}
        self.assertTrue(all(token.removeprefix("##") in " ".join(words) for v in table.values() for token, _ in v["top"]))


DEFAULT_MODEL = os.path.expanduser("~/.cache/explaind/political-general-minilm/config.json")


@unittest.skipUnless(os.path.exists(DEFAULT_MODEL), "the default model is not prepared (explaind setup)")
class ReadmeExampleTests(unittest.TestCase):
    """The README's Python blocks run as written, with `explaind` on the PATH and the default model."""

    def test_every_python_block_runs_and_prints_what_its_comments_say(self):
        with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
        self.assertGreaterEqual(len(blocks), 2)
        env = dict(os.environ, PATH=os.path.dirname(daemon_path()) + os.pathsep + os.environ.get("PATH", ""),
                   PYTHONPATH=HERE)
        for block in blocks:
            run = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True, timeout=300, env=env)
            if run.returncode != 0 and "needs pandas" in run.stderr:
                continue  # the pandas block, on a machine without pandas
            self.assertEqual(run.returncode, 0, "%s\n%s" % (block, run.stderr))
            # a print whose comment is a literal output: that line, exactly
            printed = run.stdout.splitlines()
            literal = [line.split("# ", 1)[1].strip() for line in block.splitlines()
                       if line.strip().startswith("print(") and "# " in line and "the " not in line.split("# ", 1)[1]]
            for expected in literal:
                self.assertIn(expected, printed, run.stdout)


if __name__ == "__main__":
    unittest.main()
