#!/usr/bin/env python3
"""Reference numbers for compareMethods: agreement between methods and faithfulness of each.

Writes Tests/Fixtures/expected/<name>-compare.json (schema: README.md, "Compare fixtures"). The score
vectors are fixed inputs taken from <name>-attributions.json (make_attribution_fixtures.py), read back
as float32 exactly as the Swift tests will read them; everything is computed over the non-special
tokens only. Model probabilities come from the fixture checkpoints in float32.

Faithfulness follows ferret (g8a9/ferret, ferret/evaluators/faithfulness_measures.py:
AOPC_Comprehensiveness_Evaluation, AOPC_Sufficiency_Evaluation, TauLOO_Evaluation; rationale
selection from ferret/evaluators/utils_from_soft_to_discrete.py: _get_id_tokens_percentage and
_get_id_tokens_top_k with only_pos=True), at token level instead of ferret's decode/re-tokenize.
Where this differs from ferret it says so below and in the README.
"""

import os
import sys

import numpy as np
import torch
from scipy.stats import kendalltau, spearmanr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import (  # noqa: E402
    EXPECTED,
    FAMILY_MODEL_NAMES,
    MODEL_NAMES,
    TEXTS,
    f32,
    f32_list,
    load_model,
    probabilities,
    setup_torch,
    read_json,
    write_json,
)

METHODS = ["vanillaGradient", "gradientNorm", "gradientXInput", "integratedGradients", "occlusion"]
METHOD_SOURCES = {
    "vanillaGradient": "vanillaGradient.raw",
    "gradientNorm": "gradientNorm",
    "gradientXInput": "gradientXInput",
    "integratedGradients": "integratedGradients[method=gausslegendre, steps=50, baseline=pad].scores",
    "occlusion": "occlusion.mask",
}
THRESHOLD_TENTHS = range(1, 11)   # q = 0.1 ... 1.0


def method_scores(case):
    run = next(r for r in case["integratedGradients"]
               if r["method"] == "gausslegendre" and r["steps"] == 50 and r["baseline"] == "pad")
    raw = {
        "vanillaGradient": case["vanillaGradient"]["raw"],
        "gradientNorm": case["gradientNorm"],
        "gradientXInput": case["gradientXInput"],
        "integratedGradients": run["scores"],
        "occlusion": case["occlusion"]["mask"],
    }
    # float32, as Swift decodes the same decimals into Float; statistics then run in float64.
    return {name: np.asarray(values, dtype=np.float32).astype(np.float64) for name, values in raw.items()}


def ranking(scores):
    """Indices by descending score; ties go to the lower index (a stable sort of -score)."""
    return [int(i) for i in np.argsort(-scores, kind="stable")]


def statistic(value):
    return None if value is None or np.isnan(value) else f32(value)


def top_k_overlap(a, b, k):
    return len(set(ranking(a)[:k]) & set(ranking(b)[:k])) / k


def agreement(scores, positions, k):
    names = list(scores)
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            a, b = scores[first][positions], scores[second][positions]
            pairs.append({
                "a": first,
                "b": second,
                "spearman": statistic(spearmanr(a, b).statistic),
                "kendall": statistic(kendalltau(a, b).statistic),          # scipy default: tau-b
                "spearmanAbsolute": statistic(spearmanr(np.abs(a), np.abs(b)).statistic),
                "kendallAbsolute": statistic(kendalltau(np.abs(a), np.abs(b)).statistic),
                "topKOverlap": f32(top_k_overlap(a, b, k)),
                "topKOverlapAbsolute": f32(top_k_overlap(np.abs(a), np.abs(b), k)),
            })
    return pairs


class Probe:
    """p_c of token sequences built from the case's non-special tokens, [CLS]/[SEP] re-added."""

    def __init__(self, model, tokenizer, ids, special, target):
        self.model, self.target = model, target
        self.cls, self.sep, self.mask = tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.mask_token_id
        self.content = [token for token, is_special in zip(ids, special) if not is_special]
        self.cache = {}

    def probability(self, content):
        key = tuple(content)
        if key not in self.cache:
            with torch.no_grad():
                logits = self.model(input_ids=torch.tensor([[self.cls] + content + [self.sep]])).logits[0]
            self.cache[key] = probabilities(self.model, logits)[self.target].item()
        return self.cache[key]

    def without(self, chosen):
        return self.probability([t for j, t in enumerate(self.content) if j not in chosen])

    def only(self, chosen):
        # Kept in sentence order (ferret's sample[id_top] orders them by score instead).
        return self.probability([t for j, t in enumerate(self.content) if j in chosen])

    def masked(self, chosen):
        return self.probability([self.mask if j in chosen else t for j, t in enumerate(self.content)])

    def masked_outside(self, chosen):
        # ferret's mask variant of sufficiency masks the rationale, like comprehensiveness; masking
        # everything outside the rationale is the sufficiency counterpart, used here.
        return self.probability([t if j in chosen else self.mask for j, t in enumerate(self.content)])


def rationales(scores):
    """ferret _get_id_tokens_percentage(only_pos=True): k = int(q n) top tokens with score > 0.

    k is computed as (tenths * n) // 10 — equal to int(q * n) for n < 90 and free of rounding.
    A rationale equal (as a set) to the previous one is skipped, as ferret does; an empty one is
    not a rationale (with positive scores present it never occurs, since k >= 1 for q = 1).
    """
    n = len(scores)
    order = ranking(scores)
    chosen, previous = [], None
    for tenths in THRESHOLD_TENTHS:
        k = tenths * n // 10
        if k == 0:
            continue
        top = [j for j in order[:k] if scores[j] > 0]
        if not top or set(top) == previous:
            continue
        previous = set(top)
        chosen.append({"q": tenths / 10, "k": k, "tokens": top})
    return chosen


def faithfulness(probe, scores, full, loo):
    steps = []
    for rationale in rationales(scores):
        chosen = set(rationale["tokens"])
        steps.append(dict(rationale,
                          withoutProbability=probe.without(chosen),
                          onlyProbability=probe.only(chosen),
                          maskedProbability=probe.masked(chosen),
                          maskedOutsideProbability=probe.masked_outside(chosen)))
    if steps:
        # ferret _compute_aopc: mean over the distinct rationales of p_c(x) - p_c(x').
        comprehensiveness = np.mean([full - s["withoutProbability"] for s in steps])
        sufficiency = np.mean([full - s["onlyProbability"] for s in steps])
        comprehensiveness_mask = np.mean([full - s["maskedProbability"] for s in steps])
        sufficiency_mask = np.mean([full - s["maskedOutsideProbability"] for s in steps])
    else:
        # No token with a positive score: ferret returns NaN; the project reports 0 and 1.
        comprehensiveness, sufficiency, comprehensiveness_mask, sufficiency_mask = 0.0, 1.0, 0.0, 1.0

    # Deletion curve: p_c with the top 0, 1, ..., n tokens (by score) deleted, over x = k/n.
    order = ranking(scores)
    curve = [full] + [probe.without(set(order[:k])) for k in range(1, len(scores) + 1)]
    area = np.trapezoid(curve, np.linspace(0.0, 1.0, len(curve)))

    return {
        "comprehensiveness": f32(comprehensiveness),
        "sufficiency": f32(sufficiency),
        "comprehensivenessMask": f32(comprehensiveness_mask),
        "sufficiencyMask": f32(sufficiency_mask),
        "rationales": [dict(s, withoutProbability=f32(s["withoutProbability"]),
                            onlyProbability=f32(s["onlyProbability"]),
                            maskedProbability=f32(s["maskedProbability"]),
                            maskedOutsideProbability=f32(s["maskedOutsideProbability"])) for s in steps],
        # ferret TauLOO_Evaluation: Kendall tau-b between leave-one-out importance and the scores.
        "tauLOO": statistic(kendalltau(loo, scores).statistic),
        "deletionCurve": f32_list(curve),
        "deletionArea": f32(area),
    }


def compare_case(model, tokenizer, case):
    special = case["special"]
    positions = [i for i, is_special in enumerate(special) if not is_special]
    n = len(positions)
    k = max(1, int(0.2 * n))
    all_scores = method_scores(case)
    probe = Probe(model, tokenizer, case["ids"], special, case["target"])
    full = probe.probability(probe.content)
    # Leave-one-out importance p_c(x) - p_c(x without token j) (ferret negates p' - p).
    loo = np.array([full - probe.without({j}) for j in range(n)])
    return {
        "text": case["text"],
        "ids": case["ids"],
        "special": special,
        "target": case["target"],
        "explicitTarget": case["explicitTarget"],
        "probability": f32(full),
        "scores": {name: f32_list(values) for name, values in all_scores.items()},
        "topK": k,
        "agreement": agreement(all_scores, positions, k),
        "leaveOneOut": f32_list(loo),
        "faithfulness": {name: faithfulness(probe, all_scores[name][positions], full, loo)
                         for name in METHODS},
    }


def write_compare(name):
    """expected/<name>-compare.json from the model and its -attributions.json cases."""
    model, tokenizer = load_model(name)
    attributions = read_json(os.path.join(EXPECTED, name + "-attributions.json"))
    cases = [compare_case(model, tokenizer, case) for case in attributions["cases"]]
    write_json(os.path.join(EXPECTED, name + "-compare.json"), {
        "model": name,
        "labels": attributions["labels"],
        "texts": TEXTS,
        "methods": METHODS,
        "methodSources": METHOD_SOURCES,
        "thresholds": [t / 10 for t in THRESHOLD_TENTHS],
        "cases": cases,
    })
    taus = [c["faithfulness"]["occlusion"]["tauLOO"] for c in cases]
    print(name, "cases", len(cases), "tauLOO(occlusion) first cases", taus[:3])


def main():
    setup_torch()
    for name in sys.argv[1:] or MODEL_NAMES + FAMILY_MODEL_NAMES:
        write_compare(name)


if __name__ == "__main__":
    main()
