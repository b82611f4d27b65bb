#!/usr/bin/env python3
"""Writes the BPE tokenizer fixtures for ExplainTokenizerTests (Tests/Fixtures/bpe/).

Trains small BPE tokenizers with HuggingFace `tokenizers` on text written here, and records what the compiled
tokenizer gives for a few hundred hostile strings:

  roberta/          byte-level BPE as RoBERTa ships it: ByteLevel pre-tokenizer, RobertaProcessing (trim_offsets),
                    <s> <pad> </s> <unk> <mask> (lstrip) as added tokens
  roberta-prefix/   the same with add_prefix_space (the pre-tokenizer and the post-processor)
  gpt2/             GPT-2 style: ByteLevel, ByteLevel post-processor without trimming, <|endoftext|> only
  split-replace/    BPE over characters with an unknown token (fused), continuing_subword_prefix and
                    end_of_word_suffix; normalizers NFKC, Replace (regex and string), Lowercase, Strip, Prepend;
                    pre-tokenizers Split (regex, every behavior, invert), Whitespace, Digits, Punctuation;
                    TemplateProcessing
  bytefallback/     BPE with byte_fallback, NFD + StripAccents, WhitespaceSplit, Sequence post-processor
  slow-roberta/     vocab.json + merges.txt + tokenizer_config.json only (transformers builds the fast tokenizer)

Each directory holds the tokenizer files and expected.json: {"strings": [...], "expected": [{ids, tokens,
offsets, special, words}]}. Usage: python3 Scripts/reference/make_bpe_tokenizer_fixtures.py
"""
import importlib.util
import json
import os
import shutil
import tempfile

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "bpe")

spec = importlib.util.spec_from_file_location("bert_fixtures", os.path.join(HERE, "make_tokenizer_fixtures.py"))
bert_fixtures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bert_fixtures)


def training_text():
    """Text to train on: varied enough that merges span letters, digits, punctuation, spaces and other scripts."""
    base = [
        "The quick brown fox jumps over the lazy dog.", "I can't believe it's not butter!", "This movie was great",
        "absolutely terrible acting, but the music was wonderful", "we're going to the beach tomorrow #summer",
        "@friend you'll love this: https://example.com/page?id=42", "Ça va? Très bien, merci. naïve café résumé",
        "Das Wetter in München ist schön und die Straße ist groß.", "¿Dónde está la biblioteca? ¡Aquí!",
        "Москва — столица России, привет мир", "東京は日本の首都です。中文分词测试。", "한국어 텍스트 처리",
        "مرحبا بالعالم", "שלום עולם", "I love it 😍😍 👍 🇫🇷 👨‍👩‍👧", "prices: $100, €50, 3.14, 1,000,000 and 2023-01-15",
        "tokenization tokenizer tokenize tokens token", "running runner ran runs", "unbelievable believe believed",
        "hello hello hello world world", "the the the and and of of to to in in is is it it",
        "RT @user: check this out → #wow #MeToo lol :) :( <3", "  multiple   spaces\tand\ttabs\nnew lines  ",
    ]
    return [line for _ in range(40) for line in base]


def strings():
    extra = [
        # tweets
        "@cardiffnlp this is sooo good!!! 😂😂 #NLP https://t.co/xyz123", "RT @bob: can't wait 4 the weekend #TGIF",
        "#hashtag#another @a@b", "lol... ok :-) <3 xoxo", "wtf?!?! 🤬🤬", "🇯🇵🇺🇸🏴‍☠️", "👩🏾‍🤝‍👩🏻", "🧑‍💻 coding",
        "emoji👍inside👍words", "I'm", "I'M", "we'll they've you'd she's it'll", "'s 't 're", "don't'", "''quotes''",
        # whitespace
        "a  b   c    d", " leading", "trailing ", "\n", "\t\t", "a\n\nb", "  ", " \u00a0 ", "x\u3000y", "x\u2003 y",
        "line\r\nbreak", "end\n", "\u2028", "a \n b", "   many   \n\n  ",
        # full width, long words
        "ＨＥＬＬＯ　ｗｏｒｌｄ！", "Ｔｏｋｙｏ２０２０", "a" * 300, "ab" * 200, "é" * 150, "😀" * 40, "1" * 120,
        "supercalifragilisticexpialidocious" * 3,
        # added tokens in and around words
        "hello<mask>world", "<s>hello</s>", "<mask>", " <mask> ", "a <mask>b", "x<pad>y", "<unk><unk>",
        "</s></s>", "<s", "mask>", "<<mask>>", "The capital of France is <mask>.", "<|endoftext|>", "a<|endoftext|>b",
        # digits and punctuation
        "0123456789", "3.14159", "v2.0.1", "1st 2nd 3rd", "٣٤٥", "१२३", "①②", "a1b2c3", "...!!!???", "—–-",
        "(a)[b]{c}", "\"quoted\"", "C:\\path\\file.txt", "a/b/c", "x=1;y=2",
    ]
    return bert_fixtures.corpus() + extra


def expected(tokenizer, texts):
    out = []
    for text in texts:
        e = tokenizer.encode(text)
        out.append({"ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets],
                    "special": [bool(s) for s in e.special_tokens_mask], "words": e.word_ids})
    return out


def train(tokenizer, trainer):
    tokenizer.train_from_iterator(training_text(), trainer=trainer)
    return tokenizer


def roberta(prefix):
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix)
    t.decoder = decoders.ByteLevel()
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    train(t, trainers.BpeTrainer(vocab_size=700, special_tokens=specials,
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    t.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    t.post_processor = processors.RobertaProcessing(("</s>", t.token_to_id("</s>")), ("<s>", t.token_to_id("<s>")),
                                                    trim_offsets=True, add_prefix_space=prefix)
    config = {"model_max_length": 512, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
              "sep_token": "</s>", "cls_token": "<s>", "pad_token": "<pad>", "mask_token": "<mask>"}
    return t, config


def gpt2():
    t = Tokenizer(models.BPE())
    t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    t.decoder = decoders.ByteLevel()
    train(t, trainers.BpeTrainer(vocab_size=600, special_tokens=["<|endoftext|>"],
                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    t.post_processor = processors.ByteLevel(trim_offsets=False)
    config = {"model_max_length": 1024, "bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>",
              "unk_token": "<|endoftext|>"}
    return t, config


def split_replace():
    t = Tokenizer(models.BPE(unk_token="[UNK]", fuse_unk=True, continuing_subword_prefix="##",
                             end_of_word_suffix="</w>"))
    t.normalizer = normalizers.Sequence([
        normalizers.NFKC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Replace("’", "'"),
        normalizers.Lowercase(), normalizers.Strip(), normalizers.Prepend("_"),
    ])
    t.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r"https?://\S+"), behavior="isolated"),
        pre_tokenizers.Split(Regex(r"[@#]\w+"), behavior="merged_with_next"),
        pre_tokenizers.Split(" ", behavior="removed"),
        pre_tokenizers.Split(Regex(r"\p{N}+"), behavior="isolated", invert=False),
        pre_tokenizers.Split(Regex(r"[^\p{P}]+"), behavior="merged_with_previous", invert=True),
        pre_tokenizers.Punctuation(behavior="contiguous"),
        pre_tokenizers.Digits(individual_digits=True),
    ])
    specials = ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"]
    train(t, trainers.BpeTrainer(vocab_size=800, special_tokens=specials, continuing_subword_prefix="##",
                                 end_of_word_suffix="</w>", limit_alphabet=120, show_progress=False))
    t.add_tokens([AddedToken("hello", single_word=True, normalized=True),
                  AddedToken("world", rstrip=True, normalized=False)])
    t.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", t.token_to_id("[CLS]")), ("[SEP]", t.token_to_id("[SEP]"))])
    config = {"model_max_length": 256, "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
              "pad_token": "[PAD]", "mask_token": "[MASK]"}
    return t, config


def bytefallback():
    t = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    t.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents()])
    t.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Whitespace()])
    byte_tokens = ["<0x%02X>" % b for b in range(256)]
    train(t, trainers.BpeTrainer(vocab_size=900, special_tokens=["<unk>", "<s>", "</s>", "<pad>", "<mask>"] + byte_tokens,
                                 limit_alphabet=80, show_progress=False))
    t.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=True),
        processors.TemplateProcessing(single="<s> $A </s>", special_tokens=[("<s>", t.token_to_id("<s>")),
                                                                          ("</s>", t.token_to_id("</s>"))]),
    ])
    config = {"model_max_length": 128, "unk_token": "<unk>", "cls_token": "<s>", "sep_token": "</s>",
              "pad_token": "<pad>", "mask_token": "<mask>"}
    return t, config


def write(name, tokenizer, config, texts):
    directory = os.path.join(OUT, name)
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    tokenizer.save(os.path.join(directory, "tokenizer.json"))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1, ensure_ascii=False)
        f.write("\n")
    write_expected(directory, tokenizer, texts)


def write_expected(directory, tokenizer, texts):
    with open(os.path.join(directory, "expected.json"), "w") as f:
        json.dump({"strings": texts, "expected": expected(tokenizer, texts)}, f, ensure_ascii=False,
                  separators=(",", ":"))
        f.write("\n")


def slow_roberta(texts):
    """vocab.json + merges.txt as RoBERTa's slow files; transformers converts them to the fast tokenizer."""
    from transformers import RobertaTokenizerFast
    t, config = roberta(False)
    directory = os.path.join(OUT, "slow-roberta")
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    t.model.save(directory)
    config = dict(config, tokenizer_class="RobertaTokenizer")
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=1)
        f.write("\n")
    fast = RobertaTokenizerFast.from_pretrained(directory)
    assert fast.backend_tokenizer.get_vocab_size() > 500, "transformers did not read vocab.json + merges.txt"
    write_expected(directory, fast.backend_tokenizer, texts)


def main():
    texts = strings()
    for name, (tokenizer, config) in [("roberta", roberta(False)), ("roberta-prefix", roberta(True)), ("gpt2", gpt2()),
                                      ("split-replace", split_replace()), ("bytefallback", bytefallback())]:
        write(name, tokenizer, config, texts)
    slow_roberta(texts)
    print("wrote", OUT, len(texts), "strings")


if __name__ == "__main__":
    main()
