#!/usr/bin/env python3
"""Tiny random ModernBERT classifiers, their byte-level BPE tokenizer, and their expectations.

    python3 Scripts/reference/make_modernbert_fixtures.py

Writes Tests/Fixtures/models/<name>/ and Tests/Fixtures/expected/<name>.json and <name>-attributions.json
in the schemas of make_model_fixtures.py and make_attribution_fixtures.py (README.md). Each expected/<name>.json
also holds "long": a text of a few hundred tokens, many times the local window, with its logits and the
input gradient of its predicted class.

The tokenizer is trained here with HF `tokenizers` the way ModernBERT's ships: byte-level BPE (the
ByteLevel pre-tokenizer without prefix space, ByteLevel decoder), [CLS] $A [SEP] by TemplateProcessing,
[UNK] [CLS] [SEP] [PAD] [MASK] (lstrip) as added tokens after the merges' vocabulary.

The two models cover: global and local layers (local windows of 8 and 6 tokens, far shorter than most
fixture texts), `classifier_pooling` cls and mean, no biases (ModernBERT's default) and every bias on,
a config as transformers 5 writes it (layer_types, rope_parameters) and one in 4.x's keys
(global_attn_every_n_layers, global_rope_theta, local_rope_theta). References use eager attention.
"""

import json
import os
import sys

import torch
from safetensors.torch import save_file
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, ModernBertConfig, ModernBertForSequenceClassification

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_attribution_fixtures import write_attributions  # noqa: E402
from make_family_fixtures import draw_untied, fresh_directory, state_tensors  # noqa: E402
from make_model_fixtures import assert_same_parameters, expectations, input_gradient, randomize  # noqa: E402
from reference_common import EXPECTED, TEXTS, f32_list, load_model, setup_torch, write_json  # noqa: E402

MERGED_VOCABULARY = 420
SPECIALS = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
MAX_POSITIONS = 512

SPECS = [
    dict(name="modernbert-3labels", seed=21, hidden=24, layers=4, heads=3, intermediate=20, every=3,
         local_attention=8, global_theta=160000.0, local_theta=10000.0, pooling="cls", biases=False,
         legacy_config=False, labels=["anger", "joy", "sadness"], dtype="F32"),
    dict(name="modernbert-2labels-mean-bias-bf16", seed=22, hidden=16, layers=3, heads=2, intermediate=18, every=2,
         local_attention=6, global_theta=500.0, local_theta=50.0, pooling="mean", biases=True,
         legacy_config=True, labels=["negative", "positive"], dtype="BF16"),
]

# A text many local windows long: the fixture texts one after another.
LONG_TEXT = " ".join(TEXTS)


def training_text():
    return [text for _ in range(20) for text in TEXTS] + [
        "The election results were announced on Monday by the commission.",
        "Voters across the country queued at polling units from early morning.",
        "prices: $100, €50, 3.14 and 2023-01-15; emails @user #tag https://example.com",
    ] * 20


def write_tokenizer(directory):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=MERGED_VOCABULARY, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tokenizer.train_from_iterator(training_text(), trainer)
    tokenizer.add_special_tokens([AddedToken(name, lstrip=name == "[MASK]", normalized=False, special=True) for name in SPECIALS])
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS]:0 $A:0 [SEP]:0", pair="[CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)])
    tokenizer.save(os.path.join(directory, "tokenizer.json"))
    write_json(os.path.join(directory, "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": MAX_POSITIONS, "clean_up_tokenization_spaces": True,
        "model_input_names": ["input_ids", "attention_mask"],
        "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "mask_token": "[MASK]", "unk_token": "[UNK]",
    })
    return tokenizer


def build(spec, tokenizer):
    labels = spec["labels"]
    token = tokenizer.token_to_id
    config = ModernBertConfig(
        vocab_size=tokenizer.get_vocab_size(), hidden_size=spec["hidden"], num_hidden_layers=spec["layers"],
        num_attention_heads=spec["heads"], intermediate_size=spec["intermediate"], hidden_activation="gelu",
        max_position_embeddings=MAX_POSITIONS, global_attn_every_n_layers=spec["every"],
        local_attention=spec["local_attention"], global_rope_theta=spec["global_theta"], local_rope_theta=spec["local_theta"],
        norm_bias=spec["biases"], attention_bias=spec["biases"], mlp_bias=spec["biases"], classifier_bias=spec["biases"],
        classifier_pooling=spec["pooling"], classifier_activation="gelu",
        pad_token_id=token("[PAD]"), cls_token_id=token("[CLS]"), sep_token_id=token("[SEP]"),
        bos_token_id=token("[CLS]"), eos_token_id=token("[SEP]"),
        id2label={i: label for i, label in enumerate(labels)}, label2id={label: i for i, label in enumerate(labels)},
    )
    config.architectures = ["ModernBertForSequenceClassification"]
    config._attn_implementation = "eager"
    model = ModernBertForSequenceClassification(config)
    model.to(torch.float32)
    model.eval()
    return model


def randomize_modernbert(model, seed):
    """randomize() keys its LayerNorm gains on BERT's names; ModernBERT's norms are *norm.weight."""
    randomize(model, seed)
    generator = torch.Generator().manual_seed(seed + 7)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" in name and name.endswith("weight"):
                parameter.copy_(1.0 + 0.2 * torch.randn(parameter.shape, generator=generator))


def draw_model(spec, tokenizer, ids):
    def make(seed):
        model = build(spec, tokenizer)
        randomize_modernbert(model, seed)
        return model
    return draw_untied(spec, ids, make)


def write_config(model, spec, directory):
    model.config.dtype = {"F32": "float32", "BF16": "bfloat16"}[spec["dtype"]]
    model.config.save_pretrained(directory)
    path = os.path.join(directory, "config.json")
    with open(path) as f:
        config = json.load(f)
    config.pop("_attn_implementation", None)
    if spec["legacy_config"]:
        # As released 4.x checkpoints (answerdotai/ModernBERT-base) write it.
        del config["layer_types"], config["rope_parameters"]
        config.update(global_attn_every_n_layers=spec["every"], global_rope_theta=spec["global_theta"],
                      local_rope_theta=spec["local_theta"])
    with open(path, "w") as f:
        json.dump(config, f, indent=2)


def long_expectation(model, tokenizer):
    ids = tokenizer(LONG_TEXT)["input_ids"]
    assert 300 <= len(ids) <= MAX_POSITIONS, len(ids)
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([ids])).logits[0]
    target = logits.argmax().item()
    weights = [1.0 if c == target else 0.0 for c in range(model.config.num_labels)]
    return {"text": LONG_TEXT, "ids": ids, "logits": f32_list(logits), "weights": weights,
            "grad": f32_list(input_gradient(model, ids, weights))}


def main():
    setup_torch()
    for spec in SPECS:
        directory = fresh_directory(spec["name"])
        tokenizer = write_tokenizer(directory)
        ids = [tokenizer.encode(text).ids for text in TEXTS]
        model = draw_model(spec, tokenizer, ids)
        write_config(model, spec, directory)
        save_file(state_tensors(model, spec["dtype"]), os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
        loaded, hf_tokenizer = load_model(spec["name"])
        assert_same_parameters(model, loaded)
        assert loaded.config.layer_types == model.config.layer_types and loaded.config.sliding_window == spec["local_attention"] // 2
        assert [hf_tokenizer(text)["input_ids"] for text in TEXTS] == ids
        expected = expectations(dict(spec, arch="modernbert"), loaded, hf_tokenizer)
        expected["long"] = long_expectation(loaded, hf_tokenizer)
        write_json(os.path.join(EXPECTED, spec["name"] + ".json"), expected)
        write_attributions(spec["name"])
        print(spec["name"], "vocabulary", tokenizer.get_vocab_size(), "layers", loaded.config.layer_types,
              "longest text", max(len(row) for row in ids), "long text", len(expected["long"]["ids"]), "predicted", expected["predicted"])


if __name__ == "__main__":
    main()
