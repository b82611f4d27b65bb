"""The Ray job against `explaind corpus`: on a local Ray cluster of 2 CPUs (the node the job starts for itself), a few hundred texts (a long one
in windows, bad records, one with nothing to explain) give the same records and the same aggregate, byte for
byte, as the single-process run.

Ray comes from PyPI, installed by Clients/test; without it the test is skipped, except in CI (CI=true).
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_explaind_client import MODEL, ROOT, daemon_path  # noqa: E402

ray = importlib.util.find_spec("ray")  # imported by the job itself, in its own process


class RayJobTest(unittest.TestCase):
    def setUp(self):
        if ray is None:
            if os.environ.get("CI") == "true":
                self.fail("ray is not installed (Clients/test installs it)")
            self.skipTest("ray is not installed: python3 -m pip install 'ray[data]'")

    def test_same_records_and_aggregate_as_explaind_corpus(self):
        explaind = daemon_path()
        with open(os.path.join(ROOT, "Data", "political-general", "heldout.jsonl"), encoding="utf-8") as f:
            tweets = [json.loads(line) for line in f if line.strip()]
        lines = [json.dumps({"id": f"t{i}", "text": t["text"], "label": t["label"]}) for i, t in enumerate(tweets[:200])]
        long = " ".join(["the senate passed", "a budget after", "the football match"][i % 3] for i in range(60))
        lines[17:17] = ['{"text": 5}', '{not json', json.dumps({"id": "long", "text": long, "label": "political"}),
                        json.dumps({"id": "blank", "text": "\u0001"})]
        with tempfile.TemporaryDirectory() as work:
            source = os.path.join(work, "in.jsonl")
            with open(source, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            common = ["--in", source, "--model", MODEL, "--method", "gradientXInput", "--set", "normalize=l1",
                      "--batch", "8", "--min-count", "2", "--stride", "20"]
            local_out, local_agg = os.path.join(work, "local.jsonl"), os.path.join(work, "local.json")
            run = subprocess.run([explaind, "corpus", *common, "--out", local_out, "--aggregate", local_agg],
                                 capture_output=True, text=True, timeout=300)
            self.assertEqual(run.returncode, 0, run.stderr)

            # The job as a user runs it, on a node of 2 CPUs it starts for itself (explaind_ray.LocalCluster).
            ray_out, ray_agg = os.path.join(work, "ray.jsonl"), os.path.join(work, "ray.json")
            job = subprocess.run([sys.executable, os.path.join(HERE, "explaind_ray.py"), *common, "--out", ray_out,
                                  "--aggregate", ray_agg, "--actors", "2", "--shard", "4", "--explaind", explaind,
                                  "--object-store-memory", str(256 << 20)],
                                 capture_output=True, text=True, timeout=900)
            self.assertEqual(job.returncode, 0, job.stderr[-5000:])
            self.assertIn("201 records written", job.stderr)

            with open(local_out, "rb") as a, open(ray_out, "rb") as b:
                local_bytes, ray_bytes = a.read(), b.read()
            self.assertEqual(local_bytes.count(b"\n"), 201)  # 200 tweets and the long text; 3 bad records
            self.assertEqual(ray_bytes, local_bytes)
            records = [json.loads(line) for line in local_bytes.splitlines()]
            windowed = next(r for r in records if r["id"] == "long")
            self.assertGreater(len(windowed["windows"]), 1)
            with open(local_agg, "rb") as a, open(ray_agg, "rb") as b:
                self.assertEqual(b.read(), a.read())
            with open(local_agg, encoding="utf-8") as f:
                aggregate = json.load(f)
            self.assertEqual(aggregate["texts"], 201)


if __name__ == "__main__":
    unittest.main()
