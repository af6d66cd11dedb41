"""Product names in questions: which held policy a question names, and which product it names
that the corpus does not hold.

The corpus's own names (each policy's product, aliases and id) route a question to a policy.
vocab/apps.txt lists products in wide use with the names people type for them: a policy whose
product is on a line inherits the line's other names ("b站" for 哔哩哔哩), and the other lines
name products the corpus does not hold, so "抖音会收集我的位置吗" is declined rather than
answered from another product's policy. A product named as a tool of the one asked about
("用微信登录", "pay with PayPal") is a third party, not the product asked about.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from .spelling import readings
from .text import normalize, read_lines

_LATIN_EDGE = re.compile(r"[a-z0-9]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
MIN_PINYIN = 5  # letters: shorter pinyin ("baidu" is five) collides with English words
# A product used as a means of the one asked about: logging in, paying, sharing, an SDK.
_TOOL_BEFORE = re.compile(r"(?:用|使用|通过|经由|绑定|关联|授权|第三方|接入|集成|内置|分享到|分享至|转发到|"
                          r"\b(?:with|via|through|using|into|to|from|connect|link|linked|linking)\s*)\s*$")
_TOOL_AFTER = re.compile(r"^\s*(?:账号登录|帐号登录|登录|登入|快捷登录|一键登录|授权|支付|付款|钱包|分享|好友|"
                         r"sdk|小程序|插件|开放平台|login|log in|sign in|signin|pay\b|payment|sdk|"
                         r"plugin|button)")


def pinyin(chinese: str) -> str:
    """Chinese characters as toneless pinyin, each by its first reading (抖音 → douyin); empty
    if a character has no reading in vocab/pinyin.txt."""
    out = []
    for ch in chinese:
        reading = readings().get(ord(ch))
        if reading is None:
            return ""
        out.append(reading)
    return "".join(c for c in unicodedata.normalize("NFD", "".join(out))
                   if not unicodedata.combining(c))


def _add_pinyin(held: dict[str, str], foreign: dict[str, str], cased: dict[str, str]) -> None:
    """Each name's Chinese runs also as their pinyin, as people abroad type them ("douyin",
    "zhipin" of BOSS直聘), in the table of the name: not for a name that is an ordinary word
    too, nor a run two products share (云会议, also inside another held name), nor a pinyin
    that is short or taken."""
    runs = {key: _CJK_RUN.findall(key) for table in (held, foreign) for key in table}
    owners: dict[str, set[str]] = defaultdict(set)
    for table in (held, foreign):
        for key, owner in table.items():
            for run in runs[key]:
                owners[run].add(owner)
    for run in {r for key in held for r in runs[key]}:
        owners[run].update(pid for key, pid in held.items() if run in key)
    for table in (held, foreign):
        for key, owner in list(table.items()):
            if key in cased:
                continue
            for run in (r for r in runs[key] if len(owners[r]) == 1):
                spelled = pinyin(run)
                if len(spelled) >= MIN_PINYIN and spelled not in held and spelled not in foreign:
                    table[spelled] = owner


@dataclass(frozen=True)
class KnownProduct:
    """One line of vocab/apps.txt: a product's names, the usual one first."""

    names: tuple[str, ...]
    cased: tuple[str, ...] = ()  # names marked "!": only as written, as a whole word

    @property
    def display(self) -> str:
        return self.names[0]


@lru_cache(maxsize=1)
def known_products() -> tuple[KnownProduct, ...]:
    """The products of vocab/apps.txt."""
    out = []
    for line in read_lines("apps.txt"):
        names, cased = [], []
        for part in line.split("|"):
            name = part.strip()
            if name.endswith("!"):
                name = name[:-1].strip()
                cased.append(name)
            if name:
                names.append(name)
        if names:
            out.append(KnownProduct(tuple(names), tuple(cased)))
    return tuple(out)


def _whole(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] is not part of a longer Latin word or number."""
    name = text[start:end]
    if _LATIN_EDGE.match(name[0]) and start > 0 and _LATIN_EDGE.match(text[start - 1]):
        return False
    if _LATIN_EDGE.match(name[-1]) and end < len(text) and _LATIN_EDGE.match(text[end]):
        return False
    return True


_AS_PRODUCT = re.compile(r"\s*(?:app|应用|软件|账号|账户|帐号|平台|客户端|官网|网站)", re.I)
# What a question says of the product it is about: it opens the question ("抖音会…", "Does X
# …"), is owned ("my X account", "我的X账号") or owns ("X的隐私政策", "X's policy", "X account").
_SUBJECT_BEFORE = re.compile(r"^\W*(?:(?:does|do|did|is|are|was|will|would|can|could|should|has|have|"
                             r"how|why|what|when|where|who|which)\W+(?:\w+\W+)?)?(?:the\W+)?$|"
                             r"(?:\bmy|\bour|我的|我在|我们的|关于|关掉|关闭|注销|删除|退出|卸载)\W*$", re.I)
_SUBJECT_AFTER = re.compile(r"^\W*(?:的|'s|’s|\s+account|\s+app\b|\s+privacy|账号|账户|帐号|隐私|会|能|是否|"
                            r"有没有|怎么|怎样|如何|为什么|为啥|可以|收集|获取|读取|会不会|是不是)", re.I)


@lru_cache(maxsize=4096)
def _word_pattern(name: str, flags: int = 0) -> re.Pattern:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?![A-Za-z0-9])", flags)


def _as_written(name: str, question: str) -> bool:
    """Whether a Latin name marked "!" (Signal, LINE) is used as a name: written with its
    capitals as a whole word, followed by app/应用/账号 …, or inside a Chinese question."""
    text = unicodedata.normalize("NFKC", question)
    if _word_pattern(name).search(text) or len(_CJK.findall(text)) >= len(re.findall(r"[A-Za-z]", text)):
        return True  # in a Chinese question an English word is a name ("keep怎么注销")
    return any(_AS_PRODUCT.match(text, m.end())
               for m in _word_pattern(name, re.I).finditer(text))


def _subject(text: str, start: int, end: int) -> bool:
    """Whether the name at text[start:end] is what the question is about (see _SUBJECT_*)."""
    return bool(_SUBJECT_BEFORE.search(text[max(0, start - 24):start])
                or _SUBJECT_AFTER.match(text[end:end + 12]))


def _parts(name: str) -> set[str]:
    """Shorter names inside a normalized name: runs of its Chinese characters, runs of its
    Latin words (whole words), at least two characters."""
    out = set()
    for run in re.findall(r"[\u4e00-\u9fff]{2,}", name):
        out.update(run[i:j] for i in range(len(run)) for j in range(i + 2, len(run) + 1))
    words = re.findall(r"[a-z0-9]+", name)
    out.update(" ".join(words[i:j]) for i in range(len(words)) for j in range(i + 1, len(words) + 1))
    out.discard(name)
    return {p for p in out if len(p) >= 2}


def _crossed(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether a word of the question runs across either edge of text[start:end] (如家 in
    比如家: the word 比如 holds its first character)."""
    return any(s < start < e or s < end < e for s, e in spans)


@dataclass
class Found:
    products: list[str]  # policy ids named, in order of appearance
    foreign: list[str]  # products named that the corpus does not hold (their usual names)
    tools: list[str]  # products named as a means (login, payment, SDK) of the one asked about
    rest: str  # the normalized question with every name found blanked out
    plain: str  # the same for the Taiwan-wording reading
    subjects: list[str] = field(default_factory=list)  # foreign ones the question is about
    # each tool's names, the one the question used first: how a policy may say it (脸书 → facebook)
    tool_names: list[list[str]] = field(default_factory=list)


OPENING = 300  # characters at the start of a policy, where it names itself
MIN_MENTIONS = 5


def _occurrences(text: str, name: str) -> list[int]:
    """Start of each occurrence of name in text, not overlapping."""
    out, i = [], text.find(name)
    while i >= 0:
        out.append(i)
        i = text.find(name, i + len(name))
    return out


def _mentions(text: str, key: str) -> list[int]:
    """Start of each whole-word occurrence of a normalized name in normalized text."""
    return [i for i in _occurrences(text, key) if _whole(text, i, i + len(key))]


def _own_line(policy, text: str, lines: list[tuple[KnownProduct, list[str]]]) -> int | None:
    """The apps.txt line of the product a policy is about, when its own names are on none and
    its text hardly uses them (a guessed name can be wrong):
    a listed product its opening names, not as an ordinary word ("!"), that the whole text
    names at least MIN_MENTIONS times and twice as often as any other listed product (a
    policy names its own product throughout, a login or payment partner now and then)."""
    if any(len(_mentions(text, normalize(n))) >= MIN_MENTIONS for n in policy.names if len(n) >= 2):
        return None  # the policy's own name is how its text names it
    opening = text[:OPENING]
    grams = {opening[i:i + 2] for i in range(len(opening) - 1)}
    counts = []
    for i, (product, keys) in enumerate(lines):
        risky = {normalize(n) for n in product.cased}
        present = {k for k in keys if len(k) >= 2 and k[:2] in grams and k not in risky
                   and _mentions(opening, k)}
        if present:
            counts.append((sum(len(_mentions(text, k)) for k in present), i))
    counts.sort(reverse=True)
    if counts and counts[0][0] >= MIN_MENTIONS and (len(counts) == 1 or counts[0][0] >= 2 * counts[1][0]):
        return counts[0][1]
    return None


class Names:
    """Normalized product names → policy ids (held) or display names (not held), indexed by
    their first three characters: a question is checked only against the names that can occur
    in it (a corpus of a thousand policies has thousands of names)."""

    def __init__(self, held: dict[str, str], foreign: dict[str, str] | None = None,
                 cased: dict[str, str] | None = None, lines: dict[str, list[str]] | None = None):
        self.ids = dict(held)
        self.lines = dict(lines or {})  # a listed product's usual name → all its names (keys)
        self.foreign = {n: d for n, d in (foreign or {}).items() if n not in self.ids}
        self.cased = dict(cased or {})  # normalized name → the form the question must show
        self._latin_words: dict[str, set[str]] = {}
        longest_first = sorted([*self.ids, *self.foreign], key=len, reverse=True)
        self._rank = {n: i for i, n in enumerate(longest_first)}
        # two-character names by themselves, longer ones by their first three characters
        self._by_start: dict[str, list[str]] = defaultdict(list)
        self._short: set[str] = set()
        self._by_char: dict[str, set[str]] = defaultdict(set)
        for name in longest_first:
            if len(name) == 2:
                self._short.add(name)
            else:
                self._by_start[name[:3]].append(name)
        for name in self.ids:
            for ch in name:
                self._by_char[ch].add(name)

    @classmethod
    def build(cls, policies, text_of: Callable[[str], str] | None = None) -> "Names":
        """Names of the policies (product, aliases, id), widened by the vocab/apps.txt line
        each policy's product is on; the other lines' names are products not held."""
        held: dict[str, str] = {}
        for p in policies:
            for n in p.names:
                key = normalize(n)
                if len(key) >= 2:
                    held.setdefault(key, p.id)
        foreign: dict[str, str] = {}
        cased: dict[str, str] = {}
        lines = [(product, [normalize(n) for n in product.names]) for product in known_products()]
        claimed = {i for i, (_, keys) in enumerate(lines) if any(k in held for k in keys)}
        for p in policies:
            text = text_of(p.id) if text_of else normalize("\n".join(c.text for c in p.clauses))
            i = _own_line(p, text, lines)
            if i is not None and i not in claimed:
                claimed.add(i)
                for key in lines[i][1]:
                    if len(key) >= 2:
                        held.setdefault(key, p.id)
        for product, keys in lines:
            owners = {held[k] for k in keys if k in held}
            for name, key in zip(product.names, keys):
                if len(key) < 2:
                    continue
                if name in product.cased:
                    cased.setdefault(key, name)
                if len(owners) == 1:  # the line of a held product: its other names are its own
                    held.setdefault(key, next(iter(owners)))
                elif not owners:
                    foreign.setdefault(key, product.display)
        _add_pinyin(held, foreign, cased)
        # A listed name inside exactly one held product's name is that product's family name
        # (美团 of 美团外卖, "meituan" of "Meituan Waimai"): the question is about it.
        parts: dict[str, set[str]] = defaultdict(set)
        for key, pid in held.items():
            for part in _parts(key):
                parts[part].add(pid)
        for key in list(foreign):
            if len(parts.get(key, ())) == 1:
                held[key] = next(iter(parts[key]))
                del foreign[key]
        lines_of: dict[str, list[str]] = defaultdict(list)
        for key, display in foreign.items():
            lines_of[display].append(key)
        return cls(held, foreign, cased, lines_of)

    def _candidates(self, *texts: str) -> list[str]:
        """The names that occur in the texts (anywhere), longest first."""
        found = set()
        for text in texts:
            for i in range(len(text) - 1):
                if text[i:i + 2] in self._short:
                    found.add(text[i:i + 2])
                for name in self._by_start.get(text[i:i + 3], ()):
                    if name not in found and text.startswith(name, i):
                        found.add(name)
        return sorted(found, key=self._rank.__getitem__)

    def find(self, norm: str, plain: str | None = None, question: str = "",
             words: list[tuple[int, int]] | Callable[[], list[tuple[int, int]]] | None = None
             ) -> Found:
        """The product names in a normalized question (and its Taiwan-wording reading),
        longest first; each occurrence is blanked out (same length, so positions hold) and
        a shorter name inside it is not counted again. Latin names count as whole words only.
        A name that is also an ordinary word (marked "!" in apps.txt) counts when used as a
        name: a Latin one as written or before "app"; a Chinese one when no word of the
        question (`words`: the jieba spans of `norm`, or what makes them when needed) runs
        across its edges."""
        plain = norm if plain is None else plain
        found = Found([], [], [], norm, plain)
        for name in self._candidates(norm, plain):
            risky = name in self.cased
            if risky and name.isascii() and not _as_written(self.cased[name], question):
                continue
            hit = False
            for attr in ("rest", "plain"):
                text = getattr(found, attr)
                spans = [(i, i + len(name)) for i in _mentions(text, name)]
                if risky and not name.isascii():
                    # An ordinary word too (得到, 头条): a name only where the question is about
                    # it or calls it an app, and no word runs across it; judged on the
                    # question as typed, the other reading follows that verdict.
                    if callable(words):
                        words = words()
                    ok = attr == "rest" and words is not None
                    spans = [sp for sp in spans if ok and not _crossed(*sp, words)
                             and (_subject(text, *sp) or _AS_PRODUCT.match(text, sp[1]))] \
                        if attr == "rest" else (spans if hit else [])
                if not spans:
                    continue
                hit = True
                if name not in self.ids:
                    s, e = spans[0]
                    tool = _TOOL_BEFORE.search(text[max(0, s - 16):s]) or _TOOL_AFTER.match(text[e:e + 12])
                    display = self.foreign[name]
                    if attr == "rest" and display not in found.foreign + found.tools:
                        (found.tools if tool else found.foreign).append(display)
                        if not tool and _subject(text, s, e):
                            found.subjects.append(display)
                        if tool:  # part of what is asked ("微信登录"): asked in all its names
                            found.tool_names.append(
                                [name] + [n for n in self.lines.get(display, ()) if n != name])
                for s, e in spans:
                    text = text[:s] + " " * (e - s) + text[e:]
                setattr(found, attr, text)
            if hit and name in self.ids and self.ids[name] not in found.products:
                found.products.append(self.ids[name])
        for pid in found.products:  # "netease music": the rest of a name part found
            found.rest = self._name_words(found.rest, pid)
        return found

    def _name_words(self, text: str, pid: str) -> str:
        """text with the Latin words next to a blanked name that belong to the same product's
        names blanked too ("netease" found, "music" of "netease cloud music" beside it). A
        blanked name is a run of two spaces or more (names have two characters or more)."""
        words = self._latin_words.get(pid)
        if words is None:
            words = {w for n, p in self.ids.items() if p == pid for w in re.findall(r"[a-z0-9]+", n)}
            self._latin_words[pid] = words
        while True:
            m = next((m for m in re.finditer(r"[a-z0-9]+", text) if m.group() in words
                      and (text[:m.start()].endswith("  ") or text[m.end():].startswith("  "))), None)
            if m is None:
                return text
            text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]

    def owners(self, word: str) -> set[str]:
        """Policy ids of the held names that hold `word`."""
        return {self.ids[n] for n in self._by_char.get(word[0], ()) if word in n} if word else set()
