"""Writes a randomly initialised DebertaV2ForSequenceClassification of deberta-v3-base's size, for benchmarks.

    python3 Scripts/reference/make_deberta_v3_base.py [DIR] [--seed N]

DIR defaults to /tmp/explaind-deberta-v3-base. microsoft/deberta-v3-base's config: hidden 768, 12 layers, 12
heads, intermediate 3072, no absolute positions, relative attention with c2p and p2c over 256 log buckets of
512 positions, share_att_key, layer-normed relative embeddings, no token types, the 128100-row word-embedding
matrix, ContextPooler (dense → GELU) and the classifier; 3 labels — 184M parameters, 740 MB in float32. The
tokenizer is the fixtures' BERT WordPiece one ([PAD]=0 as DeBERTa's; its ids stay below 30522): the timings
depend on the shapes and the token counts, not on which SentencePiece model produced the ids. Weights are
transformers' own initialisation with a fixed seed. Never commit the output.
"""

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_roberta_base import arguments, save_with_wordpiece  # noqa: E402


def main():
    args = arguments("/tmp/explaind-deberta-v3-base")

    from transformers import DebertaV2Config, DebertaV2ForSequenceClassification

    torch.manual_seed(args.seed)
    labels = ["contradiction", "entailment", "neutral"]
    config = DebertaV2Config(
        vocab_size=128100, hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072,
        max_position_embeddings=512, type_vocab_size=0, hidden_act="gelu", layer_norm_eps=1e-7,
        relative_attention=True, max_relative_positions=-1, position_buckets=256, norm_rel_ebd="layer_norm",
        share_att_key=True, pos_att_type=["p2c", "c2p"], position_biased_input=False, pooler_hidden_act="gelu",
        pooler_dropout=0, pad_token_id=0,
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    save_with_wordpiece(DebertaV2ForSequenceClassification(config).eval(), args.directory, "deberta-v3-base")


if __name__ == "__main__":
    main()
