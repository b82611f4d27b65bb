#!/usr/bin/env python3
"""Tiny random HF classifiers and their PyTorch forward/gradient expectations.

Writes Tests/Fixtures/models/<name>/ (config.json, model.safetensors, tokenizer symlinks) and
Tests/Fixtures/expected/<name>.json (schema: Tests/Fixtures/../notes FIXTURES.md, README "Model fixtures").
Deterministic: every random draw comes from a torch.Generator seeded per model.

Weights are drawn with a larger spread than HF's default init (std 0.2, random LayerNorm gains and
biases, random linear biases) so every parameter moves the logits and input gradients are not tiny.
Checkpoints stored in F16/BF16 are rounded first; expectations are computed in float32 from the
rounded values, by reloading the written checkpoint through transformers.
"""

import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    AutoTokenizer,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import (  # noqa: E402
    EXPECTED,
    MODELS,
    TEXTS,
    TOKENIZER,
    f32_list,
    load_model,
    setup_torch,
    write_json,
)

ALL_TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]
VOCAB_ONLY_FILES = ["vocab.txt", "tokenizer_config.json"]

SPECS = [
    dict(name="bert-gelu-2labels", seed=1, arch="bert", hidden=16, layers=2, heads=2, intermediate=32,
         act="gelu", type_vocab=2, max_positions=64, labels=["negative", "positive"], dtype="F32",
         prefix=True, tokenizer_files=ALL_TOKENIZER_FILES),
    dict(name="bert-tanh-3labels-f16", seed=2, arch="bert", hidden=24, layers=3, heads=3, intermediate=48,
         act="gelu_new", type_vocab=1, max_positions=64, labels=None, label_count=3, dtype="F16",
         prefix=False, tokenizer_files=ALL_TOKENIZER_FILES),
    dict(name="distilbert-3labels-bf16", seed=3, arch="distilbert", hidden=16, layers=2, heads=2,
         intermediate=32, act="gelu", max_positions=64, labels=["political", "general", "other"],
         dtype="BF16", prefix=True, tokenizer_files=VOCAB_ONLY_FILES),
    dict(name="bert-largest", seed=4, arch="bert", hidden=32, layers=4, heads=4, intermediate=64,
         act="gelu", type_vocab=2, max_positions=128, labels=None, label_count=2, dtype="F16",
         prefix=True, tokenizer_files=ALL_TOKENIZER_FILES),
]

STORAGE = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
CONFIG_DTYPE = {"F32": "float32", "F16": "float16", "BF16": "bfloat16"}


def build(spec):
    labels = spec["labels"] or [f"LABEL_{i}" for i in range(spec["label_count"])]
    common = dict(
        vocab_size=30522,
        max_position_embeddings=spec["max_positions"],
        initializer_range=0.2,
        pad_token_id=0,
        id2label={i: label for i, label in enumerate(labels)},
        label2id={label: i for i, label in enumerate(labels)},
    )
    if spec["arch"] == "bert":
        config = BertConfig(
            hidden_size=spec["hidden"], num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
            intermediate_size=spec["intermediate"], hidden_act=spec["act"], type_vocab_size=spec["type_vocab"],
            layer_norm_eps=1e-12, **common)
        config.architectures = ["BertForSequenceClassification"]
        model = BertForSequenceClassification(config)
    else:
        config = DistilBertConfig(
            dim=spec["hidden"], n_layers=spec["layers"], n_heads=spec["heads"], hidden_dim=spec["intermediate"],
            activation=spec["act"], sinusoidal_pos_embds=False, **common)
        config.architectures = ["DistilBertForSequenceClassification"]
        model = DistilBertForSequenceClassification(config)
    model.to(torch.float32)
    model.eval()
    return model


def randomize(model, seed):
    """Non-trivial values for every parameter (HF init zeroes biases and sets LayerNorm to 1/0)."""
    generator = torch.Generator().manual_seed(seed)
    # The head's output layer: `classifier` (BERT, DistilBERT, ALBERT) or `classifier.out_proj` (RoBERTa, ELECTRA).
    output_weight = getattr(model.classifier, "out_proj", model.classifier).weight
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            noise = torch.randn(parameter.shape, generator=generator, dtype=torch.float32)
            is_norm = "LayerNorm" in name or "layer_norm" in name
            if is_norm and name.endswith("weight"):
                parameter.copy_(1.0 + 0.2 * noise)
            elif name.endswith("bias"):
                parameter.copy_(0.1 * noise)
            elif parameter is output_weight:
                # Larger, so the text-dependent part of [CLS] shows in the logits (the bias is centred).
                parameter.copy_(1.0 * noise)
            else:
                parameter.copy_(0.2 * noise)


def centre_classifier_bias(model, ids):
    """Shift the classifier bias so every class has mean logit 0 over the fixture texts.

    Random encoders give the [CLS] vector a large text-independent part, which would make one class
    win for every text; centring lets the predicted (and so the explained) class vary between texts.
    """
    with torch.no_grad():
        model.classifier.bias -= batched_logits(model, ids).mean(dim=0)


def round_to_storage(model, storage):
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(storage).to(torch.float32))


def checkpoint_tensors(model, spec):
    storage = STORAGE[spec["dtype"]]
    prefix = model.base_model_prefix + "."
    tensors = {}
    for name, parameter in model.named_parameters():
        key = name
        if not spec["prefix"] and key.startswith(prefix):
            key = key[len(prefix):]
        tensors[key] = parameter.detach().to(storage).contiguous()
    return tensors


def write_checkpoint(model, spec):
    directory = os.path.join(MODELS, spec["name"])
    os.makedirs(directory, exist_ok=True)
    for entry in os.listdir(directory):
        os.remove(os.path.join(directory, entry))
    model.config.dtype = CONFIG_DTYPE[spec["dtype"]]
    model.config.save_pretrained(directory)
    save_file(checkpoint_tensors(model, spec), os.path.join(directory, "model.safetensors"),
              metadata={"format": "pt"})
    for file in spec["tokenizer_files"]:
        os.symlink(os.path.join("..", "..", "tokenizer", file), os.path.join(directory, file))
    return directory


def assert_same_parameters(built, loaded):
    built_state = dict(built.named_parameters())
    loaded_state = dict(loaded.named_parameters())
    assert built_state.keys() == loaded_state.keys(), "parameter names differ after reload"
    for name, parameter in built_state.items():
        if not torch.equal(parameter, loaded_state[name]):
            raise AssertionError(f"{name} differs after reload (checkpoint keys not loaded?)")


def batched_logits(model, ids):
    """All texts as ONE right-padded batch with an attention mask."""
    longest = max(len(row) for row in ids)
    pad = model.config.pad_token_id
    input_ids = torch.tensor([row + [pad] * (longest - len(row)) for row in ids])
    mask = torch.tensor([[1] * len(row) + [0] * (longest - len(row)) for row in ids])
    with torch.no_grad():
        return model(input_ids=input_ids, attention_mask=mask).logits


def input_gradient(model, ids, weights):
    """d(sum_c w_c * logit_c) / d(word-embedding output), shape T x H."""
    with torch.no_grad():
        embeds = model.get_input_embeddings()(torch.tensor([ids]))
    embeds.requires_grad_(True)
    logits = model(inputs_embeds=embeds, attention_mask=torch.ones(1, len(ids), dtype=torch.long)).logits
    (logits[0] * torch.tensor(weights, dtype=torch.float32)).sum().backward()
    return embeds.grad[0]


def expectations(spec, model, tokenizer):
    ids = [tokenizer(text)["input_ids"] for text in TEXTS]
    logits = batched_logits(model, ids)
    for i, row in enumerate(ids):
        with torch.no_grad():
            single = model(input_ids=torch.tensor([row])).logits[0]
        gap = (single - logits[i]).abs().max().item()
        assert gap <= 1e-5, f"{spec['name']} text {i}: single vs batched logits differ by {gap}"

    label_count = model.config.num_labels
    predicted = logits.argmax(dim=1).tolist()
    for i, row in enumerate(logits):
        top2 = row.topk(min(2, label_count)).values
        margin = (top2[0] - top2[-1]).item()
        assert margin > 1e-3, f"{spec['name']} text {i}: predicted class is a near tie ({margin})"
    foils = [(c + 1) % label_count for c in predicted]
    generator = torch.Generator().manual_seed(1000 + spec["seed"])
    random_weights = torch.randn(len(TEXTS), label_count, generator=generator).tolist()
    seeds = {
        "predicted": [[1.0 if c == p else 0.0 for c in range(label_count)] for p in predicted],
        "contrastive": [[1.0 if c == p else (-1.0 if c == f else 0.0) for c in range(label_count)]
                        for p, f in zip(predicted, foils)],
        "random": random_weights,
    }
    gradients = []
    for kind, weights in seeds.items():
        grads = [f32_list(input_gradient(model, row, w)) for row, w in zip(ids, weights)]
        gradients.append({"kind": kind, "weights": [f32_list(w) for w in weights], "grad": grads})
    return {
        "model": spec["name"],
        "labels": [model.config.id2label[i] for i in range(label_count)],
        "hidden": model.get_input_embeddings().embedding_dim,   # the width of a gradient row
        "texts": TEXTS,
        "ids": ids,
        "logits": [f32_list(row) for row in logits],
        "predicted": predicted,
        "foil": foils,
        "gradients": gradients,
    }


def draw_model(spec, ids):
    """The first seed (spec seed, +100, +200, ...) whose predictions vary and are never near ties."""
    for attempt in range(50):
        model = build(spec)
        randomize(model, spec["seed"] + 100 * attempt)
        centre_classifier_bias(model, ids)
        round_to_storage(model, STORAGE[spec["dtype"]])
        logits = batched_logits(model, ids)
        top2 = logits.topk(2, dim=1).values
        if len(set(logits.argmax(dim=1).tolist())) > 1 and (top2[:, 0] - top2[:, 1]).min().item() > 1e-3:
            return model
    raise RuntimeError(f"{spec['name']}: no seed gave varied, untied predictions")


def main():
    setup_torch()
    fixture_tokenizer = AutoTokenizer.from_pretrained(TOKENIZER)
    for spec in SPECS:
        model = draw_model(spec, [fixture_tokenizer(text)["input_ids"] for text in TEXTS])
        write_checkpoint(model, spec)
        loaded, tokenizer = load_model(spec["name"])
        assert_same_parameters(model, loaded)
        expected = expectations(spec, loaded, tokenizer)
        write_json(os.path.join(EXPECTED, spec["name"] + ".json"), expected)
        print(spec["name"], "logits[0]", np.round(expected["logits"][0], 4), "predicted", expected["predicted"])


if __name__ == "__main__":
    main()
