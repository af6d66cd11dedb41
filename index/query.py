"""Query understanding: language, product names, synonyms and English → Chinese vocabulary.

Everything the bot knows about wording lives in data files under vocab/ (see their headers);
this module only reads and applies them.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from .text import Tokenizer, bigrams, cjk_chars, is_traditional, latin_words, normalize, read_lines

EXPANSION_WEIGHT = 0.6  # a synonym counts a little less than the word the asker used
_EN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def en_words(text: str) -> list[str]:
    """Lower-case English words of a text, possessives dropped ("user's" → "user")."""
    return [re.split("['’]", w)[0] for w in _EN_WORD.findall(text.lower())]


def stem_words(text: str) -> list[str]:
    return _stemmer().stemWords(en_words(text))


@dataclass
class Vocabulary:
    """The synonym and bilingual tables of vocab/, ready to apply."""

    en_phrases: dict[tuple[str, ...], list[str]]
    en_max: int
    en_stop: frozenset[str]
    zh_rules: list[tuple[str, list[str]]]  # (trigger, terms it adds)

    @classmethod
    def load(cls) -> "Vocabulary":
        phrases: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for line in read_lines("en_zh.txt"):
            left, sep, right = line.partition("=>")
            if not sep or not right.strip():
                raise ValueError(f"en_zh.txt: no '=>' in line {line!r}")
            terms = [normalize(t) for t in right.split()]
            for phrase in left.split("|"):
                key = tuple(stem_words(phrase))
                if key:
                    phrases[key].extend(t for t in terms if t not in phrases[key])
        content = {w for key in phrases for w in key}
        stop = frozenset(w for w in stem_words(" ".join(read_lines("stopwords.txt"))) if w not in content)
        rules: list[tuple[str, list[str]]] = []
        for line in read_lines("zh_synonyms.txt"):
            left, sep, right = line.partition("=>")
            sources = [normalize(s.strip()) for s in left.split("|") if s.strip()]
            if sep:
                targets = [normalize(t) for t in right.split()]
                rules.extend((s, targets) for s in sources)
            else:
                rules.extend((s, [t for t in sources if t != s]) for s in sources)
        rules.sort(key=lambda r: len(r[0]), reverse=True)
        return cls(dict(phrases), max((len(k) for k in phrases), default=1), stop, rules)

    def translate(self, question: str) -> tuple[list[list[str]], list[str]]:
        """Chinese terms of each English phrase found in the question (one list per phrase),
        and the question's words that no phrase covers (as written, lower-cased)."""
        pairs = [(w, s) for w, s in zip(en_words(question), stem_words(question))
                 if s not in self.en_stop]
        stems = [s for _, s in pairs]
        found: list[list[str]] = []
        left: list[str] = []
        i = 0
        while i < len(stems):
            for n in range(min(self.en_max, len(stems) - i), 0, -1):
                key = tuple(stems[i:i + n])
                if key in self.en_phrases:
                    found.append(self.en_phrases[key])
                    i += n
                    break
            else:
                left.append(pairs[i][0])
                i += 1
        return found, left

    def expand(self, norm: str) -> list[str]:
        """Terms that synonyms of the words in `norm` add (never the words themselves)."""
        out: list[str] = []
        covered = norm
        for trigger, targets in self.zh_rules:
            if trigger and trigger in covered:
                covered = covered.replace(trigger, " ")  # a longer trigger wins over its parts
                out.extend(t for t in targets if t not in norm and t not in out)
        return out


def detect_language(question: str) -> str:
    """'en', 'zh-Hant' or 'zh'."""
    cjk = cjk_chars(question)
    latin = sum(len(w) for w in re.findall(r"[A-Za-z]+", question))
    if cjk == 0 or (latin > 3 * cjk and len(re.findall(r"[A-Za-z]+", question)) >= 3):
        return "en" if latin else "zh"
    return "zh-Hant" if is_traditional(question) else "zh"


@dataclass
class Query:
    """A question as the index sees it."""

    question: str
    lang: str
    norm: str
    products: list[str] = field(default_factory=list)  # policy ids named in the question
    words: dict[str, float] = field(default_factory=dict)  # jieba tokens → weight
    grams: dict[str, float] = field(default_factory=dict)  # character bigrams → weight
    # What the asker said, one entry per word or English phrase: the tokens that count as
    # saying it in a clause (the word itself and its synonyms). Used to decide abstention.
    concepts: list[frozenset[str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words neither the tables nor the corpus know


def _add(bag: dict[str, float], tokens: list[str], weight: float) -> None:
    for tok in tokens:
        bag[tok] = bag.get(tok, 0.0) + weight


def analyze(question: str, vocab: Vocabulary, tokenizer: Tokenizer,
            names: dict[str, str], known: frozenset[str] | set[str]) -> Query:
    """Turn a question into weighted tokens. `names` maps normalized product names to policy
    ids; `known` is the index vocabulary (untranslated English words found there are kept)."""
    lang = detect_language(question)
    norm = normalize(question, taiwan=(lang == "zh-Hant"))
    plain = normalize(question)
    products: list[str] = []
    rest = norm
    for name in sorted(names, key=len, reverse=True):
        if name in rest or name in plain:
            if names[name] not in products:
                products.append(names[name])
            rest, plain = rest.replace(name, " "), plain.replace(name, " ")
    q = Query(question, lang, rest, products)

    def synonyms_of(text: str) -> list[str]:
        return [t for term in vocab.expand(text) for t in tokenizer.words(term)]

    if lang == "en":
        found, left = vocab.translate(rest)
        kept = [w for w in left if w in known and w not in tokenizer.stopwords]
        q.unknown = [w for w in left if w not in known and not w.isdigit()
                     and w not in tokenizer.stopwords]
        for terms in found:
            toks = [t for term in terms for t in tokenizer.words(term)]
            _add(q.words, toks, 1.0)
            _add(q.grams, [g for term in terms for g in bigrams(term)], 1.0)
            q.concepts.append(frozenset(toks))
        _add(q.words, kept, 1.0)
        _add(q.grams, kept, 1.0)
        q.concepts += [frozenset([w]) for w in kept]
        extra = vocab.expand(" ".join(t for terms in found for t in terms))
    else:
        own = tokenizer.words(rest)
        _add(q.words, own, 1.0)
        _add(q.grams, bigrams(rest), 1.0)
        extra = vocab.expand(rest)
        if lang == "zh-Hant" and plain != rest:  # keep the literal reading too
            extra += [t for t in tokenizer.words(plain) if t not in q.words]
        latin = latin_words(rest)  # "app", "cookie", "ios" inside a Chinese question
        for terms in vocab.translate(" ".join(latin))[0]:
            extra += terms
        for w in dict.fromkeys(own):
            alt = {w, *synonyms_of(w)}
            if w in latin:
                alt.update(t for terms in vocab.translate(w)[0] for term in terms
                           for t in tokenizer.words(term))
            q.concepts.append(frozenset(alt))
    for term in extra:
        _add(q.words, tokenizer.words(term), EXPANSION_WEIGHT)
        _add(q.grams, bigrams(term), EXPANSION_WEIGHT)
    return q
