"""Writes a randomly initialised ModernBertForSequenceClassification of ModernBERT-base's size, for benchmarks.

    python3 Scripts/reference/make_modernbert_base.py [DIR] [--seed N]

DIR defaults to /tmp/explaind-modernbert-base. answerdotai/ModernBERT-base's shapes (transformers'
ModernBertConfig defaults): hidden 768, 22 layers, 12 heads, GeGLU intermediate 1152, global attention every
third layer (rotary base 160,000) and 128-token sliding windows in the others (base 10,000), no biases,
8,192 positions, the 50,368-row word-embedding matrix, the dense → GELU → norm head over the first token;
2 labels — 150M parameters, 600 MB in float32. The tokenizer is the fixtures' BERT WordPiece one with the
special tokens re-pointed (its ids stay below 30522; vocab.txt and its tokenizer.json) and an 8,192-token limit: the timings depend on the
shapes and the token counts, not on which BPE produced the ids. Weights are transformers' own
initialisation with a fixed seed. Never commit the output.
"""

import json
import os
import shutil
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_roberta_base import arguments, save_with_wordpiece  # noqa: E402
from reference_common import TOKENIZER  # noqa: E402


def main():
    args = arguments("/tmp/explaind-modernbert-base")

    from transformers import ModernBertConfig, ModernBertForSequenceClassification

    torch.manual_seed(args.seed)
    labels = ["general", "political"]
    # BERT's vocabulary puts [PAD] at 0, [CLS] at 101, [SEP] at 102, [MASK] at 103.
    config = ModernBertConfig(
        pad_token_id=0, cls_token_id=101, sep_token_id=102, bos_token_id=101, eos_token_id=102,
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    save_with_wordpiece(ModernBertForSequenceClassification(config).eval(), args.directory, "ModernBERT-base")
    # transformers maps modernbert to a fast tokenizer only: give it the WordPiece vocabulary's tokenizer.json.
    shutil.copyfile(os.path.join(TOKENIZER, "tokenizer.json"), os.path.join(args.directory, "tokenizer.json"))
    path = os.path.join(args.directory, "tokenizer_config.json")
    with open(path) as f:
        tokenizer_config = json.load(f)
    tokenizer_config["model_max_length"] = config.max_position_embeddings
    # The fast tokenizer learns its special tokens from here (padding a batch needs pad_token).
    tokenizer_config.update(pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", unk_token="[UNK]", mask_token="[MASK]")
    with open(path, "w") as f:
        json.dump(tokenizer_config, f)


if __name__ == "__main__":
    main()
