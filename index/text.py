"""Text normalization and tokenization, shared by clauses and questions.

normalize(): NFKC (full/half width), lower case, Traditional → Simplified (OpenCC), then the
variant table of vocab/variants.txt (帐号/账号, 登陆/登录 …).
words(): jieba search-mode tokens with the domain dictionary, minus stopwords.
bigrams(): overlapping character pairs of every Chinese run, a fallback field for words that
jieba splits differently in a question than in a policy.
English words are stemmed everywhere (Snowball: deleting, deleted, deletion → delet), so an
English question meets an English policy's words in any of their forms.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Callable

from .cleaning import clean_text

VOCAB_DIR = Path(__file__).parent / "vocab"
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_HAS_WORD = re.compile(f"[{_CJK}a-z0-9]")
log = logging.getLogger(__name__)
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:[.'’][a-z0-9]+)*")
_LATIN_ONLY = re.compile(r"[a-z]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def read_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of a vocabulary data file."""
    path = VOCAB_DIR / name
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        if line:
            out.append(line)
    return out


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball stem of a lower-case Latin word; anything else as it is."""
    return _stemmer().stemWord(word) if _LATIN_ONLY.fullmatch(word) else word


@lru_cache(maxsize=1)
def _converters():
    import opencc

    return opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp")


@lru_cache(maxsize=1)
def _variants() -> tuple[dict[int, str], re.Pattern | None, dict[str, str]]:
    chars: dict[int, str] = {}
    phrases: dict[str, str] = {}
    for line in read_lines("variants.txt"):
        src, _, dst = (p.strip() for p in line.partition("=>"))
        for s in src.split("|"):
            s = unicodedata.normalize("NFKC", s.strip()).lower()
            if len(s) == 1:
                chars[ord(s)] = dst
            elif s:
                phrases[s.translate(chars)] = dst
    # One pass, longest variant first, so 手机号码 is not rewritten again through 手机号.
    keys = sorted(phrases, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, keys))) if keys else None
    return chars, pattern, phrases


def is_traditional(text: str) -> bool:
    """Whether the text reads as Traditional Chinese (converting it changes characters)."""
    t2s, _ = _converters()
    return bool(_CJK_RUN.search(text)) and t2s.convert(text) != text


def normalize(text: str, taiwan: bool = False) -> str:
    """Canonical form for matching; `taiwan` also maps Taiwan wording (軟體→软件, 資料→数据)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFKC", clean_text(text))).lower()
    t2s, tw2sp = _converters()
    text = (tw2sp if taiwan else t2s).convert(text)
    chars, pattern, phrases = _variants()
    text = text.translate(chars)
    return pattern.sub(lambda m: phrases[m.group(0)], text) if pattern else text


class Tokenizer:
    """jieba with the domain dictionary and product names; thread-safe after initialize().

    Two engines cut (almost always) the same way, with the same dictionary and algorithm:
    rjieba (jieba-rs, ~20× faster; the default when installed) and jieba itself, chosen by
    PRIVACYBOT_TOKENIZER. They differ on dotted numbers ("1.4.1" is one token in rjieba). Clauses and questions always go
    through the same one; the index fingerprint records which."""

    def __init__(self, extra_words: list[str] = (), backend: str | None = None):
        self.backend = backend or default_backend()
        self._lock = threading.Lock()
        if self.backend == "rjieba":
            self._jieba = _rjieba_class()()
            self._add = lambda word, freq: self._jieba.add_word(word, freq, None)
            self._cut = lambda text: self._jieba.cut(text, True)
            self._pieces = lambda text: self._jieba.cut(text, False)
            self._spans = lambda text: [(s, e) for _, s, e in self._jieba.tokenize(text, "default", True)]
            self._search = lambda text: self._jieba.cut_for_search(text, True)
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)
            self._jieba = jieba.Tokenizer()
            self._jieba.initialize()
            self._add = self._jieba.add_word
            self._cut = lambda text: self._jieba.cut(text, HMM=True)
            self._pieces = lambda text: self._jieba.cut(text, HMM=False)
            self._spans = lambda text: [(s, e) for _, s, e in self._jieba.tokenize(text, HMM=True)]
            self._search = lambda text: self._jieba.cut_for_search(text, HMM=True)
        for line in read_lines("userdict.txt"):
            parts = line.split()
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
            self._add(normalize(parts[0]), freq)
        for word in extra_words:
            self._add(normalize(word), 2000)
        words = [normalize(w) for line in read_lines("stopwords.txt") for w in line.split()]
        # Stems too: a stopword is dropped after its word is stemmed ("this" → "thi").
        self.stopwords = frozenset(words + [stem(w) for w in words])

    def add_word(self, word: str) -> None:
        with self._lock:
            self._add(normalize(word), 2000)

    def _kept(self, tokens) -> list[str]:
        """jieba's tokens stemmed, without stopwords, spaces and punctuation."""
        return [tok for tok in (stem(t.strip()) for t in tokens)
                if tok and tok not in self.stopwords and _HAS_WORD.search(tok)]

    def words(self, norm: str) -> list[str]:
        """Search-mode jieba tokens of normalized text, without stopwords and punctuation."""
        return self._kept(self._search(norm))

    def cut(self, norm: str) -> list[str]:
        """Distinct jieba words (precise mode) of normalized text, without stopwords: the
        words a question is made of."""
        return list(dict.fromkeys(self._kept(self._cut(norm))))

    def spans(self, norm: str) -> list[tuple[int, int]]:
        """(start, end) of each jieba word of normalized text, precise mode, in order."""
        return self._spans(norm)

    def pieces(self, norm: str) -> list[str]:
        """Dictionary words and single characters of normalized text (jieba without its HMM,
        which joins unknown runs into new words: 要读, 哪关), without stopwords."""
        return self._kept(self._pieces(norm))


@lru_cache(maxsize=1)
def _rjieba_class():
    """rjieba's Jieba. The rjieba package builds a default Jieba of its own at import (24 MB
    of dictionary) that we never use: its compiled module is loaded alone when it can be."""
    import importlib.machinery
    import importlib.util
    import sys

    if "rjieba" not in sys.modules:
        try:
            spec = importlib.util.find_spec("rjieba")
            for folder in spec.submodule_search_locations or ():
                for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                    path = Path(folder) / f"rjieba{suffix}"
                    if path.is_file():
                        loader = importlib.machinery.ExtensionFileLoader("rjieba.rjieba", str(path))
                        ext = importlib.util.module_from_spec(
                            importlib.util.spec_from_loader("rjieba.rjieba", loader))
                        loader.exec_module(ext)
                        return ext.Jieba
        except Exception as e:  # noqa: BLE001 - a layout we do not know: the usual import
            log.debug("rjieba's module not loaded alone (%s); importing the package", e)
    import rjieba

    return rjieba.Jieba


def default_backend() -> str:
    from importlib.util import find_spec

    chosen = os.environ.get("PRIVACYBOT_TOKENIZER", "").strip().lower()
    if chosen in ("jieba", "rjieba"):
        return chosen
    return "rjieba" if find_spec("rjieba") else "jieba"


def bigrams(norm: str) -> list[str]:
    """Character bigrams of each Chinese run (a lone character stands as itself), Latin words
    (stemmed)."""
    out = []
    for run in _CJK_RUN.findall(norm):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    out.extend(stem(w) for w in _LATIN_WORD.findall(norm))
    return out


_ENTITIES = (
    (re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"), "电子邮件"),
    (re.compile(r"(?<!\d)(?:\d{3,4}-\d{3,4}-\d{4}|1[3-9]\d{9}|\d{3,4}-\d{7,8})(?!\d)"), "电话"),
    (re.compile(r"https?://|www\."), "网址"),
    # a period of time: "15个工作日内", "六个月", "30 days" answer "多久", "how long"
    (re.compile(r"(?<!\d)(?:\d{1,3}|[一二三四五六七八九十两半]+)\s*(?:个)?\s*(?:工作日|自然日|天|日内|小时|周|个月|年(?!\d|[一二三四五六七八九十]+月))|"
                r"\b\d+\s*(?:business |working |calendar )?(?:days?|hours?|weeks?|months?|years?)\b"), "期限"),
)


def entity_words(norm: str) -> list[str]:
    """Words for what a clause shows without naming it: an e-mail address, a phone number, a
    web address, a period of time ("support@…" answers "联系邮箱" although the clause never
    says 邮件; "15个工作日内" answers "多久")."""
    return [word for pattern, word in _ENTITIES if pattern.search(norm)]


def latin_words(norm: str) -> list[str]:
    return _LATIN_WORD.findall(norm)


def cjk_chars(text: str) -> int:
    return sum(len(r) for r in _CJK_RUN.findall(text))


# -- tokenizing a whole corpus -------------------------------------------------------------
PARALLEL_MIN = 4000  # texts; below this, starting worker processes costs more than it saves
CHUNK = 400
_worker: Tokenizer | None = None


def _init_worker(extra_words: list[str], backend: str) -> None:
    global _worker
    _worker = Tokenizer(extra_words, backend)


def _words_of(texts: list[str]) -> list[list[str]]:
    return [_worker.words(t) for t in texts]


def tokenize_many(tokenizer: Tokenizer, texts: list[str], extra_words: list[str] = (),
                  workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  meanwhile: Callable[[], object] | None = None) -> list[list[str]]:
    """tokenizer.words() of every text. Identical texts (boilerplate repeated across policies)
    are cut once; a large corpus is cut by `workers` processes (default: one per core), each
    with a tokenizer made the same way (same backend, dictionary and extra words), while this
    process runs `meanwhile` (other indexing work)."""
    unique = list(dict.fromkeys(texts))
    total = len(unique)
    workers = workers or os.cpu_count() or 1
    chunks = [unique[i:i + CHUNK] for i in range(0, total, CHUNK)]
    out: list[list[str]] = []
    if workers > 1 and total >= PARALLEL_MIN:
        # fork is cheapest, but not safe in a process with other threads (a server doing a
        # hot reload): there, spawn.
        alone = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if alone else "spawn")
        with ctx.Pool(min(workers, len(chunks)), _init_worker,
                      (list(extra_words), tokenizer.backend)) as pool:
            results = pool.imap(_words_of, chunks)  # the workers start at once
            if meanwhile:
                meanwhile()
            for words in results:
                out.extend(words)
                if progress:
                    progress(len(out), total)
    else:
        if meanwhile:
            meanwhile()
        for chunk in chunks:
            out.extend(tokenizer.words(t) for t in chunk)
            if progress:
                progress(len(out), total)
    by_text = dict(zip(unique, out))
    return [by_text[t] for t in texts]
