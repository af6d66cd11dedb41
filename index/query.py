"""Query understanding: language, product names (see names.py), synonyms and the bilingual
vocabulary.

Everything the bot knows about wording lives in data files under vocab/ (see their headers);
this module only reads and applies them.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Callable

from .names import Names
from .text import Tokenizer, bigrams, stem, cjk_chars, is_traditional, latin_words, normalize, read_lines

EXPANSION_WEIGHT = 0.6  # a synonym counts a little less than the word the asker used
GENERIC_WEIGHT = 0.3  # words that only name the product ("the app") count little
# An age says who asks: a minor. That is what "im 15 can i use this to find a job" is about,
# more than the job; the minors concept outweighs a word of the question.
AGE_WEIGHT = 1.5
# Markup pasted or typed into a question (<b>, <img src=x onerror=…>) is not part of it.
_MARKUP = re.compile(r"</?[a-z][^<>]{0,200}>|<!--.*?-->", re.S | re.I)
_EN_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_APOSTROPHE = re.compile("['’]")
MINORS = ("未成年人", "儿童", "青少年", "监护人", "children", "child", "minor")
# an age: the question is about minors ("12岁", "16 year old", "under 13")
_AGE = re.compile(r"\d{1,2}\s*(?:周岁|岁)|\b\d{1,2}[\s-]*(?:years?[\s-]*old|yrs?[\s-]*old|y/?o)\b"
                  r"|\bunder\s*\d{1,2}\b|\b(?:i'm|i am|aged?)\s+\d{1,2}\b")
# Contractions typed without their apostrophe ("dont", "im 15") read as written with it; "IM"
# in capitals is instant messaging, and words that are also words (its, id, ill, were, well) stay.
_BARE_CONTRACTION = re.compile(
    r"\b(?:(don|doesn|didn|can|won|isn|aren|wasn|weren|haven|hasn|shouldn|wouldn|couldn)t"
    r"|(you|they)re|(that|what|who|where|how)s|(i|you|they|we)ve|([iI])m)\b")
_CONTRACTED = ("'t", "'re", "'s", "'ve", "'m")  # what each group of _BARE_CONTRACTION lacks
PARTICLES = frozenset({"off", "out", "up", "down", "away", "over"})
# an account verb whose object is a product's (blanked) name
_ACCOUNT_OF_NAME = re.compile(
    r"\b(?:delete|deleting|close|closing|cancel|cancelling|canceling|deactivate|deactivating|"
    r"remove|removing|quit|quitting)\s+(?:my\s+|our\s+)?\s{2,}(?=\W*$|\W*\b(?:and|if|but|or)\b)")
# "Where is my data stored / kept / hosted?": where is a stopword, so the question would be
# one about storing; it asks where, as 存储在哪 does (vocab/zh_synonyms.txt).
_WHERE_KEPT = re.compile(r"\bwhere(?:\s+[\w']+){0,4}?\s+(?:stor(?:e|ed|es|ing)|kept|keep|keeps"
                         r"|host(?:ed|s)?|sav(?:e|ed|es)|located|resides?)\b", re.I)
# "the US", "the U.S.", "USA": the country (a lower-case "us" only after "the")
_US = re.compile(r"\b(?:U\.S\.A\.|U\.S\.|USA|US)(?![\w.])", re.I)


def with_country(text: str) -> str:
    """"the US" / "U.S." / "USA" → "the United States"; "us" after anything but "the" stays a
    pronoun, and so does a lower-case "us" ("send it to us")."""
    def fix(m: re.Match) -> str:
        pronoun = m[0] == "us" and text[max(0, m.start() - 4):m.start()].lower() != "the "
        return m[0] if pronoun else "United States"
    return _US.sub(fix, text)


def with_apostrophes(text: str) -> str:
    """"dont" → "don't", "im" → "i'm" (not "IM")."""
    def fix(m: re.Match) -> str:
        group = next(i for i in range(1, 6) if m[i])
        return m[group] + _CONTRACTED[group - 1]
    return _BARE_CONTRACTION.sub(fix, text)


def en_words(text: str) -> list[str]:
    """Lower-case English words of a text, possessives dropped ("user's" → "user")."""
    return [_APOSTROPHE.split(w, 1)[0] for w in _EN_WORD.findall(text.lower())]


def stem_words(text: str) -> list[str]:
    return [stem(w) for w in en_words(text)]


@dataclass
class Vocabulary:
    """The synonym and bilingual tables of vocab/, ready to apply."""

    en_phrases: dict[tuple[str, ...], list[str]]
    en_max: int
    en_stop: frozenset[str]
    zh_rules: list[tuple[str, list[str]]]  # (trigger, terms it adds)
    generic: frozenset[str] = frozenset()  # stemmed English and normalized Chinese words
    offtopic: tuple[str, ...] = ()  # cue words of questions policies never answer
    # English phrases of the same line(s) of en_zh.txt, as written: one way an English policy
    # may say what the asker said in other English words
    en_siblings: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    # a line's first two Chinese terms → its English phrases: how an English policy says them
    zh_en: dict[str, list[str]] = field(default_factory=dict)
    # vocab/privacy.txt: words that make a question a privacy question, strong and weak
    privacy_zh: dict[str, str] = field(default_factory=dict)
    privacy_en: dict[tuple[str, ...], str] = field(default_factory=dict)
    # vocab/en_zh_dict.txt (from a general dictionary): an English stem → the Chinese words
    # policies use for it, most likely first
    dictionary: dict[str, list[str]] = field(default_factory=dict)
    # an English phrase → those of its Chinese terms that are hints, not translations (after
    # "~" in en_zh.txt): they count as synonyms do, at EXPANSION_WEIGHT
    en_hints: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Rules by the first character of their trigger: a question is checked only against
        # the rules that can start at one of its characters.
        self._by_first: dict[str, list[int]] = defaultdict(list)
        for i, (trigger, _) in enumerate(self.zh_rules):
            if trigger:
                self._by_first[trigger[0]].append(i)
        # Every Chinese term the tables add or react to: a finite set, so what is derived from
        # one of them alone (its expansion here, its tokens in analyze) is kept once worked out.
        self.terms = frozenset(t for ts in self.en_phrases.values() for t in ts) | frozenset(
            t for trigger, targets in self.zh_rules for t in (trigger, *targets)) | frozenset(
            p for ps in self.en_siblings.values() for p in ps) | frozenset(
            t for ts in self.dictionary.values() for t in ts)
        self._expansions: dict[str, list[str]] = {}
        # the dictionary read backwards: a Chinese word → the English words (stems) it is the
        # first translation of (地图 → map), for Chinese words en_zh.txt does not translate
        self._dictionary_en: dict[str, list[str]] = defaultdict(list)
        for key, words in self.dictionary.items():
            if words:  # its keys are single words (tools/dictionary_table.py)
                self._dictionary_en[words[0]].append(key)
        self._latin_cues = frozenset(c for c in self.offtopic if c.isascii())
        # privacy words by their first character or stem: a question is checked against few
        self._privacy_by_first: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for w, v in self.privacy_zh.items():
            self._privacy_by_first[w[0]].append((w, v))
        self._privacy_by_stem: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
        for key, v in self.privacy_en.items():
            self._privacy_by_stem[key[0]].append((key, v))

    @classmethod
    def load(cls) -> "Vocabulary":
        phrases: dict[tuple[str, ...], list[str]] = defaultdict(list)
        siblings: dict[tuple[str, ...], list[str]] = defaultdict(list)
        zh_en: dict[str, list[str]] = defaultdict(list)
        en_hints: dict[tuple[str, ...], frozenset[str]] = {}
        for line in read_lines("en_zh.txt"):
            left, sep, right = line.partition("=>")
            if not sep or not right.strip():
                raise ValueError(f"en_zh.txt: no '=>' in line {line!r}")
            # its translations, then after "~" its hints: words a clause near the answer uses
            # that do not mean the English (变更 beside 更正 for "correct")
            before, _, after = right.partition("~")
            if not before.split() or "~" in after:
                raise ValueError(f"en_zh.txt: a translation first, at most one '~': {line!r}")
            translations = [normalize(t) for t in before.split()]
            hints = [normalize(t) for t in after.split()]
            terms = translations + hints
            written = [normalize(p.strip()) for p in left.split("|") if stem_words(p)]
            for phrase in written:
                key = tuple(stem_words(phrase))
                phrases[key].extend(t for t in terms if t not in phrases[key])
                siblings[key].extend(p for p in written if p not in siblings[key])
                if hints:  # a phrase is on one line only (tests/test_vocab.py)
                    en_hints[key] = frozenset(hints) - frozenset(translations)
            # Only a line's first two terms say what its English means to a Chinese question
            # about an English policy (停止运营 … 删除 helps "shut down" find what happens to
            # data, but 删除 is "delete"). Its translations alone instead: qa2 zh −1.
            for t in terms[:2]:
                zh_en[t].extend(p for p in written if p not in zh_en[t])
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
        generic = frozenset(g for w in read_lines("generic.txt")
                            for g in ([normalize(w)] + stem_words(w)))
        offtopic = tuple(dict.fromkeys(g for w in read_lines("offtopic.txt")
                                       for g in ([normalize(w)] + stem_words(w))))
        privacy_zh: dict[str, str] = {}
        privacy_en: dict[tuple[str, ...], str] = {}
        strength = "strong"
        for line in read_lines("privacy.txt"):
            if line in ("[strong]", "[weak]"):
                strength = line[1:-1]
            elif cjk_chars(line):
                privacy_zh.setdefault(normalize(line), strength)
            elif key := tuple(stem_words(line)):
                privacy_en.setdefault(key, strength)
        dictionary = {}
        for line in read_lines("en_zh_dict.txt"):
            left, sep, right = line.partition("=>")
            if not sep:
                raise ValueError(f"en_zh_dict.txt: no '=>' in line {line!r}")
            dictionary[left.strip()] = [normalize(t) for t in right.split()]
        return cls(dict(phrases), max((len(k) for k in phrases), default=1), stop, rules, generic,
                   offtopic, dict(siblings), dict(zh_en), privacy_zh, privacy_en, dictionary,
                   en_hints)

    def english(self, term: str) -> list[str]:
        """How an English policy says a Chinese term: its phrases of en_zh.txt, else the English
        words of the dictionary whose first translation it is."""
        return self.zh_en.get(term) or self._dictionary_en.get(term, [])

    def privacy(self, question: str, added: list[str] = ()) -> str | None:
        """"strong" when the normalized question holds a strong privacy word of
        vocab/privacy.txt or an age ("12岁", "under 13"); "weak" when it holds only weak ones
        or the words its synonyms and translations add hold some (a synonym may reach far:
        多久 adds 存储 for "保存多久", and "退款多久到账" is no privacy question); else None."""
        own = self._privacy([self._without_cues(question)])
        if own == "strong":
            return own
        return "weak" if own or self._privacy(added) else None

    def _without_cues(self, norm: str) -> str:
        """The question without its off-topic cues: a privacy word inside one says nothing
        ("忘记密码" is a password to reset, not one to protect)."""
        for cue in self.offtopic_cues(norm):
            if cue in self._latin_cues:  # blank the English words of that stem, keep the rest
                norm = _EN_WORD.sub(lambda m: " " if stem(en_words(m[0])[0]) == cue else m[0], norm)
            else:
                norm = norm.replace(cue, " ")
        return norm

    def _privacy(self, texts: list[str]) -> str | None:
        found = set()
        for text in texts:
            if _AGE.search(text):
                return "strong"
            for ch in set(text):
                found.update(v for w, v in self._privacy_by_first.get(ch, ()) if w in text)
            stems = stem_words(text)
            for i, st in enumerate(stems):
                found.update(v for key, v in self._privacy_by_stem.get(st, ())
                             if tuple(stems[i:i + len(key)]) == key)
            if "strong" in found:
                return "strong"
        return "weak" if found else None

    def offtopic_cues(self, norm: str) -> list[str]:
        """Cue words of off-topic questions in `norm` (Chinese by substring, English by stem)."""
        stems = set(stem_words(norm))
        return [c for c in self.offtopic if (c in stems if c in self._latin_cues else c in norm)]

    def translate(self, question: str) -> tuple[list[tuple[list[str], list[str], tuple]], list[str]]:
        """For each English phrase found in the question, (its Chinese terms, its words as
        written, its key); and the question's words that no phrase covers (as written,
        lower-cased)."""
        pairs = self._particles_joined([(w, s) for w, s in zip(en_words(question), stem_words(question))
                                        if s not in self.en_stop])
        stems = [s for _, s in pairs]
        found: list[list[str]] = []
        left: list[str] = []
        i = 0
        while i < len(stems):
            for n in range(min(self.en_max, len(stems) - i), 0, -1):
                key = tuple(stems[i:i + n])
                if key in self.en_phrases:
                    found.append((self.en_phrases[key], [w for w, _ in pairs[i:i + n]], key))
                    i += n
                    break
            else:
                left.append(pairs[i][0])
                i += 1
        return found, left

    def _particles_joined(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """A phrasal verb's particle typed after its object ("turn location off") moved next
        to its verb ("turn off location"), where the verb and particle make a phrase and the
        words as typed do not: otherwise "turn" alone reads as turning on."""
        out = list(pairs)
        for i in range(len(out)):
            particle = out[i][1]
            if particle not in PARTICLES:
                continue
            for j in range(i - 2, max(i - 4, -1), -1):  # one to three words between
                if (out[j][1], particle) in self.en_phrases and \
                        tuple(s for _, s in out[j:i + 1]) not in self.en_phrases:
                    out.insert(j + 1, out.pop(i))
                    break
        return out

    def rules_in(self, norm: str) -> list[tuple[str, list[str]]]:
        """(trigger, the terms it adds) for each synonym trigger in `norm`, longest first;
        a trigger inside a longer one that matched is not counted again."""
        out: list[tuple[str, list[str]]] = []
        covered = norm
        candidates = sorted({i for ch in set(norm) for i in self._by_first.get(ch, ())})
        for trigger, targets in (self.zh_rules[i] for i in candidates):  # longest first, as listed
            if trigger in covered:
                covered = covered.replace(trigger, " ")
                out.append((trigger, [t for t in targets if t not in norm]))
        return out

    def expand(self, norm: str) -> list[str]:
        """Terms that synonyms of the words in `norm` add (never the words themselves)."""
        if norm in self._expansions:
            return self._expansions[norm]
        out: list[str] = []
        for _, targets in self.rules_in(norm):
            out.extend(t for t in targets if t not in out)
        if norm in self.terms:
            self._expansions[norm] = out
        return out


def detect_language(question: str) -> str:
    """'en', 'zh-Hant' or 'zh'."""
    cjk = cjk_chars(question)
    latin = sum(len(w) for w in re.findall(r"[A-Za-z]+", question))
    if cjk == 0 or (latin > 3 * cjk and len(re.findall(r"[A-Za-z]+", question)) >= 3):
        return "en" if latin else "zh"
    return "zh-Hant" if is_traditional(question) else "zh"


@dataclass(frozen=True)
class Alt:
    """One way a clause may say something: its jieba tokens and character bigrams."""

    tokens: tuple[str, ...]
    grams: tuple[str, ...]
    weight: float = 1.0
    # made from a vocabulary term and kept for the index's lifetime (see analyze's memo), so
    # what the index derives from it may be kept too
    shared: bool = field(default=False, compare=False)

    @property
    def key(self) -> str:
        """The longest token: the whole word, not its search-mode parts."""
        return max(self.tokens, key=len)


@dataclass(frozen=True)
class Concept:
    """One thing the asker said (a word, or an English phrase) and the ways a clause may say
    it, the asker's own wording first. A clause scores with its best alternative, so ten
    synonyms of one word never outweigh two different words of the question."""

    alts: tuple[Alt, ...]
    counts: bool = True  # whether a clause must say it (see PolicyIndex.coverage)
    # made of vocabulary terms only and kept for the index's lifetime (see analyze's memo), so
    # what the index derives from it (its posting lists, its coverage keys) may be kept too
    shared: bool = field(default=False, compare=False)


@dataclass
class Query:
    """A question as the index sees it."""

    question: str
    lang: str
    norm: str
    products: list[str] = field(default_factory=list)  # policy ids named in the question
    concepts: list[Concept] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # words neither the tables nor the corpus know
    cues: list[str] = field(default_factory=list)  # off-topic cue words (vocab/offtopic.txt)
    foreign: list[str] = field(default_factory=list)  # products named that the corpus lacks
    about: list[str] = field(default_factory=list)  # those of them the question is about
    privacy: str | None = None  # "strong", "weak" or None: see Vocabulary.privacy
    live_cues: list[str] = field(default_factory=list)  # cues the policies searched do not use

    @property
    def words(self) -> dict[str, float]:
        """Every token of every alternative, with its largest weight."""
        out: dict[str, float] = {}
        for c in self.concepts:
            for alt in c.alts:
                for t in alt.tokens:
                    out[t] = max(out.get(t, 0.0), alt.weight)
        return out


# Places only a product's name goes: X's policy, X's account, "my X account".
_NAME_SLOT_ZH = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,10}?)\s*(?:的)?(?:隐私政策|隐私条款|隐私协议|隐私权政策)|"
                           r"(?:注销|删除|关闭|删掉|停用)\s*(?:我的|我在)?\s*([\u4e00-\u9fffA-Za-z0-9]{2,10}?)\s*(?:的)?(?:账号|帐号|账户)")
_NAME_SLOT_EN = re.compile(r"\b([A-Z][\w&+-]*(?:\s+[A-Z][\w&+-]*){0,2})(?:'s|’s)?\s+(?:privacy\s+(?:policy|notice|statement)|account)\b|"
                           r"\bmy\s+([A-Z][\w&+-]*(?:\s+[A-Z][\w&+-]*){0,2})\s+(?:account|app|profile|data)\b")


def unlisted_product(question: str, rest: str, known, vocab: "Vocabulary",
                     tokenizer: Tokenizer) -> str | None:
    """The name of a product that vocab/apps.txt does not list, when the question puts a
    word none of the policies, tables or privacy words use where a product's name goes."""
    text = unicodedata.normalize("NFKC", question)
    for pattern in (_NAME_SLOT_ZH, _NAME_SLOT_EN):
        for m in pattern.finditer(text):
            name = next((g for g in m.groups() if g), "").strip()
            key = normalize(name)
            if len(key) < 2 or key not in rest:
                continue  # a held product's name was found there already
            words = tokenizer.cut(key)
            if not words or any(w in known or w in vocab.generic or w in vocab.terms
                                or w in tokenizer.stopwords for w in words):
                continue  # a word the policies use: not a name ("我的数据", "bank account")
            if vocab.privacy(key) or cjk_chars(key) and len(key) > 6:
                continue
            return name
    return None


def analyze(question: str, vocab: Vocabulary, tokenizer: Tokenizer,
            names: Names | dict[str, str], known: frozenset[str] | set[str],
            memo: dict | None = None, bilingual: bool = False,
            spelling: Callable[[str], str | None] | None = None) -> Query:
    """Turn a question into concepts. `names` maps normalized product names to policy ids;
    `known` is the index vocabulary (untranslated words found there are kept); `memo` keeps
    the alternatives of the vocabulary's own terms between calls (for one index);
    `bilingual`: the corpus holds English policies, so Chinese words also look for their
    English phrases; `spelling` gives the index word a word no policy uses is a typo of."""
    if not isinstance(names, Names):
        names = Names(names)
    text = with_country(with_apostrophes(_MARKUP.sub(" ", question)))
    lang = detect_language(text)
    # Traditional questions are read character by character (t2s); the Taiwan-wording reading
    # (tw2sp: 軟體→软件, 資料→数据) only adds optional words, because its phrase table also
    # rewrites 登出 (log out) as 注销, which here means closing the account.
    norm = normalize(text)
    plain = normalize(text, taiwan=True) if lang == "zh-Hant" else norm
    found = names.find(norm, plain, text, lambda: tokenizer.spans(norm))
    rest, plain, products = found.rest, found.plain, found.products
    if products and lang == "en":  # "delete my Snapchat": the account of that product
        rest = _ACCOUNT_OF_NAME.sub(lambda m: m[0] + "account ", rest)
    q = Query(question, lang, rest, products, foreign=found.foreign, about=found.subjects)
    if not products and not found.foreign:
        # A product the list does not know, named where only a product's name goes
        # ("小猿搜题的隐私政策", "my Strava account"): a product the corpus does not hold.
        other = unlisted_product(text, rest, known, vocab, tokenizer)
        if other:
            q.foreign, q.about = [other], [other]
    q.cues = vocab.offtopic_cues(rest)

    def alt(text: str, weight: float = 1.0) -> Alt | None:
        if memo is None or text not in vocab.terms:
            return make_alt(text, weight)
        key = (text, weight)
        if key not in memo:
            memo[key] = make_alt(text, weight, shared=True)
        return memo[key]

    def make_alt(text: str, weight: float, shared: bool = False) -> Alt | None:
        # Whole words (search-mode parts would count a long word many times), except a word
        # the policies never use, which stands for its parts (公司地址 → 公司 地址).
        tokens = []
        for word in tokenizer.cut(text):
            parts = [p for p in tokenizer.words(word) if p != word and p in known]
            tokens += [word] if word in known or not parts else parts
        return (Alt(tuple(tokens), tuple(bigrams(text)) or tuple(tokens), weight, shared)
                if tokens else None)

    said: list[str] = [rest]  # the question and what its synonyms and translations add

    def concept(primary: list[str], others: list[str], counts: bool = True,
                weight: float = 1.0) -> None:
        if counts:
            said.extend(primary + others)
        if memo is not None and all(t in vocab.terms for t in primary) \
                and all(t in vocab.terms for t in others):
            key = ("concept", tuple(primary), tuple(others), counts, weight, lang == "en")
            if key not in memo:
                memo[key] = make_concept(primary, others, counts, weight, shared=True)
            if memo[key] is not None:
                q.concepts.append(memo[key])
            return
        c = make_concept(primary, others, counts, weight)
        if c is not None:
            q.concepts.append(c)

    def make_concept(primary: list[str], others: list[str], counts: bool, weight: float,
                     shared: bool = False) -> Concept | None:
        alts = [a for a in (alt(t, weight) for t in primary) if a]
        alts += [a for a in (alt(t, EXPANSION_WEIGHT) for t in others) if a]
        if bilingual and lang != "en":  # how an English policy says it
            alts += [a for a in (alt(p, weight) for t in primary for p in vocab.english(t)) if a]
            alts += [a for a in (alt(p, EXPANSION_WEIGHT) for t in others
                                 for p in vocab.english(t)) if a]
        if not alts:
            return None
        # one alternative per way of saying it (the same words from two tables count once,
        # at the larger weight): each is a posting list to read
        best: dict[tuple[str, ...], Alt] = {}
        for a in alts:
            if a.tokens not in best or a.weight > best[a.tokens].weight:
                best[a.tokens] = a
        return Concept(tuple(best.values()), counts, shared)

    for tool in found.tool_names:  # a third party named as a means ("用脸书登录"), in all its
        concept(tool, [])           # names: an English policy says Facebook, a Chinese one 脸书
    if _AGE.search(rest):  # "12岁能用吗", "a 16 year old": a question about minors
        rest = _AGE.sub(" ", rest)
        concept(list(MINORS), [], weight=AGE_WEIGHT)

    if lang == "en":
        if _WHERE_KEPT.search(rest):
            rest += " storage location"

        def is_generic(w: str) -> bool:
            return w in vocab.generic or stem_words(w)[0] in vocab.generic

        # Phrases first, so a generic word inside one still counts ("installed apps"); a
        # phrase or word that only names the product or the policy weighs little.
        found, left = vocab.translate(" ".join(en_words(rest)))
        for w in dict.fromkeys([w for _, written, _ in found if all(map(is_generic, written))
                                for w in written] + [w for w in left if is_generic(w)]):
            concept([normalize(w)], [], counts=False, weight=GENERIC_WEIGHT)
        found = [f for f in found if not all(map(is_generic, f[1]))]
        left = [w for w in left if not is_generic(w)]
        for terms, written, key in found:
            # The asker's words (for English policies) and their Chinese terms, then the other
            # English phrases of the same meaning, the Chinese terms' synonyms and, for one
            # word, what the dictionary adds (清除 for "clear", whose line says 删除).
            own = " ".join(written)
            extra = vocab.dictionary.get(key[0], []) if len(key) == 1 else []
            hints = vocab.en_hints.get(key, frozenset())
            concept([own] + [t for t in terms if t not in hints],
                    [t for t in terms if t in hints]
                    + [p for p in vocab.en_siblings.get(key, ()) if p != own]
                    + [s for t in terms for s in vocab.expand(t)]
                    + [t for t in extra if t not in terms])
        for w in left:
            # A word the tables do not list: the dictionary's Chinese words say it as well as
            # the asker's own word ("map" → 地图); without them a Chinese policy could not.
            translated = ([] if w in tokenizer.stopwords or w.isdigit()
                          else vocab.dictionary.get(stem(w), []))
            if translated:
                concept([w] + translated, [])
            elif stem(w) in known and w not in tokenizer.stopwords:
                concept([w], [])
            elif spelling and w not in tokenizer.stopwords and (fixed := spelling(stem(w))):
                concept([fixed], [])
            elif not w.isdigit() and w not in tokenizer.stopwords:
                q.unknown.append(w)
        q.privacy = vocab.privacy(said[0], said[1:])
        return q

    own = tokenizer.cut(rest)
    for w in [w for w in own if w not in known and len(w) >= 2]:
        # A word the policies never use that is part of one product's name ("盟畅" of
        # "盟畅云会议", when no alias says so) names that product.
        owners = names.owners(w)
        if len(owners) == 1:
            own.remove(w)
            q.products += [pid for pid in owners if pid not in q.products]
    # Other words no policy uses: a typo of one that does (注消 → 注销), or a run jieba's HMM
    # joined from separate words (要读 → 读, 哪关 → 关): read as the words they stand for.
    repaired, weak = [], []
    for w in own:
        if w in known or len(w) < 2 or w in vocab.terms or not cjk_chars(w):
            repaired.append(w)
        elif spelling and (fixed := spelling(w)):
            rest = rest.replace(w, fixed)
            repaired.append(fixed)
        elif len(parts := tokenizer.pieces(w)) > 1 or (parts and parts[0] != w):
            repaired += [p for p in parts if len(p) >= 2 or p in known]
            weak += [p for p in parts if len(p) < 2 and p not in known]
        else:
            repaired.append(w)
    own = list(dict.fromkeys(repaired))
    for trigger, targets in vocab.rules_in(rest):
        # The words of the trigger (or that hold it, as 卖不卖 holds 卖) make one concept.
        absorbed = [w for w in own if w in trigger or trigger in w]
        holders = [w for w in absorbed if trigger in w and w != trigger]
        if holders and all(h in known for h in holders):
            continue  # a longer word the policies use (小米推送 holds 推送): it speaks for itself
        own = [w for w in own if w not in absorbed]
        concept(holders or [trigger], targets)
    latin = set(latin_words(rest))
    for w in [w for w in own if w in vocab.generic]:
        concept([w], [], counts=False, weight=GENERIC_WEIGHT)
    own = [w for w in own if w not in vocab.generic]

    def apart(w: str) -> list[str]:
        """A long Chinese word a policy may say in its parts, apart (撤回同意 where a clause
        says 撤回您的授权同意): its parts together, as a synonym."""
        if len(w) < 4 or cjk_chars(w) != len(w):
            return []
        parts = [p for p in tokenizer.words(w) if p != w and len(p) >= 2 and p in known]
        return [" ".join(parts)] if len(parts) >= 2 else []

    for w in own:
        # "cookie", "app", "ios" inside a Chinese question also read as their translations
        translated = [t for terms, _, _ in vocab.translate(w)[0] for t in terms] if w in latin else []
        concept([w], translated + apart(w))
    for w in dict.fromkeys(w for w in weak if not any(w in t for t, _ in vocab.rules_in(w))):
        concept([w], [], counts=False, weight=GENERIC_WEIGHT)  # a lone character says little
    if lang == "zh-Hant" and plain != rest:  # the Taiwan-wording reading, as an optional extra
        seen = set(q.words)
        for w in tokenizer.cut(plain):
            if w not in seen:
                concept([w], [], counts=False, weight=EXPANSION_WEIGHT)
    q.privacy = vocab.privacy(said[0], said[1:])
    return q
