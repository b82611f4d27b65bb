"""The benchmark workload of explaind-bench in PyTorch + Captum on CPU, for the ratios in the README.

    python3 Scripts/reference/bench_pytorch.py MODEL_DIR [--json] [--repeat N] [--threads N]
                                               [--methods a,b] [--no-cold-start] [--sentences N]
                                               [--length-texts FILE]

For each method, the five reference sentences one call each and all five as one padded batch: a warm-up
call, then the median, min, max and quartiles over N repeats (the single-sentence figures are per sentence:
the five calls' time divided by five), in wall time and in the process's CPU time. Every call tokenizes, predicts and explains, as a user's call does.
Then, per method, a fresh Python process (interpreter start, imports, model load, first explanation) is timed
from outside, with its peak resident set size from wait4.

The methods are written as the reference workflow and the usual libraries write them:
- gradientNorm: ‖∂f/∂inputs_embeds‖ per token, one forward and backward.
- gradientXInput: ⟨∂f/∂inputs_embeds, inputs_embeds⟩.
- vanillaGradient: the reference workflow's one-hot form: a (T × V) one-hot tensor requiring grad,
  inputs_embeds = one_hot @ E, backward, the gradient's L2 norm over the vocabulary.
- integratedGradients: Captum LayerIntegratedGradients on the word-embedding layer, 50 steps,
  gausslegendre, internal_batch_size 50, [PAD] baseline on non-special tokens, convergence delta.
- smoothGrad: 20 noisy copies of inputs_embeds (stdev 0.15 × range) in one batch, mean gradient norm.
- occlusion: every non-special token replaced by [MASK], all copies in one batched forward, drop in the
  target's softmax probability.
- lime: Captum Lime on the input ids, one text per call (Captum explains one example at a time), 500
  samples, 64 perturbations per forward, [MASK] for a removed token (a special token's baseline is itself, so
  it never changes), kernel exp(−D²/(2·0.25²)) on the cosine distance of the interpretable masks, scikit-learn
  Ridge(alpha=1) as the interpretable model — explaind's lime defaults.
- kernelShap: Captum KernelShap, one text per call, n_samples 500, 64 perturbations per forward, [MASK]
  baseline (specials as for lime); explaind runs with exactUpTo 0 so it samples 500 coalitions too.
- attentionRollout: Abnar & Zuidema from output_attentions (eager attention): head mean + I, rows
  renormalised, product over layers, the first token's row; the padded batch in one forward.
- attentionGradient: Chefer et al. 2021: attentions from output_attentions with retain_grad, one backward of
  the predicted logits, per layer R += mean_h(clamp(∂f/∂A ⊙ A, 0)) @ R, R[:, 0] without the first token.
--length-texts (a JSON list of texts): gradientNorm on each text alone, timed like the single calls above.
The model runs in float32, eval mode, with torch.set_num_threads(--threads) (default 2).
"""

import argparse
import json
import os
import subprocess
import sys
import time

START = time.perf_counter()
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

METHODS = ["gradientNorm", "vanillaGradient", "gradientXInput", "integratedGradients", "smoothGrad", "occlusion",
           "lime", "kernelShap", "attentionRollout", "attentionGradient"]


SENTENCE_COUNT = [5]
TOKENS = [None]


def sentences(tokenizer=None):
    """The first N reference sentences, or with --tokens one text cut as explaind-bench cuts it
    (ReferenceSentences.text): the sentences repeated, the longest prefix of words within the tokens."""
    from reference_common import TEXTS

    if TOKENS[0] is None or tokenizer is None:
        return TEXTS[:SENTENCE_COUNT[0]]
    words = " ".join(TEXTS[:5]).split(" ")

    def prefix(k):
        return " ".join(words[i % len(words)] for i in range(k))

    def count(k):
        return len(tokenizer(prefix(k))["input_ids"])

    low, high = 1, 1
    while count(high) <= TOKENS[0]:
        low, high = high, high * 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if count(middle) <= TOKENS[0] else (low, middle)
    return [prefix(low)]


class Workload:
    """The model, its tokenizer, and one function per method taking a list of texts."""

    def __init__(self, directory, threads):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        torch.set_num_threads(threads)
        self.torch = torch
        self.directory = directory
        self.model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32).eval()
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)   # input gradients only, as an explainer needs
        self.tokenizer = AutoTokenizer.from_pretrained(directory)
        self.embedding = self.model.get_input_embeddings()

    def encode(self, texts):
        encoded = self.tokenizer(texts, return_tensors="pt", padding=True)
        special = [self.tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True)
                   for ids in encoded["input_ids"].tolist()]
        return encoded, self.torch.tensor(special, dtype=self.torch.bool)

    def logits(self, encoded, **inputs):
        extra = {"token_type_ids": encoded["token_type_ids"]} if "token_type_ids" in encoded else {}
        return self.model(attention_mask=encoded["attention_mask"], **extra, **inputs).logits

    def gradient(self, texts):
        encoded, _ = self.encode(texts)
        embeds = self.embedding(encoded["input_ids"]).detach().requires_grad_(True)
        logits = self.logits(encoded, inputs_embeds=embeds)
        target = logits.argmax(-1)
        logits.gather(1, target[:, None]).sum().backward()
        return encoded, embeds, embeds.grad

    def gradientNorm(self, texts):
        encoded, _, grad = self.gradient(texts)
        return normalized(grad.norm(dim=-1) * encoded["attention_mask"])

    def gradientXInput(self, texts):
        encoded, embeds, grad = self.gradient(texts)
        return normalized((grad * embeds).sum(-1) * encoded["attention_mask"])

    def vanillaGradient(self, texts):
        torch = self.torch
        encoded, _ = self.encode(texts)
        one_hot = torch.nn.functional.one_hot(encoded["input_ids"], self.embedding.weight.shape[0]).float()
        one_hot.requires_grad_(True)
        logits = self.logits(encoded, inputs_embeds=one_hot @ self.embedding.weight)
        target = logits.argmax(-1)
        logits.gather(1, target[:, None]).sum().backward()
        return normalized(one_hot.grad.norm(dim=-1) * encoded["attention_mask"])

    def integratedGradients(self, texts):
        from captum.attr import LayerIntegratedGradients

        torch = self.torch
        encoded, special = self.encode(texts)
        ids = encoded["input_ids"]
        with torch.no_grad():
            target = self.logits(encoded, input_ids=ids).argmax(-1)
        baseline = torch.where(special | (encoded["attention_mask"] == 0), ids, self.tokenizer.pad_token_id)

        def forward(input_ids, attention_mask, token_type_ids):
            extra = {} if token_type_ids is None else {"token_type_ids": token_type_ids}
            return self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).logits

        method = LayerIntegratedGradients(forward, self.embedding)
        attributions, delta = method.attribute(
            ids, baselines=baseline, target=target,
            additional_forward_args=(encoded["attention_mask"], encoded.get("token_type_ids")),
            n_steps=50, method="gausslegendre", internal_batch_size=50, return_convergence_delta=True)
        return normalized(attributions.sum(-1)), delta

    def smoothGrad(self, texts, samples=20, noise=0.15):
        torch = self.torch
        encoded, _ = self.encode(texts)
        ids, mask = encoded["input_ids"], encoded["attention_mask"]
        with torch.no_grad():
            target = self.logits(encoded, input_ids=ids).argmax(-1)
            embeds = self.embedding(ids)
            spread = (embeds.amax(dim=(1, 2)) - embeds.amin(dim=(1, 2))) * noise
            noisy = embeds.repeat_interleave(samples, 0)
            noisy = noisy + torch.randn_like(noisy) * spread.repeat_interleave(samples)[:, None, None]
        noisy.requires_grad_(True)
        repeated = {k: v.repeat_interleave(samples, 0) for k, v in encoded.items()}
        logits = self.logits(repeated, inputs_embeds=noisy)
        logits.gather(1, target.repeat_interleave(samples)[:, None]).sum().backward()
        norms = noisy.grad.norm(dim=-1).view(len(texts), samples, -1).mean(1)
        return normalized(norms * mask)

    def occlusion(self, texts):
        torch = self.torch
        encoded, special = self.encode(texts)
        ids, mask = encoded["input_ids"], encoded["attention_mask"]
        copies, owners, positions = [], [], []
        for s in range(ids.shape[0]):
            for t in range(ids.shape[1]):
                if mask[s, t] and not special[s, t]:
                    copy = ids[s].clone()
                    copy[t] = self.tokenizer.mask_token_id
                    copies.append(copy)
                    owners.append(s)
                    positions.append(t)
        owners_t = torch.tensor(owners)
        with torch.no_grad():
            probabilities = self.logits(encoded, input_ids=ids).softmax(-1)
            target = probabilities.argmax(-1)
            occluded_inputs = {k: v[owners_t] for k, v in encoded.items()}
            occluded = self.logits(occluded_inputs, input_ids=torch.stack(copies)).softmax(-1)
        scores = torch.zeros(ids.shape)
        drop = probabilities[owners_t, target[owners_t]] - occluded[torch.arange(len(owners)), target[owners_t]]
        scores[owners_t, torch.tensor(positions)] = drop
        return normalized(scores)


    def perturbation_inputs(self, text):
        """One text's ids, a baseline that masks every non-special token, a feature per token, the target."""
        torch = self.torch
        encoded, special = self.encode([text])
        ids = encoded["input_ids"]
        with torch.no_grad():
            target = self.logits(encoded, input_ids=ids).argmax(-1)
        baseline = torch.where(special, ids, self.tokenizer.mask_token_id)
        feature_mask = torch.arange(ids.shape[1])[None]
        extra = encoded.get("token_type_ids")

        def forward(input_ids):
            inputs = {} if extra is None else {"token_type_ids": extra.expand(input_ids.shape[0], -1)}
            return self.model(input_ids=input_ids, **inputs).logits

        return ids, baseline, feature_mask, target, forward

    def lime(self, texts, samples=500, width=0.25):
        from captum._utils.models.linear_model import SkLearnRidge
        from captum.attr import Lime

        torch = self.torch

        def similarity(original, perturbed, interpretable, **kwargs):
            z = interpretable.float().flatten()
            distance = 1 - torch.nn.functional.cosine_similarity(z, torch.ones_like(z), dim=0)
            return torch.exp(-distance ** 2 / (2 * width ** 2))

        results = []
        for text in texts:
            ids, baseline, feature_mask, target, forward = self.perturbation_inputs(text)
            lime = Lime(forward, interpretable_model=SkLearnRidge(alpha=1.0), similarity_func=similarity)
            results.append(normalized(lime.attribute(ids, baselines=baseline, target=target, feature_mask=feature_mask,
                                                     n_samples=samples, perturbations_per_eval=64)))
        return results

    def kernelShap(self, texts, samples=500):
        from captum.attr import KernelShap

        results = []
        for text in texts:
            ids, baseline, feature_mask, target, forward = self.perturbation_inputs(text)
            shap = KernelShap(forward)
            results.append(normalized(shap.attribute(ids, baselines=baseline, target=target, feature_mask=feature_mask,
                                                     n_samples=samples, perturbations_per_eval=64)))
        return results

    def eager_model(self):
        """The same checkpoint with eager attention, which returns the attention probabilities."""
        if not hasattr(self, "_eager"):
            from transformers import AutoModelForSequenceClassification

            self._eager = AutoModelForSequenceClassification.from_pretrained(
                self.directory, dtype=self.torch.float32, attn_implementation="eager").eval()
            for parameter in self._eager.parameters():
                parameter.requires_grad_(False)
        return self._eager

    def attentions(self, texts, gradients):
        torch = self.torch
        model = self.eager_model()
        encoded, _ = self.encode(texts)
        extra = {"token_type_ids": encoded["token_type_ids"]} if "token_type_ids" in encoded else {}
        embeds = model.get_input_embeddings()(encoded["input_ids"]).detach().requires_grad_(gradients)
        with torch.set_grad_enabled(gradients):
            out = model(inputs_embeds=embeds, attention_mask=encoded["attention_mask"], output_attentions=True, **extra)
            if gradients:
                for attention in out.attentions:
                    attention.retain_grad()
                out.logits.gather(1, out.logits.argmax(-1)[:, None]).sum().backward()
        return encoded, out.attentions

    def attentionRollout(self, texts):
        torch = self.torch
        encoded, attentions = self.attentions(texts, gradients=False)
        t = attentions[0].shape[-1]
        eye = torch.eye(t)
        result = eye.expand(len(texts), t, t)
        for a in attentions:
            mean = a.mean(dim=1) + eye
            result = (mean / mean.sum(dim=-1, keepdim=True)) @ result
        return normalized(result[:, 0] * encoded["attention_mask"])

    def attentionGradient(self, texts):
        torch = self.torch
        encoded, attentions = self.attentions(texts, gradients=True)
        t = attentions[0].shape[-1]
        relevance = torch.eye(t).expand(len(texts), t, t)
        for a in attentions:
            cam = (a.grad * a).clamp(min=0).mean(dim=1)
            relevance = relevance + cam @ relevance
        scores = relevance[:, 0].clone()
        scores[:, 0] = 0
        return normalized(scores * encoded["attention_mask"])


def normalized(scores):
    """The reference workflow's display scaling: divide by the largest absolute score per text."""
    return scores / scores.abs().amax(dim=-1, keepdim=True).clamp_min(1e-30)


def summary(values):
    import numpy as np

    values = np.asarray(values, dtype=np.float64)
    return {"samples": int(values.size), "median": float(np.median(values)), "min": float(values.min()),
            "max": float(values.max()), "q1": float(np.percentile(values, 25)), "q3": float(np.percentile(values, 75))}


def time_method(workload, name, repeats):
    texts = sentences(workload.tokenizer)
    explain = getattr(workload, name)
    for text in texts:
        explain([text])
    explain(texts)
    singles, batches, single_cpu, batch_cpu = [], [], [], []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            explain([text])
        singles.append((time.perf_counter() - start) / len(texts))
        single_cpu.append((time.process_time() - cpu) / len(texts))
        start, cpu = time.perf_counter(), time.process_time()
        explain(texts)
        batches.append(time.perf_counter() - start)
        batch_cpu.append(time.process_time() - cpu)
    return {"single": {"seconds": summary(singles), "cpuSeconds": summary(single_cpu)},
            "batch": {"seconds": summary(batches), "cpuSeconds": summary(batch_cpu)}}


def length_sweep(workload, texts, repeats):
    points = []
    for text in texts:
        workload.gradientNorm([text])
        times, cpu_times = [], []
        for _ in range(repeats):
            start, cpu = time.perf_counter(), time.process_time()
            workload.gradientNorm([text])
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu)
        tokens = len(workload.tokenizer(text)["input_ids"])
        points.append({"tokens": tokens, "seconds": summary(times), "cpuSeconds": summary(cpu_times)})
        print(f"length sweep: {tokens} tokens, gradientNorm {points[-1]['seconds']['median'] * 1e3:.2f} ms, "
              f"CPU {points[-1]['cpuSeconds']['median'] * 1e3:.2f} ms", file=sys.stderr)
    return points


def cold_start(directory, name, threads):
    """A fresh interpreter imports, loads and explains the first sentence; wall time and peak RSS from outside."""
    command = [sys.executable, os.path.abspath(__file__), directory, "--cold-child", name, "--threads", str(threads)]
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    output, errors = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"cold-start child for {name} failed: {errors.decode()[-2000:]}")
    report = json.loads(output)
    # The child's own VmHWM: ru_maxrss would also count this parent's memory (vfork before exec).
    report.update(wallSeconds=wall, peakRSSBytes=report.pop("highWaterRSSBytes", usage.ru_maxrss * 1024))
    return report


def cold_child(directory, name, threads):
    workload = Workload(directory, threads)
    loaded = time.perf_counter()
    getattr(workload, name)([sentences()[0]])
    done = time.perf_counter()
    # loadSeconds: from the script's first line (after interpreter start) through imports and model load.
    with open("/proc/self/status", encoding="ascii") as status:
        high_water = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"loadSeconds": loaded - START, "explainSeconds": done - loaded, "highWaterRSSBytes": high_water}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a HuggingFace classifier directory")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--no-cold-start", action="store_true")
    parser.add_argument("--sentences", type=int, default=5, choices=range(1, 6), metavar="N",
                        help="only the first N reference sentences")
    parser.add_argument("--tokens", type=int, help="one text of at most N tokens instead of the sentences")
    parser.add_argument("--length-texts", help="a JSON list of texts for the gradientNorm length sweep")
    parser.add_argument("--cold-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"unknown method(s) {', '.join(unknown)} (known: {', '.join(METHODS)})")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    SENTENCE_COUNT[0] = args.sentences
    TOKENS[0] = args.tokens
    if args.cold_child:
        cold_child(args.model, args.cold_child, args.threads)
        return

    import captum
    import torch
    import transformers

    torch.manual_seed(0)
    workload = Workload(args.model, args.threads)
    report = {"torch": torch.__version__, "captum": captum.__version__, "transformers": transformers.__version__,
              "threads": torch.get_num_threads(), "repeats": args.repeat, "methods": {}}
    for name in methods:
        result = time_method(workload, name, args.repeat)
        if not args.no_cold_start:
            result["coldStart"] = cold_start(args.model, name, args.threads)
        report["methods"][name] = result
        cold = result.get("coldStart")
        print(f"{name}: {result['single']['seconds']['median'] * 1e3:.2f} ms per sentence, batch of 5 "
              f"{result['batch']['seconds']['median'] * 1e3:.2f} ms"
              + (f", cold start {cold['wallSeconds']:.2f} s, peak RSS {cold['peakRSSBytes'] / 1e6:.0f} MB" if cold else ""),
              file=sys.stderr)
    if args.length_texts:
        with open(args.length_texts, encoding="utf-8") as file:
            report["lengthSweep"] = length_sweep(workload, json.load(file), args.repeat)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        for name, result in report["methods"].items():
            print(name, json.dumps(result))


if __name__ == "__main__":
    main()
