#!/usr/bin/env python3
"""Tiny random DeBERTa-v2/v3 classifiers and their expectations.

    python3 Scripts/reference/make_deberta_fixtures.py

Writes, as make_family_fixtures.py does for the other families, Tests/Fixtures/models/<name>/ and
Tests/Fixtures/expected/<name>.json and <name>-attributions.json (and the v3's <name>-compare.json), plus
expected/deberta-relative-buckets.json: transformers' make_log_bucket_position for every distance up to
700 under DeBERTa-v3's settings (256 buckets, 512 positions) and the fixtures'.

The tokenizer is the real SentencePiece Unigram model make_sentencepiece_fixtures.py trains for DeBERTa
(Tests/Fixtures/sentencepiece/deberta/spm.model, linked), loaded from the .model file alone as DeBERTa-v3's hub
directories are ([PAD]=0 [CLS]=1 [SEP]=2 [UNK]=3, [MASK] appended). The word-embedding table has a few rows
more than the tokenizer's ids, as microsoft/deberta-v3-* have (128100 rows, 128001 ids).

  deberta-v3-3labels      v3's layout: no absolute positions, relative attention with c2p and p2c, log buckets
                          (8, so texts of 5+ tokens are bucketed; the longest text has 154 tokens), share_att_key, layer-normed relative
                          embeddings, no token types, GELU pooler. F32.
  deberta-v2-4labels-f16  v2's: absolute positions, embedding_size < hidden (embed_proj), two token types,
                          pos_att_type given as the string "p2c|c2p", separate pos_key_proj/pos_query_proj, no
                          buckets but max_relative_positions 6 (so the clamp to the table matters), tanh pooler.
"""

import os
import sys

import torch
from safetensors.torch import save_file
from transformers import AutoTokenizer, DebertaV2Config, DebertaV2ForSequenceClassification
from transformers.models.deberta_v2.modeling_deberta_v2 import make_log_bucket_position

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_attribution_fixtures import write_attributions  # noqa: E402
from make_compare_fixtures import write_compare  # noqa: E402
from make_family_fixtures import draw_untied, fresh_directory, state_tensors, write_config  # noqa: E402
from make_model_fixtures import assert_same_parameters, expectations, randomize  # noqa: E402
from reference_common import EXPECTED, TEXTS, load_model, setup_torch, write_json  # noqa: E402

SPM = os.path.join("..", "..", "sentencepiece", "deberta", "spm.model")
EXTRA_ROWS = 3

SPECS = [
    dict(name="deberta-v3-3labels", seed=21, hidden=20, layers=3, heads=4, intermediate=36, act="gelu",
         labels=["contradiction", "entailment", "neutral"], dtype="F32",
         config=dict(max_position_embeddings=192, type_vocab_size=0, position_biased_input=False,
                     relative_attention=True, pos_att_type=["p2c", "c2p"], position_buckets=8,
                     max_relative_positions=-1, share_att_key=True, norm_rel_ebd="layer_norm",
                     pooler_hidden_act="gelu")),
    dict(name="deberta-v2-4labels-f16", seed=22, hidden=24, layers=2, heads=3, intermediate=40, act="gelu_new",
         labels=None, label_count=4, dtype="F16",
         config=dict(max_position_embeddings=192, embedding_size=14, type_vocab_size=2, position_biased_input=True,
                     relative_attention=True, pos_att_type="p2c|c2p", max_relative_positions=6,
                     share_att_key=False, pooler_hidden_act="tanh")),
]


def write_tokenizer(directory):
    os.symlink(SPM, os.path.join(directory, "spm.model"))
    write_json(os.path.join(directory, "tokenizer_config.json"), {
        "tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": False, "model_max_length": 512,
        "bos_token": "[CLS]", "eos_token": "[SEP]", "cls_token": "[CLS]", "sep_token": "[SEP]",
        "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]",
    })
    return AutoTokenizer.from_pretrained(directory)


def build(spec, tokenizer):
    labels = spec["labels"] or [f"LABEL_{i}" for i in range(spec["label_count"])]
    config = DebertaV2Config(
        vocab_size=len(tokenizer) + EXTRA_ROWS, hidden_size=spec["hidden"], num_hidden_layers=spec["layers"],
        num_attention_heads=spec["heads"], intermediate_size=spec["intermediate"], hidden_act=spec["act"],
        layer_norm_eps=1e-7, pad_token_id=tokenizer.pad_token_id,
        id2label={i: label for i, label in enumerate(labels)}, label2id={label: i for i, label in enumerate(labels)},
        **spec["config"])
    config.architectures = ["DebertaV2ForSequenceClassification"]
    model = DebertaV2ForSequenceClassification(config)
    model.to(torch.float32)
    model.eval()
    return model


def randomized(model, seed):
    randomize(model, seed)
    return model


def write_buckets():
    distances = torch.arange(-700, 701)
    settings = [(256, 512), (8, 128), (6, 40), (2, 7)]
    write_json(os.path.join(EXPECTED, "deberta-relative-buckets.json"), {
        "first": -700,
        "cases": [{"buckets": size, "maxPosition": limit,
                   "bucket": make_log_bucket_position(distances, size, limit).to(torch.long).tolist()}
                  for size, limit in settings],
    })


def main():
    setup_torch()
    write_buckets()
    for spec in SPECS:
        directory = fresh_directory(spec["name"])
        tokenizer = write_tokenizer(directory)
        ids = [tokenizer(text)["input_ids"] for text in TEXTS]
        model = draw_untied(spec, ids, lambda seed: randomized(build(spec, tokenizer), seed))
        write_config(model, spec, directory)
        save_file(state_tensors(model, spec["dtype"]), os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
        loaded, tokenizer = load_model(spec["name"])
        assert_same_parameters(model, loaded)
        expected = expectations(dict(spec, arch="deberta-v2"), loaded, tokenizer)
        write_json(os.path.join(EXPECTED, spec["name"] + ".json"), expected)
        write_attributions(spec["name"])
        if spec["name"] == "deberta-v3-3labels":
            write_compare(spec["name"])
        print(spec["name"], "vocabulary", len(tokenizer), "longest text", max(len(row) for row in ids), "tokens",
              "predicted", expected["predicted"])


if __name__ == "__main__":
    main()
