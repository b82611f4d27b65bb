"""Shared pieces of the reference fixture scripts: paths, texts, model loading, JSON floats.

Every script loads models in float32 and eval mode (no dropout), whatever dtype the
checkpoint is stored in, so expectations are float32 PyTorch numbers.
"""

import json
import os

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
MODELS = os.path.join(FIXTURES, "models")
EXPECTED = os.path.join(FIXTURES, "expected")
TOKENIZER = os.path.join(FIXTURES, "tokenizer")

MODEL_NAMES = [
    "bert-gelu-2labels",
    "bert-tanh-3labels-f16",
    "distilbert-3labels-bf16",
    "bert-largest",
]

# make_family_fixtures.py's checkpoints (each with its family's real tokenizer).
FAMILY_MODEL_NAMES = [
    "roberta-3labels",
    "xlm-roberta-2labels-f16",
    "camembert-4labels-bf16",
    "electra-2labels",
    "albert-3labels-f16",
    "roberta-multilabel-3labels",
]

# The five reference sentences (/work/notes/SENTENCES.md, byte-identical) and five others:
# 2 tokens, ~40 tokens, one word split into 17 word pieces, accents/punctuation, [UNK] + digits.
TEXTS = [
    "Atiku and Buhari are campaigning across Nigeria ahead of the presidential election.",
    "INEC has postponed the 2019 general elections by one week.",
    "The APC and PDP traded accusations of vote buying in Lagos.",
    "Voters queued for hours to elect their governor in Kano state.",
    "The sky is green and beautiful",
    "Yes.",
    "On Saturday morning, long lines of voters in Abuja, Port Harcourt and Ibadan waited patiently "
    "under the hot sun while electoral officers struggled with card readers that failed to read fingerprints.",
    "Pneumonoultramicroscopicsilicovolcanoconiosis is a lung disease.",
    "Café déjà vu — naïve résumé!!! (really?) «Ça va», São Paulo…",
    "Turnout was 34.75% in 2019 ☃ 🗳️ ok",
]


def setup_torch():
    """One thread and deterministic kernels, so regenerated numbers do not depend on the core count
    (with 2 threads instead of 1, summation order moves occlusion scores by up to 2.4e-6)."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)


def load_model(name):
    """The fixture checkpoint as a float32 eval-mode model, and its tokenizer."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    directory = os.path.join(MODELS, name)
    model = AutoModelForSequenceClassification.from_pretrained(
        directory, dtype=torch.float32, attn_implementation="eager"
    )
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(directory)
    return model, tokenizer


def probabilities(model, logits):
    """What the classifier's outputs mean: a sigmoid per label for problem_type multi_label_classification
    (transformers trains those with BCEWithLogitsLoss), else a softmax over the last dimension."""
    if model.config.problem_type == "multi_label_classification":
        return torch.sigmoid(logits)
    return torch.softmax(logits, dim=-1)


def word_embedding_layer(model):
    return model.get_input_embeddings()


def f32(x):
    """Shortest decimal that round-trips the float32 value (Python float, written by json as is)."""
    return float(str(np.float32(x)))


def f32_list(values):
    return [f32(v) for v in np.asarray(values, dtype=np.float32).reshape(-1)]


def f32_rows(matrix):
    return [f32_list(row) for row in np.asarray(matrix, dtype=np.float32)]


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
