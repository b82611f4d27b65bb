#!/usr/bin/env python3
"""What `explaind adapt` must reproduce, from transformers on the bert-gelu-2labels fixture checkpoint.

Writes Tests/Fixtures/expected/adapt-bert-gelu-2labels.json:
- the pieces each new token split into before, the `added_tokens` entries and `added_tokens_decoder`
  entries transformers writes after `tokenizer.add_tokens` (tokenizer.json, tokenizer_config.json);
- the ids of the texts with the grown tokenizer, and the logits of the grown model whose new rows are
  the mean of their pieces' rows (`resize_token_embeddings`, then the rows set by hand);
- the gradients of the mean cross-entropy over the texts (eval mode, no dropout) by PyTorch autograd:
  of the new word-embedding rows, and of every head and encoder-layer weight (both layers: top-layers:2).
Usage: python3 Scripts/reference/make_adapt_fixtures.py [--check DIR TEXTS...] — with --check, prints the
logits transformers gives for an adapted directory (to compare with explaind's by hand).
"""

import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import EXPECTED, MODELS, f32_list, load_model, setup_torch, write_json  # noqa: E402

NAME = "bert-gelu-2labels"
NEW_TOKENS = ["Ezekwesili", "Atiku", "INEC"]
TEXTS = [
    ("Atiku and Ezekwesili spoke in Abuja.", "positive"),
    ("INEC postponed the vote.", "negative"),
    ("Ezekwesili said INEC must publish results.", "positive"),
    ("The sky is green.", "negative"),
]


TOKENIZER_FIXTURES = ["bpe/roberta", "sentencepiece/xlmr"]   # byte-level BPE and Unigram, tokenizer.json


def other_tokenizers():
    """add_tokens on a BPE and a Unigram tokenizer: the entries written and the ids of the texts after."""
    from transformers import AutoTokenizer

    fixtures = os.path.dirname(MODELS)
    result = {}
    for name in TOKENIZER_FIXTURES:
        tokenizer = AutoTokenizer.from_pretrained(os.path.join(fixtures, name))
        old_size = len(tokenizer)
        pieces = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in NEW_TOKENS]
        assert tokenizer.add_tokens(NEW_TOKENS) == len(NEW_TOKENS)
        with tempfile.TemporaryDirectory() as saved:
            tokenizer.save_pretrained(saved)
            with open(os.path.join(saved, "tokenizer.json")) as f:
                added_tokens = [t for t in json.load(f)["added_tokens"] if t["id"] >= old_size]
        result[name] = {"pieces": pieces, "added_tokens": added_tokens,
                        "ids": [tokenizer(text)["input_ids"] for text, _ in TEXTS]}
    return result


def check(directory, texts):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    for text in texts:
        encoded = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            logits = model(**encoded).logits[0]
        print(json.dumps({"text": text, "ids": encoded["input_ids"][0].tolist(), "logits": f32_list(logits)}))


def main():
    setup_torch()
    model, tokenizer = load_model(NAME)
    pieces = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in NEW_TOKENS]
    old_size = len(tokenizer)
    added = tokenizer.add_tokens(NEW_TOKENS)
    assert added == len(NEW_TOKENS)
    model.resize_token_embeddings(len(tokenizer))
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        for k, ids in enumerate(pieces):
            embeddings[old_size + k] = embeddings[ids].mean(dim=0)
    new_ids = [tokenizer.convert_tokens_to_ids(t) for t in NEW_TOKENS]

    with tempfile.TemporaryDirectory() as saved:
        tokenizer.save_pretrained(saved)
        with open(os.path.join(saved, "tokenizer.json")) as f:
            added_tokens = [t for t in json.load(f)["added_tokens"] if t["id"] >= old_size]
        with open(os.path.join(saved, "tokenizer_config.json")) as f:
            decoder = json.load(f).get("added_tokens_decoder", {})
        decoder = {k: v for k, v in decoder.items() if int(k) >= old_size}

    encoded = [tokenizer(text)["input_ids"] for text, _ in TEXTS]
    labels = torch.tensor([model.config.label2id[label] for _, label in TEXTS])
    logits = []
    model.zero_grad()
    total = 0
    for ids, label in zip(encoded, labels):
        out = model(input_ids=torch.tensor([ids])).logits
        logits.append(f32_list(out[0].detach()))
        total = total + torch.nn.functional.cross_entropy(out, label.view(1))
    loss = total / len(TEXTS)
    loss.backward()

    gradients = {}
    for name, parameter in model.named_parameters():
        if name.startswith("bert.encoder.layer.") or name.startswith("bert.pooler.") or name.startswith("classifier."):
            gradients[name] = f32_list(parameter.grad)
    write_json(os.path.join(EXPECTED, f"adapt-{NAME}.json"), {
        "model": NAME,
        "new_tokens": NEW_TOKENS,
        "pieces": pieces,
        "new_ids": new_ids,
        "vocab_size": len(tokenizer),
        "added_tokens": added_tokens,
        "added_tokens_decoder": decoder,
        "texts": [text for text, _ in TEXTS],
        "labels": [label for _, label in TEXTS],
        "ids": encoded,
        "logits": logits,
        "loss": float(loss),
        "new_row_gradients": [f32_list(embeddings.grad[i]) for i in new_ids],
        "new_rows": [f32_list(embeddings[i].detach()) for i in new_ids],
        "weight_gradients": gradients,
        "tokenizers": other_tokenizers(),
    })


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3:])
    else:
        main()
