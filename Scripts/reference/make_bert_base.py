"""Writes a randomly initialised BertForSequenceClassification of a real model's size, for benchmarks.

    python3 Scripts/reference/make_bert_base.py [DIR] [--size base|minilm] [--seed N]

`base` (default, DIR /tmp/explaind-bert-base): BERT-base, hidden 768, 12 layers, 12 heads, intermediate
3072, 2 labels — 110M parameters, 440 MB in float32. `minilm` (default DIR /tmp/explaind-minilm): the size
of all-MiniLM-L6-v2, hidden 384, 6 layers, 12 heads, intermediate 1536. Both use the real uncased BERT
vocabulary (30522 ids) and copy the tokenizer files from Tests/Fixtures/tokenizer/. The weights are
transformers' own initialisation (normal, std 0.02) with a fixed seed: the timings do not depend on the
values, only the shapes. Never commit the output (it is large); the benchmark README shows how to make it.
"""

import argparse
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import TOKENIZER  # noqa: E402

SIZES = {
    "base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "minilm": dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536),
}
DEFAULT_DIRECTORIES = {"base": "/tmp/explaind-bert-base", "minilm": "/tmp/explaind-minilm"}
TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", help="output directory")
    parser.add_argument("--size", choices=sorted(SIZES), default="base")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    directory = args.directory or DEFAULT_DIRECTORIES[args.size]

    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(args.seed)
    config = BertConfig(
        vocab_size=30522, max_position_embeddings=512, type_vocab_size=2, hidden_act="gelu",
        layer_norm_eps=1e-12, pad_token_id=0, num_labels=2,
        id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1},
        **SIZES[args.size],
    )
    model = BertForSequenceClassification(config).eval()
    os.makedirs(directory, exist_ok=True)
    model.save_pretrained(directory, safe_serialization=True)
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(TOKENIZER, name), os.path.join(directory, name))
    parameters = sum(p.numel() for p in model.parameters())
    print(f"wrote {directory}: {args.size}, {parameters / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
