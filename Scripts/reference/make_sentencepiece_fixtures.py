#!/usr/bin/env python3
"""Writes the SentencePiece reference fixtures for ExplainTokenizerTests.

Trains small SentencePiece models on text this script writes, loads each the way transformers does from the
`.model` file alone (XLMRobertaTokenizer, AlbertTokenizer, DebertaV2Tokenizer; a model whose class is unknown goes
through SpmConverter.build_tokenizer_from_spm_proto), saves the tokenizer.json transformers writes, and records
HF tokenizers' encodings of a hostile corpus.

  Tests/Fixtures/sentencepiece/<family>/   <name>.model, tokenizer.json, tokenizer_config.json
  Tests/Fixtures/sentencepiece-corpus.json the strings and, per family, the expected ids, tokens, offsets,
                                           special flags and words (identical through tokenizer.json and .model)

Families:
  xlmr     Unigram, nmt_nfkc charsmap (the real one), sentencepiece.bpe.model, fairseq ids
  albert   Unigram, a small custom charsmap (normalization_rule_tsv), spiece.model, [CLS]/[SEP]/<pad>/<unk>/[MASK]
  deberta  Unigram, no charsmap, spm.model, [PAD]/[CLS]/[SEP]/[UNK], [MASK] appended by transformers
  generic  Unigram with byte_fallback and a user-defined piece, spm's own normalizer spec
           (remove_extra_whitespaces, dummy prefix), class unknown to transformers
  spmbpe   a BPE-type SentencePiece model (model_type=BPE in the proto) with byte_fallback, class unknown to
           transformers: SpmConverter's BPE (merges recovered from the pieces' scores)
  llama    the same kind of model through LlamaTokenizer: the Llama-style tokenizer.json (BPE with fuse_unk and
           byte_fallback, no normalizer, Metaspace prepend_scheme first without split); its .model alone is not
           read (tokenizer_class LlamaTokenizer is not among the converted classes)

Usage: python3 Scripts/reference/make_sentencepiece_fixtures.py
Needs sentencepiece, protobuf, tokenizers and transformers (v5).
"""
import io
import json
import os
import random
import shutil
import sys
import tempfile

import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import Tokenizer
from transformers import AlbertTokenizer, DebertaV2Tokenizer, LlamaTokenizer, XLMRobertaTokenizer
from transformers.tokenization_utils_tokenizers import TokenizersBackend

sys.path.insert(0, os.path.dirname(__file__))
from make_tokenizer_fixtures import corpus as bert_corpus, expected  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OUT = os.path.join(FIXTURES, "sentencepiece")


def training_text():
    """A few thousand lines mixing the scripts of the corpus, so the models have pieces for each."""
    rng = random.Random(14)
    words = {
        "en": "the a of and to in is was it for on with as at by this that film movie great bad good love hate "
              "really not very best worst time people story play played playing watch watched funny sad boring "
              "amazing terrible election government senate budget vote votes president minister party policy "
              "tweet today tonight happy birthday thanks thank you lol omg wow news world city team game".split(),
        "fr": "le la les un une des et est très bien film ça plu vraiment été café crème brûlée résumé naïve "
              "façade déjà où élection gouvernement".split(),
        "de": "der die das und ist nicht sehr gut schön Wetter München Straße groß Müller Zürich über für "
              "Regierung Wahl".split(),
        "es": "el la los y es muy bueno ¿Dónde está biblioteca Ñandú jalapeño ¡Hola! años".split(),
        "ru": "Москва столица России Привет мир хорошо плохо выборы".split(),
        "el": "Ελληνικά Ελλάδα και Κύπρος".split(),
        "ar": "مرحبا بالعالم السلام عليكم الانتخابات الحكومة".split(),
        "he": "שלום עולם עברית בחירות".split(),
        "zh": ["中文", "分词", "测试", "我爱", "北京", "天安门", "东京", "日本", "选举", "政府"],
        "ja": ["日本語", "の", "テキスト", "ひらがな", "カタカナ", "漢字", "とかな", "混じり文"],
        "ko": ["한국어", "텍스트", "선거"],
        "hi": ["हिन्दी", "भाषा", "चुनाव"],
        "emoji": ["😍", "👍", "😂", "❤️", "🔥", "✨", "🇫🇷", "👏", "🙏", "😭"],
    }
    lines = []
    for _ in range(3000):
        lang = rng.choice(list(words))
        n = rng.randint(3, 14)
        ws = [rng.choice(words[lang]) for _ in range(n)]
        if rng.random() < 0.3:
            ws.insert(rng.randrange(len(ws) + 1), rng.choice(words["emoji"]))
        if rng.random() < 0.2:
            ws.insert(0, "@user" + str(rng.randint(1, 99)))
        if rng.random() < 0.2:
            ws.append("#" + rng.choice(words["en"]))
        if rng.random() < 0.1:
            ws.append("https://t.co/" + "".join(rng.choice("abcdefXYZ0123") for _ in range(8)))
        if rng.random() < 0.2:
            ws.append(str(rng.randint(0, 100000)))
        line = " ".join(ws)
        if rng.random() < 0.5:
            line = line[0].upper() + line[1:] + rng.choice([".", "!", "?", "!!!", "...", ""])
        lines.append(line)
    return lines


# A small charsmap for ALBERT: one code point to several, several (a grapheme) to one, removals, full-width.
ALBERT_RULES = [
    ("FB01", "66 69"),           # ﬁ -> fi
    ("FB02", "66 6C"),           # ﬂ -> fl
    ("65 301", "E9"),            # e + combining acute -> é (a grapheme looked up whole)
    ("61 300", "E0"),            # a + combining grave -> à
    ("FF21", "41"), ("FF22", "42"), ("FF23", "43"), ("FF41", "61"), ("FF42", "62"), ("FF43", "63"),
    ("FF11", "31"), ("FF12", "32"), ("FF13", "33"), ("3000", "20"),
    ("200B", ""),                # zero-width space removed
    ("AD", ""),                  # soft hyphen removed
    ("7", ""), ("1B", ""), ("7F", ""),
    ("9", "20"), ("A", "20"), ("D", "20"), ("A0", "20"), ("2003", "20"),
    ("2126", "3A9"),             # Ω (ohm) -> Ω
    ("212B", "C5"),              # Å (angstrom) -> Å
    ("2460", "31"),              # ① -> 1
    ("FB03", "66 66 69"),        # ﬃ -> ffi
    ("1F1EB 1F1F7", "46 52"),    # 🇫🇷 -> FR (a grapheme of two scalars, to several)
]


def train(name, model_type="unigram", vocab_size=800, rules=None, **options):
    model = io.BytesIO()
    args = dict(sentence_iterator=iter(training_text()), model_writer=model, model_type=model_type,
                vocab_size=vocab_size, character_coverage=0.9995, hard_vocab_limit=False, seed_sentencepiece_size=20000,
                num_threads=1, minloglevel=2)
    if rules is not None:
        # The path is recorded in the model: a fixed one keeps reruns byte-identical.
        os.makedirs("/tmp/explaind-sentencepiece", exist_ok=True)
        tsv = "/tmp/explaind-sentencepiece/rules.tsv"
        with open(tsv, "w") as f:
            for source, target in rules:
                f.write(f"{source}\t{target}\n")
        args["normalization_rule_tsv"] = tsv
    args.update(options)
    spm.SentencePieceTrainer.train(**args)
    return model.getvalue()


FAMILIES = {
    "xlmr": dict(file="sentencepiece.bpe.model", cls=XLMRobertaTokenizer,
                 train=dict(vocab_size=1000, normalization_rule_name="nmt_nfkc")),
    "albert": dict(file="spiece.model", cls=AlbertTokenizer,
                   train=dict(vocab_size=700, rules=ALBERT_RULES, pad_id=0, unk_id=1, bos_id=2, eos_id=3,
                              bos_piece="[CLS]", eos_piece="[SEP]", control_symbols="[MASK]")),
    "deberta": dict(file="spm.model", cls=DebertaV2Tokenizer,
                    train=dict(vocab_size=700, normalization_rule_name="identity", pad_id=0, bos_id=1, eos_id=2,
                               unk_id=3, pad_piece="[PAD]", bos_piece="[CLS]", eos_piece="[SEP]", unk_piece="[UNK]")),
    "generic": dict(file="tokenizer.model", cls=TokenizersBackend,
                    train=dict(vocab_size=600, normalization_rule_name="identity", byte_fallback=True,
                               user_defined_symbols="<sep>")),
    "spmbpe": dict(file="tokenizer.model", cls=TokenizersBackend,
                   train=dict(model_type="bpe", vocab_size=700, normalization_rule_name="identity", byte_fallback=True)),
    "llama": dict(file="tokenizer.model", cls=LlamaTokenizer,
                  train=dict(model_type="bpe", vocab_size=700, normalization_rule_name="identity", byte_fallback=True)),
}


def spm_corpus():
    """The BERT corpus, plus what matters to Metaspace, the charsmap and SentencePiece's specials."""
    extra = [
        "<s>", "</s>", "<unk>", "<pad>", "<mask>", "[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]", "<sep>",
        "Hello <mask> world", "hello<mask>world", "x</s>y", "<s>start", "end</s>", "a[MASK]b", "[CLS]x[SEP]",
        "word<sep>word", " <sep> ", "<mask><mask>", "<<mask>>",
        "▁", "▁▁", "▁x", "x▁y", "_under_score_", " ▁ leading", "a ▁ b",
        "ﬁne ﬂower ﬃ", "cafe\u0301 a\u0300", "e\u0301\u0301", "\u0301", "ＡＢＣａｂｃ１２３", "①②", "\u2126\u212b",
        "🇫🇷🇩🇪", "🇫🇷x", "soft\u00adhyphen", "zero\u200bwidth", "\u200b\u200bx", "x\u200b",
        "@user1 @user22 thanks!!! #happy #birthday 🎉", "RT @user: great election https://t.co/abcXYZ01 #vote",
        "lol 😂😂😂 omg", "I ❤️ Paris 🇫🇷", "https://www.example.com/a/b?c=d&e=f", "user@example.org wrote",
        "#MeToo #BlackLivesMatter", "@@@@", "##", "Le gouvernement a été très bien.", "Москва — столица России.",
        "  two  spaces  ", "\t\ttabs\t\t", "line\nbreak\r\nwindows", "a\u3000b", "\u3000\u3000", "x\u00a0\u00a0y",
        "12345678901234567890", "the" * 40, "ab" * 150, "🙂" * 30, "日本語" * 20,
        "It's 5 o'clock somewhere... ¯\\_(ツ)_/¯", "``quoted''", "''", "``",
    ]
    seen, out = set(), []
    for s in bert_corpus() + extra:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def load_from_model(cls, directory):
    if cls is TokenizersBackend:
        return TokenizersBackend.from_pretrained(directory, vocab_file=os.path.join(directory, "tokenizer.model"))
    return cls.from_pretrained(directory)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    strings = spm_corpus()
    results = {}
    for family, spec in FAMILIES.items():
        directory = os.path.join(OUT, family)
        os.makedirs(directory)
        options = dict(spec["train"])
        model = train(family, **options)
        with open(os.path.join(directory, spec["file"]), "wb") as f:
            f.write(model)
        # transformers from the .model alone, saved as the tokenizer.json it builds.
        with tempfile.TemporaryDirectory() as only_model:
            shutil.copyfile(os.path.join(directory, spec["file"]), os.path.join(only_model, spec["file"]))
            hf = load_from_model(spec["cls"], only_model)
            hf.save_pretrained(directory)
        for extra in ("special_tokens_map.json", "chat_template.jinja"):
            if os.path.exists(os.path.join(directory, extra)):
                os.remove(os.path.join(directory, extra))
        fast = Tokenizer.from_file(os.path.join(directory, "tokenizer.json"))
        encodings = []
        for text in strings:
            e = fast.encode(text)
            assert e.ids == hf(text)["input_ids"], (family, text)
            encodings.append(expected(e))
        results[family] = {"model_file": spec["file"], "vocab_size": fast.get_vocab_size(), "expected": encodings}
        sizes = {n: os.path.getsize(os.path.join(directory, n)) for n in sorted(os.listdir(directory))}
        print(f"{family}: {fast.get_vocab_size()} ids, files {sizes}")

    # Options of tokenizer_config.json, each through the .model file alone: prepend schemes never and first,
    # cased and accented ALBERT, DeBERTa's punctuation split and lower-casing, SentencePiece's non-legacy prefix.
    variant_strings = [x for x in strings if len(x) < 80][:150]
    variants = []
    for family, options in (("xlmr", {"add_prefix_space": False}),
                            ("albert", {"do_lower_case": False, "keep_accents": True}),
                            ("albert", {"add_prefix_space": False}),
                            ("deberta", {"add_prefix_space": False, "split_by_punct": True, "do_lower_case": True}),
                            ("generic", {"legacy": False})):
        spec = FAMILIES[family]
        with tempfile.TemporaryDirectory() as only_model:
            shutil.copyfile(os.path.join(OUT, family, spec["file"]), os.path.join(only_model, spec["file"]))
            if spec["cls"] is TokenizersBackend:
                hf = TokenizersBackend.from_pretrained(only_model, vocab_file=os.path.join(only_model, spec["file"]),
                                                       **options)
            else:
                hf = spec["cls"].from_pretrained(only_model, **options)
        encodings = []
        for text in variant_strings:
            e = hf._tokenizer.encode(text)
            assert e.ids == hf(text)["input_ids"], (family, options, text)
            encodings.append(expected(e))
        variants.append({"family": family, "tokenizer_config": dict(options, tokenizer_class=spec["cls"].__name__),
                         "expected": encodings})
        print(f"variant {family} {options}: pre_tokenizer {hf._tokenizer.pre_tokenizer.__getstate__()}")

    out = {
        "generator": f"Scripts/reference/make_sentencepiece_fixtures.py (sentencepiece {spm.__version__}, "
                     f"tokenizers {tokenizers.__version__}, transformers {transformers.__version__})",
        "strings": strings,
        "families": results,
        "variant_strings": variant_strings,
        "variants": variants,
    }
    with open(os.path.join(FIXTURES, "sentencepiece-corpus.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"corpus: {len(strings)} strings, {len(results)} families")


if __name__ == "__main__":
    main()
