"""Writes a randomly initialised RobertaForSequenceClassification of roberta-base's size, for benchmarks.

    python3 Scripts/reference/make_roberta_base.py [DIR] [--seed N]

DIR defaults to /tmp/explaind-roberta-base. roberta-base's shapes: hidden 768, 12 layers, 12 heads,
intermediate 3072, 514 position rows (512 usable: RoBERTa's positions start after padding_idx 1), one
token type, the 50265-row word-embedding matrix, the dense → tanh → out_proj head; 3 labels (as
cardiffnlp/twitter-roberta-base-sentiment-latest) — 125M parameters, 500 MB in float32. The tokenizer is
the fixtures' BERT WordPiece one with RoBERTa's special tokens re-pointed (its ids stay below 30522): the
timings depend on the shapes and the token counts, not on which byte-level BPE produced the ids. Weights
are transformers' own initialisation with a fixed seed. Never commit the output.
"""

import argparse
import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import TOKENIZER  # noqa: E402


def arguments(default_directory):
    parser = argparse.ArgumentParser(description=sys.modules["__main__"].__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=default_directory, help="output directory")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def save_with_wordpiece(model, directory, size_name):
    """The model's safetensors and config, the fixtures' WordPiece vocabulary and a tokenizer_config."""
    model.config.architectures = [type(model).__name__]
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    shutil.copyfile(os.path.join(TOKENIZER, "vocab.txt"), os.path.join(directory, "vocab.txt"))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512}, f)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"wrote {directory}: {size_name} size, {parameters / 1e6:.1f}M parameters")


def main():
    args = arguments("/tmp/explaind-roberta-base")

    from transformers import RobertaConfig, RobertaForSequenceClassification

    torch.manual_seed(args.seed)
    labels = ["negative", "neutral", "positive"]
    # BERT's vocabulary puts [PAD] at 0, [CLS] at 101, [SEP] at 102: the RoBERTa config points at them.
    config = RobertaConfig(
        vocab_size=50265, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=514, type_vocab_size=1, hidden_act="gelu", layer_norm_eps=1e-5,
        pad_token_id=0, bos_token_id=101, eos_token_id=102,
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    save_with_wordpiece(RobertaForSequenceClassification(config).eval(), args.directory, "roberta-base")


if __name__ == "__main__":
    main()
