#!/usr/bin/env python3
"""Tiny random RoBERTa, XLM-RoBERTa, CamemBERT, ELECTRA and ALBERT classifiers and their expectations.

    python3 Scripts/reference/make_family_fixtures.py [NAME...]   (default: every fixture)

Writes Tests/Fixtures/models/<name>/ and Tests/Fixtures/expected/<name>.json and
<name>-attributions.json in the schemas of make_model_fixtures.py and make_attribution_fixtures.py
(README.md), plus the same weights in other files under Tests/Fixtures/weight-files/: a RoBERTa as `pytorch_model.bin` only (with
strided, offset and shared storages), the XLM-RoBERTa as a sharded `pytorch_model.bin.index.json`
and the CamemBERT as a sharded `model.safetensors.index.json`.

Each family gets its real kind of tokenizer, small (hundreds of ids, so a fixture's weights are tens
of KB), so a test goes text -> tokens -> logits -> attributions end to end:
  roberta      byte-level BPE: Tests/Fixtures/bpe/roberta (make_bpe_tokenizer_fixtures.py), linked
  xlm-roberta  SentencePiece Unigram with fairseq ids: Tests/Fixtures/sentencepiece/xlmr, linked
  camembert    the same SentencePiece model through CamembertTokenizer (<s>NOTUSED ... ids), its
               tokenizer.json written here
  albert       SentencePiece Unigram: Tests/Fixtures/sentencepiece/albert, linked
  electra      WordPiece (ELECTRA's own kind): a vocab.txt written here
The expectations add HF's offsets and word ids per text (`offsets`, `wordIDs`), which the daemon's
tokens and words must reproduce.

roberta-multilabel-3labels is a RoBERTa with problem_type multi_label_classification: probabilities are
sigmoids of the logits, each label on its own (make_attribution_fixtures.py uses them likewise).
"""

import collections
import json
import os
import shutil
import sys
import tempfile
import unicodedata
import zipfile

import torch
from safetensors.torch import save_file
from transformers import (
    AutoTokenizer,
    AlbertConfig,
    CamembertTokenizer,
    AlbertForSequenceClassification,
    CamembertConfig,
    CamembertForSequenceClassification,
    ElectraConfig,
    ElectraForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_attribution_fixtures import write_attributions  # noqa: E402
from make_model_fixtures import (  # noqa: E402
    CONFIG_DTYPE,
    STORAGE,
    assert_same_parameters,
    batched_logits,
    expectations,
    randomize,
)
from reference_common import EXPECTED, FIXTURES, MODELS, TEXTS, load_model, setup_torch, write_json  # noqa: E402

# The same weights in other files, apart from Tests/Fixtures/models (whose every directory has its own
# expectations): they share their base fixture's.
WEIGHT_FILES = os.path.join(FIXTURES, "weight-files")

VOCABULARY_SIZE = 300
ROBERTA_SPECIALS = dict(cls="<s>", pad="<pad>", sep="</s>", unk="<unk>", mask="<mask>")
ROBERTA_ORDER = ["<s>", "<pad>", "</s>", "<unk>"]          # <mask> is the last id, as in roberta-base
BERT_SPECIALS = dict(cls="[CLS]", pad="[PAD]", sep="[SEP]", unk="[UNK]", mask="[MASK]")
BERT_ORDER = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
ALBERT_SPECIALS = dict(cls="[CLS]", pad="<pad>", sep="[SEP]", unk="<unk>", mask="[MASK]")
ALBERT_ORDER = ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]

# Where each family's tokenizer comes from: a directory of linked tokenizer files, or None (written here).
TOKENIZER_SOURCES = {
    "roberta": ("bpe/roberta", ["tokenizer.json", "tokenizer_config.json"]),
    "xlm-roberta": ("sentencepiece/xlmr", ["tokenizer.json", "tokenizer_config.json"]),
    "albert": ("sentencepiece/albert", ["tokenizer.json", "tokenizer_config.json"]),
}

FAMILIES = {
    "roberta": (RobertaConfig, RobertaForSequenceClassification, ROBERTA_SPECIALS, ROBERTA_ORDER),
    "xlm-roberta": (XLMRobertaConfig, XLMRobertaForSequenceClassification, ROBERTA_SPECIALS, ROBERTA_ORDER),
    "camembert": (CamembertConfig, CamembertForSequenceClassification, ROBERTA_SPECIALS, ROBERTA_ORDER),
    "electra": (ElectraConfig, ElectraForSequenceClassification, BERT_SPECIALS, BERT_ORDER),
    "albert": (AlbertConfig, AlbertForSequenceClassification, ALBERT_SPECIALS, ALBERT_ORDER),
}

# Odd sizes; embedding size differs from hidden size for ELECTRA and ALBERT. RoBERTa-family position
# tables hold padding_idx + 1 = 2 rows more than the usable length, as the real checkpoints do (514);
# 256 usable, as byte-level BPE with a few hundred ids takes ~150 tokens for the longest text.
SPECS = [
    dict(name="roberta-3labels", family="roberta", seed=11, hidden=20, layers=2, heads=4, intermediate=36,
         act="gelu", max_positions=258, labels=["anger", "joy", "sadness"], dtype="F32"),
    dict(name="xlm-roberta-2labels-f16", family="xlm-roberta", seed=12, hidden=12, layers=3, heads=3,
         intermediate=28, act="gelu", max_positions=258, labels=["negative", "positive"], dtype="F16"),
    dict(name="camembert-4labels-bf16", family="camembert", seed=13, hidden=16, layers=2, heads=2,
         intermediate=20, act="gelu_new", max_positions=258, labels=None, label_count=4, dtype="BF16"),
    dict(name="electra-2labels", family="electra", seed=14, hidden=18, embedding=10, layers=2, heads=3,
         intermediate=30, act="gelu", max_positions=128, labels=["unacceptable", "acceptable"], dtype="F32"),
    dict(name="albert-3labels-f16", family="albert", seed=15, hidden=24, embedding=14, layers=3, heads=4,
         intermediate=40, act="gelu_new", max_positions=256, labels=None, label_count=3, dtype="F16"),
    dict(name="roberta-multilabel-3labels", family="roberta", seed=16, hidden=16, layers=2, heads=2, intermediate=24,
         act="gelu", max_positions=258, labels=["toxic", "insult", "threat"], dtype="F32",
         problem_type="multi_label_classification"),
]


def basic_words(text):
    """Lower-cased, accent-stripped words and punctuation marks, as BERT's basic tokenizer splits them."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    words, current = [], ""
    for c in text:
        if c.isspace() or unicodedata.category(c).startswith("P") or (c.isascii() and not c.isalnum()):
            if current:
                words.append(current)
            current = ""
            if not c.isspace():
                words.append(c)
        else:
            current += c
    if current:
        words.append(current)
    return words


def vocabulary(order, mask_last):
    """Specials, then ASCII letters, digits and punctuation with their ## forms, then the most frequent
    words of the texts, to VOCABULARY_SIZE ids. Non-ASCII symbols stay out, so they become unk."""
    words = [w for text in TEXTS for w in basic_words(text)]
    characters = sorted({c for w in words for c in w if c.isascii() and c.isprintable()})
    tokens = list(order) + characters + ["##" + c for c in characters if c.isalnum()]
    budget = VOCABULARY_SIZE - len(tokens) - (1 if mask_last else 0)
    # Words up to 7 letters: longer ones split into pieces.
    counts = collections.Counter(w for w in words if 1 < len(w) <= 7 and w.isascii())
    for word, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:budget]:
        tokens.append(word)
    # A few word pieces, so some words split into more than characters.
    for piece in ["##ing", "##ed", "##s", "##tion", "##al", "##er", "##ic", "##ly"]:
        if len(tokens) < VOCABULARY_SIZE - (1 if mask_last else 0) and piece not in tokens:
            tokens.append(piece)
    if mask_last:
        tokens.append("<mask>")
    assert len(tokens) == len(set(tokens)) and len(tokens) <= VOCABULARY_SIZE
    return tokens


def write_tokenizer(directory, family):
    """The family's tokenizer files in `directory`; returns transformers' tokenizer of it."""
    if family in TOKENIZER_SOURCES:
        source, files = TOKENIZER_SOURCES[family]
        for file in files:
            os.symlink(os.path.join("..", "..", source, file), os.path.join(directory, file))
    elif family == "camembert":
        # CamembertTokenizer converts the XLM-R fixture's SentencePiece model its own way (<s>NOTUSED, <pad>,
        # </s>NOTUSED, <unk>, the pieces, <mask>); its tokenizer.json is kept, compact.
        with tempfile.TemporaryDirectory() as only_model:
            shutil.copyfile(os.path.join(FIXTURES, "sentencepiece", "xlmr", "sentencepiece.bpe.model"),
                            os.path.join(only_model, "sentencepiece.bpe.model"))
            CamembertTokenizer.from_pretrained(only_model).save_pretrained(only_model)
            with open(os.path.join(only_model, "tokenizer.json"), encoding="utf-8") as f:
                tree = json.load(f)
            with open(os.path.join(directory, "tokenizer.json"), "w", encoding="utf-8") as f:
                json.dump(tree, f, ensure_ascii=False, separators=(",", ":"))
            config = json.load(open(os.path.join(only_model, "tokenizer_config.json"), encoding="utf-8"))
        write_json(os.path.join(directory, "tokenizer_config.json"),
                   {key: value for key, value in config.items() if key.endswith("_token") or key == "tokenizer_class"})
    else:
        _, _, specials, order = FAMILIES[family]
        tokens = vocabulary(order, mask_last=specials["mask"] not in order)
        with open(os.path.join(directory, "vocab.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(tokens) + "\n")
        write_json(os.path.join(directory, "tokenizer_config.json"), {
            "tokenizer_class": "BertTokenizer", "do_lower_case": True, "model_max_length": 512,
            **{f"{kind}_token": name for kind, name in specials.items()},
        })
    return AutoTokenizer.from_pretrained(directory)


def build(spec, tokenizer):
    config_class, model_class, _, _ = FAMILIES[spec["family"]]
    labels = spec["labels"] or [f"LABEL_{i}" for i in range(spec["label_count"])]
    fields = dict(
        vocab_size=len(tokenizer), hidden_size=spec["hidden"], num_hidden_layers=spec["layers"],
        num_attention_heads=spec["heads"], intermediate_size=spec["intermediate"], hidden_act=spec["act"],
        max_position_embeddings=spec["max_positions"], layer_norm_eps=1e-12,
        pad_token_id=tokenizer.pad_token_id, bos_token_id=tokenizer.cls_token_id,
        eos_token_id=tokenizer.sep_token_id,
        id2label={i: label for i, label in enumerate(labels)}, label2id={label: i for i, label in enumerate(labels)},
    )
    if spec["family"] in ("roberta", "xlm-roberta", "camembert"):
        fields["type_vocab_size"] = 1
    else:
        fields["type_vocab_size"] = 2
        fields["embedding_size"] = spec["embedding"]
    if "problem_type" in spec:
        fields["problem_type"] = spec["problem_type"]
    config = config_class(**fields)
    config.architectures = [model_class.__name__]
    model = model_class(config)
    model.to(torch.float32)
    model.eval()
    return model


def alignment(tokenizer):
    """HF's offsets (Python str indices; (0, 0) for specials) and word ids (None for specials) per text."""
    offsets, word_ids = [], []
    for text in TEXTS:
        encoded = tokenizer(text, return_offsets_mapping=True)
        offsets.append([list(pair) for pair in encoded["offset_mapping"]])
        word_ids.append(encoded.word_ids())
    return {"offsets": offsets, "wordIDs": word_ids}


def classifier_output(model):
    """The last linear of the head: RoBERTa's and ELECTRA's classifier.out_proj, ALBERT's classifier."""
    return getattr(model.classifier, "out_proj", model.classifier)


def draw_model(spec, tokenizer, ids):
    def make(seed):
        model = build(spec, tokenizer)
        randomize(model, seed)
        return model
    return draw_untied(spec, ids, make)


def draw_untied(spec, ids, make):
    """The first seed whose predictions vary over the texts and are never near ties (classifier bias
    centred, weights rounded to the stored dtype first); make(seed) gives a randomized model."""
    storage = STORAGE[spec["dtype"]]
    for attempt in range(50):
        model = make(spec["seed"] + 100 * attempt)
        with torch.no_grad():
            classifier_output(model).bias -= batched_logits(model, ids).mean(dim=0)
            for parameter in model.parameters():
                parameter.copy_(parameter.to(storage).to(torch.float32))
        logits = batched_logits(model, ids)
        top2 = logits.topk(2, dim=1).values
        if len(set(logits.argmax(dim=1).tolist())) > 1 and (top2[:, 0] - top2[:, 1]).min().item() > 1e-3:
            return model
    raise RuntimeError(f"{spec['name']}: no seed gave varied, untied predictions")


def state_tensors(model, dtype):
    """Parameters by checkpoint name, in the stored dtype (position_ids and other buffers left out, as
    safetensors checkpoints of transformers 5 do)."""
    return {name: p.detach().to(STORAGE[dtype]).contiguous() for name, p in model.named_parameters()}


def fresh_directory(name, parent=MODELS):
    directory = os.path.join(parent, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    return directory


def write_config(model, spec, directory):
    model.config.dtype = CONFIG_DTYPE[spec["dtype"]]
    model.config.save_pretrained(directory)


def link_config_and_tokenizer(source, directory):
    for file in sorted(os.listdir(os.path.join(MODELS, source))):
        if file in ("config.json", "vocab.txt", "tokenizer.json", "tokenizer_config.json"):
            os.symlink(os.path.join("..", "..", "models", source, file), os.path.join(directory, file))


def write_pickled_with_views(tensors, path):
    """pytorch_model.bin whose storages exercise a reader: Q and K of layer 0 as two views into one
    storage (the second at an offset), the classifier's dense weight transposed in storage (strides
    (1, H)), and a tied extra key sharing the word embeddings' storage."""
    state = collections.OrderedDict(tensors)
    query, key = "roberta.encoder.layer.0.attention.self.query.weight", "roberta.encoder.layer.0.attention.self.key.weight"
    stacked = torch.cat([state[query], state[key]], dim=0)
    half = state[query].shape[0]
    state[query], state[key] = stacked[:half], stacked[half:]
    dense = "classifier.dense.weight"
    state[dense] = state[dense].t().contiguous().t()
    state["lm_head.decoder.weight"] = state["roberta.embeddings.word_embeddings.weight"]
    assert state[key].storage_offset() > 0 and state[dense].stride() == (1, state[dense].shape[0])
    torch.save(state, path)


def write_shards(tensors, directory, weights_name, save):
    """Two shards and the index transformers writes: {"metadata": {"total_size"}, "weight_map"}."""
    names = list(tensors)
    stem, extension = weights_name.rsplit(".", 1)
    shards = [names[: len(names) // 2], names[len(names) // 2:]]
    weight_map, total = {}, 0
    for index, shard in enumerate(shards):
        file = f"{stem}-{index + 1:05d}-of-{len(shards):05d}.{extension}"
        save({name: tensors[name] for name in shard}, os.path.join(directory, file))
        for name in shard:
            weight_map[name] = file
            total += tensors[name].numel() * tensors[name].element_size()
    with open(os.path.join(directory, weights_name + ".index.json"), "w") as f:
        json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)


# What the hostile checkpoint would run if unpickled by torch.load without weights_only: a marker file.
HOSTILE_MARKER = "/tmp/explaind-hostile-pickle-ran"


def write_hostile_checkpoint():
    """weight-files/hostile-os-system/pytorch_model.bin: torch.save's zip layout whose data.pkl calls
    os.system (GLOBAL 'os system', the command, TUPLE, REDUCE). Written byte by byte, never unpickled."""
    directory = fresh_directory("hostile-os-system", WEIGHT_FILES)
    link_config_and_tokenizer("roberta-3labels", directory)
    command = f"touch {HOSTILE_MARKER}".encode()
    data = (b"\x80\x02" + b"cos\nsystem\n" + b"(" + b"X" + len(command).to_bytes(4, "little") + command
            + b"t" + b"R" + b".")
    with zipfile.ZipFile(os.path.join(directory, "pytorch_model.bin"), "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("archive/data.pkl", data)
        archive.writestr("archive/byteorder", "little")
        archive.writestr("archive/version", "3\n")


def main():
    setup_torch()
    write_hostile_checkpoint()
    for spec in SPECS:
        if sys.argv[1:] and spec["name"] not in sys.argv[1:]:
            continue
        directory = fresh_directory(spec["name"])
        tokenizer = write_tokenizer(directory, spec["family"])
        ids = [tokenizer(text)["input_ids"] for text in TEXTS]
        model = draw_model(spec, tokenizer, ids)
        write_config(model, spec, directory)
        tensors = state_tensors(model, spec["dtype"])
        save_file(tensors, os.path.join(directory, "model.safetensors"), metadata={"format": "pt"})
        loaded, tokenizer = load_model(spec["name"])
        assert_same_parameters(model, loaded)
        expected = expectations(dict(spec, arch=spec["family"]), loaded, tokenizer)
        expected.update(alignment(tokenizer))
        write_json(os.path.join(EXPECTED, spec["name"] + ".json"), expected)
        write_attributions(spec["name"])
        print(spec["name"], "vocabulary", len(tokenizer), "longest text", max(len(row) for row in ids), "tokens",
              "predicted", expected["predicted"])

        # The same weights in other files; each must load to the same parameters.
        variants = {
            "roberta-3labels": ("roberta-3labels-bin",
                                lambda d: write_pickled_with_views(tensors, os.path.join(d, "pytorch_model.bin"))),
            "xlm-roberta-2labels-f16": ("xlm-roberta-2labels-f16-sharded-bin",
                                        lambda d: write_shards(tensors, d, "pytorch_model.bin", torch.save)),
            "camembert-4labels-bf16": ("camembert-4labels-bf16-sharded",
                                       lambda d: write_shards(tensors, d, "model.safetensors",
                                                              lambda t, p: save_file(t, p, metadata={"format": "pt"}))),
        }
        if spec["name"] in variants:
            name, write = variants[spec["name"]]
            variant = fresh_directory(name, WEIGHT_FILES)
            link_config_and_tokenizer(spec["name"], variant)
            write(variant)
            reloaded = type(model).from_pretrained(variant, dtype=torch.float32)
            assert_same_parameters(model, reloaded)
            print(" ", name, sorted(os.listdir(variant)))


if __name__ == "__main__":
    main()
