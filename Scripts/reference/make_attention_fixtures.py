#!/usr/bin/env python3
"""PyTorch reference scores of the two attention methods, per fixture model.

Writes Tests/Fixtures/expected/<name>-attention.json (schema: README.md, "Attention fixtures"). Reads the
checkpoints written by make_model_fixtures.py and make_family_fixtures.py. The attention probabilities come
from the model itself (`output_attentions=True`, eager attention), their gradients from `retain_grad()` on
those very tensors, so nothing here re-implements the model.

- attentionRollout (Abnar & Zuidema 2020): per layer Â = mean over heads of A, plus the identity, rows
  renormalised; R = Â_L ··· Â_1; the score is R's first row (T entries, the first token included).
- attentionGradient (Chefer, Gur & Wolf, ICCV 2021, "generic attention-model explainability", their
  `avg_heads` / `apply_self_attention_rules`): per layer Ā = mean over heads of clamp(∂f/∂A ⊙ A, min=0);
  R = I, then R ← R + Ā·R layer by layer; the score is R[0, 1:], written with a 0 for the first token.
f is the target's logit, or its probability in the `probability` runs (softmax; sigmoid for a multi-label model).
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import EXPECTED, TEXTS, f32_list, load_model, setup_torch, write_json  # noqa: E402

# The four BERT/DistilBERT fixtures, one of each family of make_family_fixtures.py and the two of
# make_modernbert_fixtures.py (its local layers give the banded, masked matrices) and the two of
# make_deberta_fixtures.py (A is the softmax of content plus disentangled position scores).
NAMES = ["bert-gelu-2labels", "bert-tanh-3labels-f16", "distilbert-3labels-bf16", "bert-largest",
         "roberta-3labels", "xlm-roberta-2labels-f16", "camembert-4labels-bf16", "electra-2labels", "albert-3labels-f16",
         "roberta-multilabel-3labels",
         "modernbert-3labels", "modernbert-2labels-mean-bias-bf16", "deberta-v3-3labels", "deberta-v2-4labels-f16"]
# A sentence, a two-word text, and the long one (about 40 tokens).
TEXT_INDICES = [0, 5, 6]


def attention_with_gradients(model, ids, objective):
    """Per layer the (heads, T, T) attention probabilities and the gradient of objective(logits) at them."""
    out = model(input_ids=torch.tensor([ids]), output_attentions=True)
    for attention in out.attentions:
        attention.retain_grad()
    objective(out.logits[0]).backward()
    return [a.detach()[0] for a in out.attentions], [a.grad[0] for a in out.attentions], out.logits[0].detach()


def rollout(attentions):
    t = attentions[0].shape[-1]
    result = torch.eye(t, dtype=torch.float64)
    for a in attentions:
        mean = a.double().mean(dim=0) + torch.eye(t, dtype=torch.float64)
        mean = mean / mean.sum(dim=-1, keepdim=True)
        result = mean @ result
    return result[0]


def gradient_attention(attentions, gradients):
    t = attentions[0].shape[-1]
    relevance = torch.eye(t, dtype=torch.float64)
    for a, g in zip(attentions, gradients):
        cam = (g.double() * a.double()).clamp(min=0).mean(dim=0)
        relevance = relevance + cam @ relevance
    row = relevance[0].clone()
    row[0] = 0
    return row


def case(model, tokenizer, text_index):
    ids = tokenizer(TEXTS[text_index])["input_ids"]
    with torch.no_grad():
        target = model(input_ids=torch.tensor([ids])).logits[0].argmax().item()
    attentions, gradients, _ = attention_with_gradients(model, ids, lambda logits: logits[target])
    multi_label = model.config.problem_type == "multi_label_classification"
    probability = (lambda logits: torch.sigmoid(logits)[target]) if multi_label else (lambda logits: torch.softmax(logits, dim=0)[target])
    _, probability_gradients, _ = attention_with_gradients(model, ids, probability)
    return {
        "text": text_index,
        "ids": ids,
        "target": target,
        "attentionRollout": f32_list(rollout(attentions)),
        "attentionGradient": f32_list(gradient_attention(attentions, gradients)),
        "attentionGradientOfProbability": f32_list(gradient_attention(attentions, probability_gradients)),
    }


def main():
    setup_torch()
    for name in NAMES:
        model, tokenizer = load_model(name)
        cases = [case(model, tokenizer, i) for i in TEXT_INDICES]
        write_json(os.path.join(EXPECTED, name + "-attention.json"), {"model": name, "texts": TEXTS, "cases": cases})
        print(name, "cases", len(cases))


if __name__ == "__main__":
    main()
