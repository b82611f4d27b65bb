#!/usr/bin/env python3
"""PyTorch/Captum reference scores for every attribution method, per fixture model.

Writes Tests/Fixtures/expected/<name>-attributions.json (schema: README.md, "Attribution fixtures").
Reads the checkpoints written by make_model_fixtures.py. Notation: c target class, f_c its logit,
e_i the word embedding of token i (the word-embedding lookup output, before position/type embeddings
and LayerNorm), g_i = d f_c / d e_i, E the word-embedding matrix (V x H).
"""

import os
import sys

import numpy as np
import torch
from captum.attr import IntegratedGradients, LayerIntegratedGradients
from captum.attr._utils.approximation_methods import approximation_parameters

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import (  # noqa: E402
    EXPECTED,
    MODEL_NAMES,
    TEXTS,
    f32,
    f32_list,
    load_model,
    probabilities,
    setup_torch,
    write_json,
)

# (method, n_steps, baseline): Gauss-Legendre with 50 steps for each token baseline and the zero
# vector; the four Riemann rules with 20 steps on the [PAD] baseline.
IG_RUNS = [
    ("gausslegendre", 50, "pad"),
    ("gausslegendre", 50, "mask"),
    ("gausslegendre", 50, "unk"),
    ("gausslegendre", 50, "zero"),
    ("riemann_left", 20, "pad"),
    ("riemann_right", 20, "pad"),
    ("riemann_middle", 20, "pad"),
    ("riemann_trapezoid", 20, "pad"),
]
OCCLUSION_REPLACEMENTS = ["mask", "unk", "pad", "delete"]


def logits_of(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0]


def embedding_gradient(model, ids, objective):
    """(g, e): d objective(logits) / d e_i and e_i, both T x H."""
    with torch.no_grad():
        embeds = model.get_input_embeddings()(torch.tensor([ids]))
    embeds.requires_grad_(True)
    objective(model(inputs_embeds=embeds).logits[0]).backward()
    return embeds.grad[0], embeds.detach()[0]


def vanilla_gradient(model, ids, target):
    """Simonyan et al. 2014 on BERT: gradient w.r.t. the one-hot input, L2 norm over the vocabulary.

    inputs_embeds = onehot @ E, so d f_c / d onehot[i, v] = <g_i, E_v>; the norm is ||E g_i||_2.
    """
    matrix = model.get_input_embeddings().weight.detach()
    onehot = torch.nn.functional.one_hot(torch.tensor(ids), matrix.shape[0]).to(torch.float32)
    onehot.requires_grad_(True)
    logits = model(inputs_embeds=(onehot @ matrix)[None]).logits[0]
    logits[target].backward()
    raw = onehot.grad.norm(dim=1)
    return raw, raw / raw.max()


def baseline_ids(ids, special, replacement_id):
    """Every non-special token replaced, [CLS]/[SEP] kept."""
    return [token if is_special else replacement_id for token, is_special in zip(ids, special)]


def target_logit_with_word_embeddings(model, inputs, word_embeds, target):
    """f_c with the word-embedding layer's output replaced, the rest of the model fed `inputs`: the
    function LayerIntegratedGradients integrates. Equal to f_c(baseline ids) for BERT; for RoBERTa,
    whose position ids skip pad tokens, the input's positions are kept, as along Captum's path."""
    handle = model.get_input_embeddings().register_forward_hook(lambda module, args, output: word_embeds)
    try:
        return model(input_ids=inputs).logits[:, target]
    finally:
        handle.remove()


def integrated_gradients(model, ids, special, target, method, steps, baseline, token_id):
    def target_logit_of_ids(input_ids):
        return model(input_ids=input_ids).logits[:, target]

    def target_logit_of_embeds(embeds):
        return model(inputs_embeds=embeds).logits[:, target]

    inputs = torch.tensor([ids])
    if baseline == "zero":
        # Zero vector at non-special positions, the input embedding at [CLS]/[SEP].
        with torch.no_grad():
            embeds = model.get_input_embeddings()(inputs)
        keep = torch.tensor(special, dtype=torch.float32)[None, :, None]
        base_embeds = embeds * keep
        attributions, delta = IntegratedGradients(target_logit_of_embeds).attribute(
            embeds, baselines=base_embeds, n_steps=steps, method=method, return_convergence_delta=True)
        with torch.no_grad():
            difference = (target_logit_of_embeds(embeds) - target_logit_of_embeds(base_embeds)).item()
        base = None
    else:
        base = baseline_ids(ids, special, token_id)
        explainer = LayerIntegratedGradients(target_logit_of_ids, model.get_input_embeddings())
        attributions, delta = explainer.attribute(
            inputs, baselines=torch.tensor([base]), n_steps=steps, method=method,
            return_convergence_delta=True)
        with torch.no_grad():
            base_embeds = model.get_input_embeddings()(torch.tensor([base]))
            difference = (target_logit_of_ids(inputs) - target_logit_with_word_embeddings(model, inputs, base_embeds, target)).item()
    step_sizes, alphas = approximation_parameters(method)
    return {
        "method": method,
        "steps": steps,
        "baseline": baseline,
        "baselineIDs": base,
        "alphas": [float(a) for a in alphas(steps)],
        "stepSizes": [float(s) for s in step_sizes(steps)],
        "scores": f32_list(attributions[0].sum(dim=-1).detach()),
        # Σ scores − (f(x) − f(b)) for the path's own endpoints. Captum's convergence delta evaluates f
        # at the baseline ids instead, whose RoBERTa position ids skip the pads: not the path's start.
        "delta": f32(attributions[0].sum().item() - difference),
        "outputDifference": f32(difference),
    }


def occlusion(model, ids, special, target, replacement_id):
    """p_c(x) - p_c(x with token i replaced, or deleted when replacement_id is None); specials 0."""
    original = probabilities(model, logits_of(model, ids))[target]
    scores = []
    for i, is_special in enumerate(special):
        if is_special:
            scores.append(0.0)
            continue
        changed = ids[:i] + ids[i + 1:] if replacement_id is None else ids[:i] + [replacement_id] + ids[i + 1:]
        scores.append((original - probabilities(model, logits_of(model, changed))[target]).item())
    return f32_list(scores)


def case(model, tokenizer, text_index, target, foil, explicit_target):
    encoded = tokenizer(TEXTS[text_index], return_special_tokens_mask=True)
    ids = encoded["input_ids"]
    special = [bool(flag) for flag in encoded["special_tokens_mask"]]
    logits = logits_of(model, ids)
    token_ids = {"pad": tokenizer.pad_token_id, "mask": tokenizer.mask_token_id, "unk": tokenizer.unk_token_id}

    logit_grad, embeds = embedding_gradient(model, ids, lambda out: out[target])
    prob_grad, _ = embedding_gradient(model, ids, lambda out: probabilities(model, out)[target])
    contrast_grad, _ = embedding_gradient(model, ids, lambda out: out[target] - out[foil])
    raw, normalized = vanilla_gradient(model, ids, target)

    return {
        "text": text_index,
        "ids": ids,
        "special": special,
        "target": target,
        "explicitTarget": explicit_target,
        "foil": foil,
        "logits": f32_list(logits),
        "probabilities": f32_list(probabilities(model, logits)),
        "vanillaGradient": {"raw": f32_list(raw.detach()), "normalized": f32_list(normalized.detach())},
        "gradientNorm": f32_list(logit_grad.norm(dim=1)),
        "gradientXInput": f32_list((logit_grad * embeds).sum(dim=1)),
        "probability": {
            "gradientNorm": f32_list(prob_grad.norm(dim=1)),
            "gradientXInput": f32_list((prob_grad * embeds).sum(dim=1)),
        },
        "contrastive": {"gradientXInput": f32_list((contrast_grad * embeds).sum(dim=1))},
        "integratedGradients": [
            integrated_gradients(model, ids, special, target, method, steps, baseline, token_ids.get(baseline))
            for method, steps, baseline in IG_RUNS
        ],
        "occlusion": {
            name: occlusion(model, ids, special, target, None if name == "delete" else token_ids[name])
            for name in OCCLUSION_REPLACEMENTS
        },
    }


def write_attributions(name):
    model, tokenizer = load_model(name)
    labels = model.config.num_labels
    cases = []
    for index, text in enumerate(TEXTS):
        predicted = logits_of(model, tokenizer(text)["input_ids"]).argmax().item()
        cases.append(case(model, tokenizer, index, predicted, (predicted + 1) % labels, False))
    # An explicit non-predicted target, contrasted with the predicted class as the foil.
    predicted = cases[2]["target"]
    cases.append(case(model, tokenizer, 2, (predicted + 1) % labels, predicted, True))
    write_json(os.path.join(EXPECTED, name + "-attributions.json"), {
        "model": name,
        "labels": [model.config.id2label[i] for i in range(labels)],
        "texts": TEXTS,
        "cases": cases,
    })
    worst = max(abs(run["delta"]) for c in cases for run in c["integratedGradients"] if run["method"] == "gausslegendre")
    print(name, "cases", len(cases), "largest |delta| gausslegendre", worst)


def main():
    setup_torch()
    for name in MODEL_NAMES:
        write_attributions(name)


if __name__ == "__main__":
    main()
