#!/usr/bin/env python3
"""What `explaind adapt` must reproduce, from transformers: on the bert-gelu-2labels fixture checkpoint (WordPiece),
a tiny random RoBERTa on the byte-level BPE tokenizer fixture and the DeBERTa-v2 fixture on its Unigram
tokenizer.json (both written under Tests/Fixtures/adapt/).

Writes Tests/Fixtures/expected/adapt-<name>.json:
- the pieces each new token split into before, the `added_tokens` entries and `added_tokens_decoder`
  entries transformers writes after `tokenizer.add_tokens` (tokenizer.json, tokenizer_config.json);
- the ids of the texts with the grown tokenizer, and the logits of the grown model whose new rows are
  the mean of their pieces' rows (`resize_token_embeddings`, then the rows set by hand);
- the gradients of the mean cross-entropy over the texts (eval mode, no dropout) by PyTorch autograd:
  of the new word-embedding rows, and of every head and encoder-layer weight (every layer: top-layers:all);
- for bert-gelu-2labels, add_tokens on the BPE and Unigram tokenizer fixtures alone.
- for the directories explaind adapt wrote from the RoBERTa, the DeBERTa-v3 and a ModernBERT (adapt/*-adapted,
  see adapted()), transformers' ids and logits on them.
Usage: python3 Scripts/reference/make_adapt_fixtures.py [--check DIR TEXTS...] — with --check, prints the
logits transformers gives for any adapted directory (to compare with explaind's by hand).
"""

import json
import os
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_model_fixtures import randomize  # noqa: E402
from reference_common import EXPECTED, FIXTURES, MODELS, f32_list, load_model, setup_torch, write_json  # noqa: E402

ADAPT = os.path.join(FIXTURES, "adapt")   # the BPE and Unigram families' checkpoints (not under models/, which has expectations per model)

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


def gradients_of(name, model, tokenizer, pieces, new_tokens, texts, trained):
    """The grown model's logits and the gradients of the mean cross-entropy over the texts (eval mode, no
    dropout): of the new word-embedding rows and of the parameters `trained(name)` selects."""
    old_size = len(tokenizer)
    added = tokenizer.add_tokens(new_tokens)
    assert added == len(new_tokens)
    model.resize_token_embeddings(len(tokenizer))
    embeddings = model.get_input_embeddings().weight
    with torch.no_grad():
        for k, ids in enumerate(pieces):
            embeddings[old_size + k] = embeddings[ids].mean(dim=0)
    new_ids = [tokenizer.convert_tokens_to_ids(t) for t in new_tokens]

    with tempfile.TemporaryDirectory() as saved:
        tokenizer.save_pretrained(saved)
        with open(os.path.join(saved, "tokenizer.json")) as f:
            added_tokens = [t for t in json.load(f)["added_tokens"] if t["id"] >= old_size]
        with open(os.path.join(saved, "tokenizer_config.json")) as f:
            decoder = json.load(f).get("added_tokens_decoder", {})
        decoder = {k: v for k, v in decoder.items() if int(k) >= old_size}

    encoded = [tokenizer(text)["input_ids"] for text, _ in texts]
    labels = torch.tensor([model.config.label2id[label] for _, label in texts])
    logits = []
    model.zero_grad()
    total = 0
    for ids, label in zip(encoded, labels):
        out = model(input_ids=torch.tensor([ids])).logits
        logits.append(f32_list(out[0].detach()))
        total = total + torch.nn.functional.cross_entropy(out, label.view(1))
    loss = total / len(texts)
    loss.backward()

    gradients = {n: f32_list(p.grad) for n, p in model.named_parameters() if trained(n)}
    return {
        "model": name,
        "new_tokens": new_tokens,
        "pieces": pieces,
        "new_ids": new_ids,
        "vocab_size": len(tokenizer),
        "added_tokens": added_tokens,
        "added_tokens_decoder": decoder,
        "texts": [text for text, _ in texts],
        "labels": [label for _, label in texts],
        "ids": encoded,
        "logits": logits,
        "loss": float(loss),
        "new_row_gradients": [f32_list(embeddings.grad[i]) for i in new_ids],
        "new_rows": [f32_list(embeddings[i].detach()) for i in new_ids],
        "weight_gradients": gradients,
    }


def load(directory):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(directory, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    return model, AutoTokenizer.from_pretrained(directory)


def bert():
    model, tokenizer = load_model(NAME)
    pieces = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in NEW_TOKENS]
    result = gradients_of(NAME, model, tokenizer, pieces, NEW_TOKENS, TEXTS,
                          lambda n: n.startswith(("bert.encoder.layer.", "bert.pooler.", "classifier.")))
    result["tokenizers"] = other_tokenizers()
    write_json(os.path.join(EXPECTED, f"adapt-{NAME}.json"), result)


def link(target, link_path):
    if os.path.lexists(link_path):
        os.remove(link_path)
    os.symlink(os.path.relpath(target, os.path.dirname(link_path)), link_path)


def make_roberta_bpe():
    """A tiny random RoBERTa classifier on the byte-level BPE tokenizer fixture (bpe/roberta, 700 ids)."""
    from safetensors.torch import save_file
    from transformers import RobertaConfig, RobertaForSequenceClassification

    directory = os.path.join(ADAPT, "roberta-bpe-2labels")
    os.makedirs(directory, exist_ok=True)
    bpe = os.path.join(os.path.dirname(MODELS), "bpe", "roberta")
    link(os.path.join(bpe, "tokenizer.json"), os.path.join(directory, "tokenizer.json"))
    with open(os.path.join(bpe, "tokenizer_config.json")) as f:
        tokenizer_config = json.load(f)
    tokenizer_config["model_max_length"] = 128
    write_json(os.path.join(directory, "tokenizer_config.json"), tokenizer_config)
    config = RobertaConfig(vocab_size=700, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=28,
                           hidden_act="gelu", max_position_embeddings=130, type_vocab_size=1, layer_norm_eps=1e-12,
                           pad_token_id=1, bos_token_id=0, eos_token_id=2,
                           id2label={0: "negative", 1: "positive"}, label2id={"negative": 0, "positive": 1})
    config.architectures = ["RobertaForSequenceClassification"]
    model = RobertaForSequenceClassification(config)
    randomize(model, 21)
    config.save_pretrained(directory)
    save_file({n: p.detach().contiguous() for n, p in model.state_dict().items() if n != "roberta.embeddings.position_ids"},
              os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
    return directory


def deberta_with_unigram(model, name):
    """A DeBERTa fixture checkpoint (models/<model>) with the Unigram tokenizer.json of its spm.model (the same file
    as sentencepiece/deberta's), as adapt/<name>."""
    directory = os.path.join(ADAPT, name)
    os.makedirs(directory, exist_ok=True)
    for file in ["config.json", "model.safetensors", "tokenizer_config.json"]:
        link(os.path.join(MODELS, model, file), os.path.join(directory, file))
    link(os.path.join(os.path.dirname(MODELS), "sentencepiece", "deberta", "tokenizer.json"), os.path.join(directory, "tokenizer.json"))
    return directory


def family(directory, labels, base, encoder="encoder.", head=("pooler.", "classifier.")):
    """A family's fixture: every layer and the head trained (top-layers:all), so also what the layers share —
    DeBERTa's relative embeddings and their norm (encoder.rel_embeddings, encoder.LayerNorm) besides each layer's
    position projections (pos_key_proj, pos_query_proj), ALBERT's layer group (used by every layer); ModernBERT's
    layers, its final norm and its head (head.dense, head.norm, classifier)."""
    name = os.path.basename(directory)
    model, tokenizer = load(directory)
    pieces = [tokenizer(t, add_special_tokens=False)["input_ids"] for t in NEW_TOKENS]
    texts = [(text, labels[k % len(labels)]) for k, (text, _) in enumerate(TEXTS)]

    def trained(n):
        return n.startswith((base + encoder, *head, *(base + h for h in head)))

    write_json(os.path.join(EXPECTED, f"adapt-{name}.json"), gradients_of(name, model, tokenizer, pieces, NEW_TOKENS, texts, trained))


ADAPTED = ["roberta-bpe-2labels-adapted", "deberta-v3-unigram-3labels-adapted", "modernbert-3labels-adapted"]
ADAPTED_TEXTS = [text for text, _ in TEXTS] + ["Atiku, INEC and Ezekwesili."]


def adapted(name):
    """transformers on a directory `explaind adapt` wrote (Tests/Fixtures/adapt/<name>, from the fixture before
    "-adapted" and the texts of its expectations, --add-tokens Ezekwesili,Atiku,INEC --epochs 2 --lr 0.01
    --batch-size 2 and the --train of AdaptTests.adaptedDirectories): AutoTokenizer's ids and
    AutoModelForSequenceClassification's logits, which explaind must give on the same directory."""
    model, tokenizer = load(os.path.join(ADAPT, name))
    ids = [tokenizer(text)["input_ids"] for text in ADAPTED_TEXTS]
    with torch.no_grad():
        logits = [f32_list(model(input_ids=torch.tensor([row])).logits[0]) for row in ids]
    write_json(os.path.join(EXPECTED, f"adapt-{name}.json"), {"texts": ADAPTED_TEXTS, "ids": ids, "logits": logits})


def main():
    setup_torch()
    bert()
    family(make_roberta_bpe(), ["positive", "negative"], "roberta.")
    # share_att_key false (pos_key_proj, pos_query_proj); share_att_key, layer-normed relative embeddings, log buckets
    family(deberta_with_unigram("deberta-v2-4labels-f16", "deberta-v2-unigram-4labels"), ["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3"], "deberta.")
    family(deberta_with_unigram("deberta-v3-3labels", "deberta-v3-unigram-3labels"), ["contradiction", "entailment", "neutral"], "deberta.")
    family(os.path.join(MODELS, "albert-3labels-f16"), ["LABEL_0", "LABEL_1", "LABEL_2"], "albert.", "encoder.albert_layer_groups.")
    for name, labels in [("modernbert-3labels", ["anger", "joy", "sadness"]), ("modernbert-2labels-mean-bias-bf16", ["negative", "positive"])]:
        family(os.path.join(MODELS, name), labels, "model.", "layers.", ("final_norm.", "head.", "classifier."))
    for name in ADAPTED:
        if os.path.isdir(os.path.join(ADAPT, name)):
            adapted(name)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3:])
    else:
        main()
