"""Split a policy's text into clauses: the units a question is answered with.

A clause is the text under its nearest heading, with the path of headings above it and a
stable anchor. The reading works on the shape of lines, never on their wording:

1. Lines are read with their features: numbering (一、 （一） 1. 1、 1.1 (1) 第一条 第一章 …),
   Markdown heading level, a `**bold**` line, a tab-separated table row, `key：value`, a
   bullet, and whether the line is shaped like a heading (short, no sentence punctuation).
2. Lines that are not content are set aside: a copy of the policy printed a second time, and a
   table of contents (a run of heading-shaped lines whose titles come back, in order and spread
   out, further down). They stay on the page as clauses that are never quoted.
3. Headings are told from list items and table cells by their neighbours: a numbered line is a
   list item when a line of the same numbering stands right before or after it; an unnumbered
   heading stands above a paragraph (or a heading that does), not inside a run of short lines,
   a table flattened one cell per line (rows that repeat), or a list a colon opens. A numbered
   sentence ("1.1 当您注册时，…", "第三条 本政策…") starts a clause of its own, and so does each
   item of a section's outermost list when the section is too long to quote whole.
4. Levels come from how numbering schemes nest (a scheme already open closes what is under
   it; a number goes on counting where its scheme's last item stood; a 1 under newer headings
   starts a list there), Markdown levels, and position: an unnumbered heading sits under the
   open numbered one, one right below another nests, and one parents the numbering that starts
   again under each heading of its kind ("• 前言 … • 我们如何收集 … （一）…").

List blocks, bare list markers ("1)" on a line of its own), table rows and `key：value` lines
stay inside the clause they belong to. Clauses longer than MAX_CHARS are split at line, then
sentence, boundaries. Work is linear in the number of lines (a few bounded look-arounds).
"""
from __future__ import annotations

import bisect
import functools
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field

MAX_CHARS = 1000  # contract: a quote is at most 1000 characters
SPLIT_AT = MAX_CHARS  # measured: splitting at 400–800 characters did not answer better
SHORT_HEADING = 26  # an unnumbered Chinese heading is a short line
NUMBERED_HEADING = 42  # a numbered Chinese heading, number included
LATIN_HEADING = 100  # an English heading (characters) …
LATIN_WORDS = 14  # … and words
LIST_ITEM = 120  # a list is cut into clauses item by item only if its items average this long
INLINE_LABEL = 30  # a numbered paragraph's heading: its number and first words, at most this long
COLON_HEADING = 10  # an unnumbered heading ending in a colon is at most this long
PARAGRAPH = 30  # a line at least this long reads as a paragraph
TOC_RUN = 3  # a table of contents lists at least this many headings
EXPLICIT_EVERY = 2500  # Markdown headings this dense are all the headings (a curated file)
DUP_LINES, DUP_SHARE = 15, 0.15  # a second copy: at least this many lines and share of the text

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "Ⅵ": 6, "Ⅶ": 7, "Ⅷ": 8, "Ⅸ": 9, "Ⅹ": 10}

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_BOLD_LINE = re.compile(r"^\*\*([^*]+?)\*\*\s*(?:\[[^\]]{0,12}\]\s*)?$")
_DOTTED_ALONE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?$")
_BARE_MARKER = re.compile(r"^(?:\d{1,3}[)）.、．]|[（(]\d{1,3}[)）]|[a-zA-Z][)）]|[·•●▪\-*])$")
_BULLET = re.compile(r"^(?:([·•●▪◆◇■□○◎★☆►▶▸➢➤✓√])\s*|([\-*+])\s+|(Ø)(?=[\s\u4e00-\u9fff]))")
_KV = re.compile(r"^([^：:，。；,;!?！？]{1,16})[：:]\s*\S")
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
_CN_NUM = "一二三四五六七八九十百零〇两"

# Numbering schemes: (name, pattern, anchor prefix). The first group is the number, the last
# the title after it.
_SCHEMES = [
    ("chap", re.compile(rf"^第\s*([{_CN_NUM}\d]+)\s*(?:章|部分|节|篇)\s*(.*)$"), "c"),
    ("art", re.compile(rf"^第\s*([{_CN_NUM}\d]+)\s*条\s*(.*)$"), "a"),
    ("cn", re.compile(r"^([一二三四五六七八九十百]+)(?:\s*[、.．]|\s+(?=\S))\s*(.*)$"), ""),
    ("cnp", re.compile(r"^[（(]\s*([一二三四五六七八九十]+)\s*[)）]\s*(.*)$"), "p"),
    ("dot", re.compile(r"^(\d{1,2}(?:[.．]\d{1,2})+)(?![\d])[.．、]?\s*(.*)$"), ""),
    ("ar、", re.compile(r"^(\d{1,3})\s*、\s*(.*)$"), ""),  # "1、" and "1." count different levels
    ("ar", re.compile(r"^(\d{1,3})\s*[.．](?![\d])\s*(.*)$"), ""),
    ("arp", re.compile(r"^[（(]\s*(\d{1,3})\s*[)）]\s*(.*)$"), "q"),
    ("ar)", re.compile(r"^(\d{1,3})\s*[)）]\s*(.*)$"), "q"),
    ("lat", re.compile(r"^[（(]?([a-z])[)）]\s*(.*)$"), "l"),
    ("rom", re.compile(r"^([IVX]{1,4}|[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ])\s*[.、．]\s*(.*)$"), "r"),
    ("ars", re.compile(r"^(\d{1,2})\s+(?=[^\d\s.,:;])(.*)$"), ""),
]
_INLINE_SCHEMES = {"dot", "art"}  # a numbered sentence of these starts a clause of its own
# the items of a list of these start clauses of their own when their section is too long to quote
_ITEM_SCHEMES = {"chap", "cn", "cnp", "ar", "ar、", "arp", "ar)", "lat", "rom", "dot", "art"}


def cn_number(text: str) -> int | None:
    """Value of a Chinese or Arabic numeral up to the hundreds ("十二" → 12)."""
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            total += (digit or 1) * 100
            digit = 0
        else:
            return None
    return total + digit


def _roman(text: str) -> int | None:
    if text in _ROMAN:
        return _ROMAN[text]
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for a, b in zip(text, text[1:] + " "):
        v = values[a]
        total += -v if b != " " and values.get(b, 0) > v else v
    return total or None


@dataclass
class Clause:
    """One answerable unit of a policy."""

    anchor: str  # id of the element on the policy page, e.g. "s-5-6"
    section_id: str  # "5.6", "五", or the anchor's tail for unnumbered headings
    path: tuple[str, ...]  # headings from the chapter down to this clause
    text: str  # verbatim lines of the clause, joined by "\n" (its own heading line first)
    has_heading: bool = True  # whether text starts with the clause's own heading line
    answerable: bool = True  # False for a bare heading or a table of contents: shown, never quoted

    @property
    def heading(self) -> str:
        return " › ".join(self.path)


@dataclass
class _Num:
    scheme: str  # "cn", "dot", …; dotted numbers also carry their depth
    number: str  # as written ("三", "1.2", "5")
    value: tuple[int, ...]  # (3,), (1, 2)
    title: str  # the text after the number
    prefix: str  # anchor prefix of the scheme
    key: tuple = ()  # the scheme as a level: ("cn",), ("dot", 2) for "1.2"

    def __post_init__(self):
        self.key = (self.scheme, len(self.value)) if self.scheme == "dot" else (self.scheme,)

    @property
    def hint(self) -> str:
        return "s-" + self.prefix + "-".join(map(str, self.value))


@dataclass
class _Line:
    text: str
    gap: int  # blank lines before it in the source
    md_level: int = 0  # Markdown heading level, 0 if not a Markdown heading
    cells: int = 1  # tab-separated cells of the source line
    bold: bool = False  # the whole line is **bold**
    num: _Num | None = None
    kv: bool = False
    bullet: str = ""
    shape: bool = False  # shaped like a heading: short, no sentence punctuation
    long: bool = False  # reads as a paragraph
    aside: str = ""  # "toc" or "dup": not content, never quoted
    toc: str | None = None  # the title it names if it can be a table of contents' line
    kind: str = ""  # heading kind once classified: md, num, inline, U, label


@dataclass(eq=False)
class _Node:
    level: tuple  # position in the heading stack (see _Outline)
    title: str
    number: str | None
    anchor_hint: str
    body: list[str] = field(default_factory=list)
    inline: bool = False  # the title is the start of the first body line, not a line of its own
    prefix_tail: str = ""  # its anchor's tail under its parent ("p1" in "s-3-p1")
    parent: _Node | None = None
    path: tuple[str, ...] = ()
    asides: list[tuple[str, list[str]]] = field(default_factory=list)
    line: str = ""  # the heading's line as written, when its title is cleaner ("**Cookies** [top]")
    style: str = ""  # how an unnumbered heading is marked: a bullet, 【】, bold, or plain
    value: int = 0  # the last part of its number
    next_value: int | None = None  # that of the next heading numbered in the same scheme


# ---------------------------------------------------------------------------------------------
# Line features


_LATIN_STOP = re.compile(r"[;!。；！]|[.:?](?:\s|$)")
_CJK_STOP = re.compile(r"[。；;！!：:？?]")
_SPACES = re.compile(r"\s+")
_NUM_START = re.compile(r"^[第一二三四五六七八九十百（(\dIVXⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩa-z]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")


def _is_latin(text: str) -> bool:
    """Mostly Latin letters (an English line), not Chinese characters."""
    if text.isascii():
        return _ASCII_LETTER.search(text) is not None
    latin = len(_ASCII_LETTER.findall(text))
    return latin > 0 and latin > 2 * len(_CJK.findall(text))


def _title_shaped(text: str, limit: int, commas: int = 0) -> bool:
    """Whether text reads as a title: short, and no sentence punctuation but a final ：or ？
    (and at most `commas` commas)."""
    text = text.strip()
    if not text or len(text) > LATIN_HEADING:  # every limit is at most LATIN_HEADING
        return False
    latin = len(text) > limit or text.isascii() or not _CJK.match(text)
    latin = latin and _is_latin(text)
    body = text[:-1] if text[-1] in "：:？?" else text
    if latin:
        body = text[:-1] if text[-1] == "?" else text  # "…to:" opens a list
        if len(text) > LATIN_HEADING or len(text.split()) > LATIN_WORDS:
            return False
        if not (text[0].isupper() or text[0].isdigit() or text[0] in "\"“'‘(["):
            return False
        return not _LATIN_STOP.search(body) and not body.endswith((".", ",", ":"))
    if len(text) > limit or (body.count("，") + body.count(",")) > commas:
        return False
    return not _CJK_STOP.search(body)


def _parse_num(text: str) -> _Num | None:
    if not _NUM_START.match(text):
        return None
    for name, pattern, prefix in _SCHEMES:
        m = pattern.match(text)
        if not m:
            continue
        raw, title = m.group(1), m.group(m.lastindex).strip()
        if name == "dot":
            parts = tuple(int(p) for p in re.split(r"[.．]", raw))
            if any(p == 0 for p in parts[1:]) or len(parts) > 5:
                return None
            return _Num(name, raw.replace("．", "."), parts, title, prefix)
        if name == "rom":
            value = _roman(raw)
        elif name == "lat":
            value = ord(raw) - ord("a") + 1
        else:
            value = cn_number(raw)
        if value is None or value == 0 or (name == "cn" and value > 30):
            return None
        return _Num(name, raw, (value,), title, prefix)
    return None


def _read_lines(text: str) -> list[_Line]:
    lines, gap = [], 0
    for raw in text.splitlines():
        s = raw.strip()
        if not s:
            gap += 1
            continue
        m = _MD_HEADING.match(s) if s[0] == "#" else None
        if m:
            lines.append(_Line(m.group(2).strip(), gap, len(m.group(1))))
        else:
            cells = sum(1 for c in s.split("\t") if c.strip()) if "\t" in s else 1
            ln = _Line(_SPACES.sub(" ", s), gap, cells=cells)
            ln.bold = s.startswith("**") and bool(_BOLD_LINE.match(ln.text))
            lines.append(ln)
        gap = 0
    return lines


def _merge_markers(lines: list[_Line]) -> list[_Line]:
    """Join a bare list marker ("1)", "·") or dotted number ("5.6") with the line after it."""
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt and not ln.md_level and not nxt.md_level and len(ln.text) <= 12:
            if _BARE_MARKER.match(ln.text) and not _BARE_MARKER.match(nxt.text):
                out.append(_Line(f"{ln.text} {nxt.text}", ln.gap))
                i += 2
                continue
            if _DOTTED_ALONE.match(ln.text) and _is_short_title(nxt.text) \
                    and not nxt.text.endswith(("：", ":")):
                out.append(_Line(f"{ln.text} {nxt.text}", ln.gap))
                i += 2
                continue
        out.append(ln)
        i += 1
    return out


def _is_short_title(text: str) -> bool:
    if text.endswith(("：", ":")) and len(text) > COLON_HEADING:
        return False  # "…如下：" opens a list; "特别提示：" is a heading
    if not _title_shaped(text, SHORT_HEADING):
        return False
    first = text.split(" ", 1)[0]
    return not (len(first) <= 4 and _BARE_MARKER.match(first)) \
        and not (text[0].isdigit() and _DOTTED_ALONE.match(text))


_BULLET_START = frozenset("·•●▪◆◇■□○◎★☆►▶▸➢➤✓√-*+Ø")


def _features(ln: _Line) -> None:
    """Set the line's features. They depend on its text alone, and policies share many lines
    (boilerplate, lists of exceptions), so they are computed once per distinct line."""
    ln.bullet, ln.num, ln.kv, ln.shape, ln.long, ln.toc = \
        _facts(ln.text, ln.bold, ln.cells, ln.md_level > 0)


@functools.lru_cache(maxsize=1 << 15)
def _facts(text: str, bold: bool, cells: int, md: bool) -> tuple:
    ln = _Line(text, 0, int(md), cells, bold)
    _read_features(ln)
    return ln.bullet, ln.num, ln.kv, ln.shape, ln.long, ln.toc


def _read_features(ln: _Line) -> None:
    text = ln.text
    m = _BULLET.match(text) if text[0] in _BULLET_START else None
    if m and len(text) > m.end():
        ln.bullet = m.group(1) or m.group(2) or m.group(3)
        text = text[m.end():]
    ln.num = None if ln.bullet else _parse_num(text)
    ln.kv = ("：" in text or ":" in text) and bool(_KV.match(text)) and not ln.num
    if ln.bold:
        title = _BOLD_LINE.match(ln.text).group(1).strip()
        ln.shape = bool(title) and len(title) <= LATIN_HEADING
    elif ln.cells > 1:
        ln.shape = False
    elif ln.num and not ln.num.title:
        ln.shape = ln.num.scheme == "dot"  # "5.6" alone on its line: the number is the heading
    elif ln.num:
        title = ln.num.title
        if ln.num.scheme in ("cn", "chap") and title.endswith(("；", ";")):
            title = title[:-1]  # "五、我们如何保存您的个人信息；", as its table of contents wrote it
        ln.shape = len(text) <= LATIN_HEADING and _title_shaped(title, NUMBERED_HEADING, commas=1) \
            and (len(text) <= NUMBERED_HEADING or _is_latin(text))
    else:
        ln.shape = not ln.kv and _is_short_title(text)
    ln.long = len(ln.text) >= PARAGRAPH and not ln.shape
    ln.toc = _toc_key(ln, text)


# ---------------------------------------------------------------------------------------------
# What is not content: a second copy of the text, a table of contents


def _mark_duplicate(lines: list[_Line]) -> None:
    """Set aside a long block that repeats an earlier one (a policy printed twice), allowing a few
    lines changed, added or dropped in the second copy."""
    total = sum(len(ln.text) for ln in lines) or 1
    texts = [ln.text for ln in lines]
    first: dict[str, int] = {}
    j = 0
    while j < len(lines):
        i = first.get(texts[j])
        if i is not None and len(texts[j]) >= 10:
            a, b, matched, chars = i, j, 0, 0
            while a < j and b < len(lines):
                if texts[a] == texts[b]:
                    matched += 1
                    chars += len(texts[b])
                    a, b = a + 1, b + 1
                    continue
                for d in range(1, 6):  # resynchronize after a small edit
                    if a + d < j and texts[a + d] == texts[b]:
                        a += d
                        break
                    if b + d < len(lines) and texts[a] == texts[b + d]:
                        b += d
                        break
                    if a + d < j and b + d < len(lines) and texts[a + d] == texts[b + d]:
                        a, b = a + d, b + d
                        break
                else:
                    break
            if matched >= DUP_LINES and chars >= DUP_SHARE * total:
                for ln in lines[j:b]:
                    ln.aside = "dup"
                j = b
                continue
        first.setdefault(texts[j], j)
        j += 1


_BRACKET_TAIL = re.compile(r"\s*\[[^\]]{0,12}\]$")  # "**Cookies** [top]"
_NON_WORD = re.compile(r"[\W_]+")
TOC_LINE = 120  # a table of contents' line is at most this long (dot leaders included)
_LEADER = re.compile(r"(?:[.·…_\s]{2,}|\s+)\d{1,3}$")  # dot leaders and a page number


def _toc_key(ln: _Line, text: str) -> str | None:
    """The title a table-of-contents line names, normalized; None if the line is no title.
    `text` is the line without its bullet."""
    if ln.md_level or ln.cells > 1 or ln.kv or len(text) > TOC_LINE:
        return None
    num = ln.num
    if text[-1:].isdigit():
        stripped = _LEADER.sub("", text)
        if stripped != text:
            text, num = stripped, _parse_num(stripped)
    if ln.bullet and not num:
        num = _parse_num(text)
    if num:
        text = num.title
    if "**" in text:
        text = text.replace("**", "")
    plain = text
    text = text.rstrip("；;。.，,：: ")
    if text.endswith("]"):
        text = _BRACKET_TAIL.sub("", text)
    if not text:
        return None
    # a short title already read as one needs no second look
    if not (ln.shape and not num and not ln.bold and text == plain and len(text) <= SHORT_HEADING) \
            and not _title_shaped(text, LATIN_HEADING if len(text) > 50 else 50,
                                  commas=1 if num else 0):
        return None
    key = _NON_WORD.sub("", text).casefold()
    return key if len(key) >= 2 else None


def _mark_toc(lines: list[_Line]) -> None:
    """Set aside tables of contents: a run of title lines whose titles come back further down,
    in the same order and spread out (body between them), as heading lines."""
    keys = [None if ln.aside else ln.toc for ln in lines]
    exact: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        if key is not None:
            exact.setdefault(key, []).append(i)
    ordered = sorted(exact)  # for the titles that start like a given one

    def target(key: str, after: int) -> int | None:
        """The nearest later line with the same title, or one of which it is the start (or
        that is its start), the shorter at least 60% of the longer."""
        lists = [exact.get(key)]
        k = bisect.bisect_right(ordered, key)
        while k < len(ordered) and ordered[k].startswith(key):
            if len(key) >= max(4, 0.6 * len(ordered[k])):
                lists.append(exact[ordered[k]])
            k += 1
        lists += [exact.get(key[:n]) for n in range(max(4, math.ceil(len(key) * 0.6)), len(key))]
        best = None
        for positions in lists:
            if positions:
                k = bisect.bisect_right(positions, after)
                while k < len(positions) and lines[positions[k]].aside:
                    k += 1  # a line of another table of contents is no heading
                if k < len(positions) and (best is None or positions[k] < best):
                    best = positions[k]
        return best

    runs, i = [], 0
    while i < len(lines):
        if keys[i] is None:
            i += 1
            continue
        j = i
        while j < len(lines) and keys[j] is not None:
            j += 1
        if j - i >= TOC_RUN:
            runs.append((i, j))
        i = j
    # from the last: a second table (a summary's list, then the full one) points past the first
    for i, j in reversed(runs):
        found = [(k, t) for k in range(i, j) if (t := target(keys[k], k)) is not None]
        chain = _increasing(found)
        # the table ends before the first heading it names (a body may start right below it) …
        first_target = min((t for _, t in chain), default=j)
        chain = [(k, t) for k, t in chain if k < first_target]
        # … and its titles come back after it, in order, with text between them
        while chain and chain[0][1] <= chain[-1][0]:
            chain.pop(0)
        gaps = [b[1] - a[1] for a, b in zip(chain, chain[1:])]
        if len(chain) >= TOC_RUN and len(chain) >= 0.6 * (chain[-1][0] - chain[0][0] + 1) \
                and sum(g >= 2 for g in gaps) >= 0.7 * len(gaps) \
                and sum(_stands_alone(lines, t) for _, t in chain) >= 0.7 * len(chain):
            start, end = chain[0][0], chain[-1][0] + 1
            label = lines[start - 1] if start > 0 else None
            if label is not None and not label.aside and len(label.text.rstrip("：:")) <= 12 \
                    and _title_shaped(label.text, 12):
                start -= 1  # the table's own label ("目录")
            for ln in lines[start:end]:
                ln.aside = "toc"


def _stands_alone(lines: list[_Line], t: int) -> bool:
    """Whether line t can be a heading of the body: not a cell among short lines."""
    nxt = lines[t + 1] if t + 1 < len(lines) else None
    return lines[t].md_level > 0 or lines[t].bold or lines[t].num is not None or nxt is None \
        or not nxt.shape or nxt.kv


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of (line, target) pairs whose targets increase (patience sorting)."""
    tails: list[int] = []  # targets ending the best chains of each length
    ends: list[int] = []  # index in pairs of those chain ends
    back = [-1] * len(pairs)
    for n, (_, t) in enumerate(pairs):
        k = bisect.bisect_left(tails, t)
        back[n] = ends[k - 1] if k else -1
        if k == len(tails):
            tails.append(t)
            ends.append(n)
        else:
            tails[k], ends[k] = t, n
    chain, n = [], ends[-1] if ends else -1
    while n >= 0:
        chain.append(pairs[n])
        n = back[n]
    return chain[::-1]


# ---------------------------------------------------------------------------------------------
# Headings


def _classify(lines: list[_Line], explicit: bool, title: str) -> None:
    """Decide which lines are headings (ln.kind), from each line's shape and its neighbours."""
    n = len(lines)

    def nb(i: int) -> _Line | None:
        return lines[i] if 0 <= i < n and not lines[i].aside else None

    list_open = False  # inside items a "…：" line introduces
    made: list[_Table] = []

    def table() -> _Table:  # built at the first line that needs it
        if not made:
            made.append(_Table(lines))
        return made[0]

    # Runs of numbered lines of one scheme standing next to each other: a list. A list of short
    # items ("2.4.1 与国家安全有关的；") stays whole, even with dotted numbers (an article,
    # "第一条 …", is always a clause of its own).
    short_list = [False] * n
    i = 0
    while i < n:
        ln = lines[i]
        key = ln.num.key if ln.num is not None and not ln.bullet and not ln.aside else None
        j = i + 1
        while key is not None and j < n and not lines[j].aside and not lines[j].bullet \
                and lines[j].num is not None and lines[j].num.key == key:
            j += 1
        if key is not None and j - i >= 2 \
                and sum(len(ln.text) for ln in lines[i:j]) < LIST_ITEM * (j - i):
            short_list[i:j] = [True] * (j - i)
        i = j

    for i, ln in enumerate(lines):
        if ln.aside:
            continue
        prev, nxt = nb(i - 1), nb(i + 1)
        if ln.md_level:
            ln.kind = "md"
            list_open = False
            continue
        if i == 0 and title and "".join(ln.text.split()) == "".join(title.split()):
            continue  # the document's own title (spaced as it likes): the root clause's first line
        after_colon = prev is not None and prev.text.endswith(("：", ":")) and not prev.kind
        if after_colon:
            list_open = True
        num = ln.num
        if num and not ln.bullet:
            same = lambda other: other is not None and other.num is not None and \
                other.num.key == num.key and not other.bullet  # noqa: E731
            listed = same(prev) or same(nxt)
            if ln.shape and not listed and nxt is not None:
                ln.kind = "num"
                list_open = False
                continue
            if not ln.shape and num.scheme in _INLINE_SCHEMES \
                    and not (short_list[i] and num.scheme == "dot"):
                ln.kind = "inline"
                list_open = False
                continue
        if ln.long and not ln.kv:
            list_open = False
        colon = ln.text[-1] in "：:"
        if explicit and not ln.bold:
            if colon and prev is not None and _label(lines, i):
                ln.kind = "label"
            continue
        if ln.shape and _unnumbered_heading(lines, i, nb, list_open, table):
            ln.kind = "U"
            list_open = False
        elif colon and prev is not None and _label(lines, i):
            ln.kind = "label"


def _split_lists(lines: list[_Line]) -> None:
    """In a section too long to quote whole, each item of its outermost numbered list starts a
    clause of its own (the list's items are the section's natural parts); again inside an item
    that is still too long, with the list one level down. The outermost list is the one whose
    numbering the text used first."""
    rank: dict[tuple, int] = {}
    for k, ln in enumerate(lines):
        if ln.num is not None and not ln.bullet and not ln.aside:
            rank.setdefault(ln.num.key, k)
    for _ in range(3):
        changed = False
        start = 0
        for end in range(len(lines) + 1):
            if end < len(lines) and not lines[end].kind:
                continue
            first = start + 1 if start < len(lines) and lines[start].kind else start
            body = [k for k in range(first, end) if not lines[k].aside]
            if sum(len(lines[k].text) for k in body) > MAX_CHARS:
                items = [k for k in body if lines[k].num is not None and not lines[k].bullet
                         and lines[k].num.scheme in _ITEM_SCHEMES]
                if items:
                    key = min((lines[k].num.key for k in items), key=rank.__getitem__)
                    chosen = [k for k in items if lines[k].num.key == key]
                    tail = sum(len(lines[k].text) for k in body if k >= chosen[0])
                    # a list long enough to need cutting, of items that say something each
                    if tail > MAX_CHARS and tail >= LIST_ITEM * len(chosen):
                        for k in chosen:
                            lines[k].kind = "inline"
                        changed = True
            start = end
        if not changed:
            break


def _heads_paragraph(ln: _Line, nxt: _Line | None) -> bool:
    """A heading stands above text: a paragraph, key：value lines, or a list it introduces."""
    if nxt is None:
        return False
    return nxt.long or nxt.kv or (not nxt.shape and nxt.num is not None) \
        or (nxt.bullet and not ln.bullet) \
        or (nxt.text.endswith(("：", ":")) and len(nxt.text) > len(ln.text))


def _unnumbered_heading(lines: list[_Line], i: int, nb, list_open: bool, table) -> bool:
    """Whether line i is a heading with no number (e.g. "推荐" above a paragraph)."""
    ln = lines[i]
    if not ln.shape or ln.num and not ln.bullet or ln.kv:
        return False
    if ln.bold:
        return True
    prev, nxt = nb(i - 1), nb(i + 1)
    if ln.text.endswith(("：", ":")) \
            and not (nxt is not None and (nxt.kv or (nxt.long and not nxt.bullet))):
        return False  # "其中要点如下：" above its list is a sentence, not a heading
    if ln.bullet and ((prev is not None and (prev.bullet or not (prev.long or prev.kv)))
                      or (nxt is not None and nxt.bullet)):
        return False  # an item of a bulleted list or a cell of a table, not a bulleted heading
    if prev is not None and prev.text.endswith(("：", ":")) and not prev.kind \
            and not (nxt is not None and nxt.long and not nxt.bullet and not nxt.kv):
        return False  # an item of the list the previous line opens (unless a paragraph follows)
    if prev is not None and prev.shape and not prev.kind and not prev.md_level:
        # after a short line that is no heading: a cell or item of a table or list, unless that
        # line ends a paragraph and this one stands apart at least as far
        before = nb(i - 2)
        apart = ln.gap > prev.gap or (before is not None and before.long and ln.gap >= prev.gap)
        if not apart or (nxt is not None and nxt.shape and not nxt.kv):
            return False
    if _heads_paragraph(ln, nxt):
        if list_open and nxt.kv and prev is not None and prev.kv and _same_record(lines, i):
            return False  # the next record of a list ("微信 / 功能：…" after "Android端如下：")
        return not _in_table(lines, i, table())
    # a heading right above another heading that heads a paragraph
    nxt2 = nb(i + 2)
    return (nxt is not None and nxt.shape and not nxt.kv and not nxt.bullet and nxt.num is None
            and nxt2 is not None and (nxt2.long or nxt2.kv) and not _in_table(lines, i, table()))


_LINK = re.compile(r"(?i)https?://|www\.")


def _kv_key(text: str) -> str:
    return re.split(r"[：:]", text, maxsplit=1)[0].strip()


def _same_record(lines: list[_Line], i: int) -> bool:
    """Whether the key：value lines under line i start like those of the record above it."""
    k = i - 1
    while k > 0 and i - k <= 12 and lines[k - 1].kv:
        k -= 1
    return _kv_key(lines[k].text) == _kv_key(lines[i + 1].text)


def _code(ln: _Line) -> str:
    """The kind of a line, for telling a table flattened into one cell per line."""
    if ln.aside or ln.md_level:
        return "X"
    if _LINK.match(ln.text):
        return "W"
    if ln.kv:
        return "K"
    if ln.num is not None or ln.bullet:
        return "N"
    return "C"


def _cellish(ln: _Line) -> bool:
    """A short line that does not end like a sentence or a list's opening."""
    return not ln.long and not ln.text.endswith(("。", "；", ";", "！", "!", "：", ":", "，", ","))


def _in_table(lines: list[_Line], i: int, table: _Table) -> bool:
    """Whether line i is a cell of a table flattened into one cell per line: with the period of
    a row (k lines), line i and a neighbour cell are short in three rows running, the rows have
    the same kinds of lines (cells, links, key：value …), and one column is never short."""
    n = len(lines)
    cell, code = table.cell, table.code
    if not cell[i]:
        return False
    for k in range(2, 9):
        if not ((i >= k and cell[i - k]) or (i + k < n and cell[i + k])):
            continue
        for first in (-2, -1, 0):
            r0 = i + first * k
            r2 = r0 + 2 * k
            if r0 < 1 or r2 + 1 >= n or not (cell[r0] and cell[r0 + k] and cell[r2]):
                continue
            for d in (-1, 1):
                if not (cell[r0 + d] and cell[r0 + k + d] and cell[r2 + d]):
                    continue
                start = min(r0, r0 + d)
                if start + 3 * k > n or not code[start:start + k] == code[start + k:start + 2 * k] \
                        == code[start + 2 * k:start + 3 * k]:
                    continue
                # and a column of text, links or key：value in every row (a list of short items
                # has none)
                if any(not (cell[start + c] or cell[start + k + c] or cell[start + 2 * k + c])
                       for c in range(k)):
                    return True
    return False


class _Table:
    """Per-line facts the table test reads, computed once per text."""

    def __init__(self, lines: list[_Line]):
        codes = [_code(ln) for ln in lines]
        self.cell = [c == "C" and _cellish(ln) for c, ln in zip(codes, lines)]
        # a blank line before a line is part of its kind: cells are spaced alike
        self.code = "".join(c.lower() if ln.gap else c for c, ln in zip(codes, lines))


def _label(lines: list[_Line], i: int) -> bool:
    """A short label ending in a colon ("相关定义：") followed by at least two key：value lines."""
    text = lines[i].text
    if not text.endswith(("：", ":")) or len(text) > 16 or re.search(r"[。；;，,：:！!？?]", text[:-1]):
        return False
    if _BARE_MARKER.match(text.split(" ")[0]):
        return False
    following = [ln for ln in lines[i + 1:i + 3] if not ln.aside]
    return len(following) == 2 and all(ln.kv for ln in following)


# ---------------------------------------------------------------------------------------------
# Levels and clauses


LABEL = ("label",)
UNNUMBERED = ("U",)


class _Outline:
    """The stack of open headings. Keys: ("md", level), a numbering scheme's key, ("U",) for an
    unnumbered heading, ("label",) for a label above key：value lines."""

    def __init__(self, root: _Node, styles: Counter, schemes: Counter, restarts: Counter):
        self.stack: list[_Node] = [root]
        self.restarts = restarts  # (style, scheme): numbering starting at 1 right below one
        self.styles = styles  # how many unnumbered headings of each style the text has
        self.schemes = schemes  # how many numbered headings of each scheme
        self.seen_under: dict[tuple, tuple[_Node, int]] = {}  # where each scheme's last item stood
        self.under_unnumbered: set[tuple] = set()  # schemes seen right under an unnumbered heading

    def item(self, key: tuple, value: int) -> None:
        """A list item of a scheme: not a heading, but it shows where that scheme stands: next
        to the scheme's last item if it continues its count, else under the deepest heading."""
        parent, last = self.seen_under.get(key, (None, 0))
        if not (parent is not None and value == last + 1 and any(n is parent for n in self.stack)):
            parent = self.stack[-1]
            for n in reversed(self.stack[1:]):
                if n.level == key:
                    if n.value + 1 == value:
                        parent = n.parent
                    break
        self.seen_under[key] = (parent, value)

    def _continues(self, node: _Node, key: tuple) -> bool:
        parent, last = self.seen_under.get(key, (None, 0))
        return parent is not None and node.value == last + 1 \
            and any(n is parent for n in self.stack)

    def _restarts_deeper(self, node: _Node, key: tuple) -> bool:
        """A number 1 of a scheme open further up, with numbered headings opened since: a new
        list under the deepest one ("1." under "（一）", below a summary's "5."), not a sibling."""
        if node.value != 1:
            return False
        k = max(i for i, n in enumerate(self.stack) if n.level == key)
        return any(n.level[0] not in ("U", "label") for n in self.stack[k + 1:])

    def _pop_while(self, cond) -> None:
        while len(self.stack) > 1 and cond(self.stack[-1].level):
            self.stack.pop()

    def place(self, node: _Node, after_heading: bool) -> None:
        key = node.level
        levels = [n.level for n in self.stack]
        if key[0] == "md":
            self._pop_while(lambda k: k[0] != "md" or k[1] >= key[1])
        elif key == UNNUMBERED:
            # numbering that lives under unnumbered headings ("• 前言" … "1. …") ends at the next
            # one, unless it goes on counting after it (then this heading is inside an item)
            self._pop_while(lambda k: k == LABEL)
            while len(self.stack) > 1 and self.stack[-1].level in self.under_unnumbered \
                    and self.stack[-1].next_value != self.stack[-1].value + 1:
                self.stack.pop()
            if not (after_heading and self.stack[-1].level == UNNUMBERED):
                self._pop_while(lambda k: k == UNNUMBERED)
        elif key == LABEL:
            self._pop_while(lambda k: k == LABEL)
        elif self._continues(node, key):
            # the scheme's last item (a heading or a list item) stood under a heading still
            # open: this one is its sibling
            parent = self.seen_under[key][0]
            while self.stack[-1] is not parent:
                self.stack.pop()
        elif key in levels and not self._restarts_deeper(node, key):
            while self.stack[-1].level != key:
                self.stack.pop()
            self.stack.pop()
        elif key in levels:
            self._pop_while(lambda k: k == LABEL)  # a new list under the deepest heading
        else:
            if key[0] == "dot":
                deeper = [k for k in levels if k[0] == "dot" and k[1] >= key[1]]
                if deeper:
                    while self.stack[-1].level != deeper[0]:
                        self.stack.pop()
                    self.stack.pop()
            self._pop_while(lambda k: k == LABEL)
            top = self.stack[-1]
            # An unnumbered heading is the parent of numbering that starts again under several
            # headings of its style (bullet, 【】, bold, plain), or when headings of its style
            # outnumber that numbering's: "• 前言 … • 我们如何收集 … （一）…（四）… • APP权限 …
            # 1. …". Otherwise it is a preamble, a sibling: "概要" before "1. …" … "9. …".
            if top.level == UNNUMBERED and self.restarts[(top.style, key)] < 2 \
                    and self.styles[top.style] <= self.schemes[key]:
                self._pop_while(lambda k: k == UNNUMBERED)
        node.parent = self.stack[-1]
        self.seen_under[key] = (node.parent, node.value)
        if node.parent.level == UNNUMBERED and key not in (UNNUMBERED, LABEL) and key[0] != "md":
            self.under_unnumbered.add(key)
        self.stack.append(node)


def _anchor_hash(title: str) -> str:
    return "s-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]


def _split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut text (lines joined by \\n) into balanced parts of at most `limit` characters."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for line in text.split("\n"):
        if len(line) <= limit:
            pieces.append(line)
            continue
        buf = ""
        for sent in (s for s in _SENTENCE_END.split(line) if s):
            while len(sent) > limit:  # a sentence with no stop in 1000 characters
                pieces.append(buf) if buf else None
                buf = ""
                pieces.append(sent[:limit])
                sent = sent[limit:]
            if len(buf) + len(sent) > limit:
                pieces.append(buf)
                buf = ""
            buf += sent
        if buf:
            pieces.append(buf)
    target = len(text) / math.ceil(len(text) / (limit * 0.9))
    parts, cur = [], ""
    for piece in pieces:
        joined = f"{cur}\n{piece}" if cur else piece
        if cur and (len(joined) > limit or len(cur) >= target):
            parts.append(cur)
            cur = piece
        else:
            cur = joined
    if cur:
        parts.append(cur)
    return parts


# where a numbered paragraph's heading ends: a stop, or a number starting a run-in item
_LABEL_END = re.compile(r"[，。；：,;:！？!?]|\s+(?=\d{1,2}[.、．)）]|[（(]\d{1,2}[)）])")


def _heading_node(ln: _Line) -> _Node:
    num = ln.num
    if ln.kind == "md":
        m = re.match(r"^(\d{1,3})[.、．]\s*\S", ln.text)
        if num and num.scheme != "ars":
            return _Node(("md", ln.md_level), ln.text, num.number, num.hint)
        number = m.group(1) if m else None
        return _Node(("md", ln.md_level), ln.text, number, f"s-{number}" if number else "")
    if ln.kind == "num":
        title = ln.text.rstrip("；;")  # the line as written, its title without a list's stop
        return _Node(num.key, title, num.number, num.hint, prefix_tail=num.hint[2:],
                     line=ln.text if title != ln.text else "")
    if ln.kind == "inline":
        if num.scheme == "dot":
            label = num.number
        elif num.scheme == "art":
            label = re.match(r"^第\s*\S+?\s*条", ln.text).group(0)
        else:  # the number and the words up to the first stop: "二、 我们如何收集和使用个人信息"
            label = _LABEL_END.split(ln.text, maxsplit=1)[0][:INLINE_LABEL].rstrip()
        return _Node(num.key, label, num.number, num.hint, [ln.text], inline=True,
                     prefix_tail=num.hint[2:])
    if ln.kind == "label":
        return _Node(LABEL, ln.text, None, "")
    if ln.bold:
        return _Node(UNNUMBERED, _BOLD_LINE.match(ln.text).group(1).strip(), None, "", line=ln.text)
    return _Node(UNNUMBERED, ln.text, None, "")


def _style(ln: _Line) -> str:
    return ln.bullet or ("bold" if ln.bold else "bracket" if ln.text.startswith("【") else "plain")


def split_clauses(text: str, title: str = "") -> list[Clause]:
    """Clauses of one policy text, in document order."""
    lines = _merge_markers(_read_lines(text))
    if lines and lines[0].md_level == 1 and sum(ln.md_level == 1 for ln in lines) == 1:
        title = title or lines[0].text  # a lone top heading is the document's title
        if lines[0].text == title:
            lines = lines[1:]
        else:
            lines[0].md_level = 0
    for ln in lines:
        _features(ln)
    _mark_duplicate(lines)
    _mark_toc(lines)
    # Markdown headings that structure the whole text (a curated file, a page with <h2>s) make
    # the other headings explicit too; a page whose only headings are its title and a footer's
    # menus does not.
    n_md = sum(1 for ln in lines if ln.md_level)
    explicit = n_md >= 2 and n_md * EXPLICIT_EVERY >= sum(len(ln.text) for ln in lines)
    _classify(lines, explicit, title)
    _split_lists(lines)

    styles = Counter(_style(ln) for ln in lines if ln.kind == "U")
    schemes = Counter(ln.num.key for ln in lines if ln.kind in ("num", "inline"))
    root = _Node(("root",), title, None, "s-0")
    restarts: Counter = Counter()
    last_style = None
    for ln in lines:
        if ln.kind == "U":
            last_style = _style(ln)
        elif ln.kind in ("num", "inline"):
            if last_style is not None and ln.num.value[-1] == 1:
                restarts[(last_style, ln.num.key)] += 1
            last_style = None
        elif ln.kind:
            last_style = None
    outline = _Outline(root, styles, schemes, restarts)
    next_values: dict[int, int | None] = {}  # line → value of the next heading of its scheme
    upcoming: dict[tuple, int] = {}
    for k in range(len(lines) - 1, -1, -1):
        if lines[k].kind in ("num", "inline"):
            next_values[k] = upcoming.get(lines[k].num.key)
            upcoming[lines[k].num.key] = lines[k].num.value[-1]
    nodes = [root]
    prev_heading = False
    for at, ln in enumerate(lines):
        if ln.aside:
            current = nodes[-1]
            if current.asides and current.asides[-1][0] == ln.aside:
                current.asides[-1][1].append(ln.text)
            else:
                current.asides.append((ln.aside, [ln.text]))
            continue
        if not ln.kind:
            nodes[-1].body.append(ln.text)
            if ln.num is not None and not ln.bullet:
                outline.item(ln.num.key, ln.num.value[-1])
            prev_heading = False
            continue
        node = _heading_node(ln)
        node.style = _style(ln) if ln.kind == "U" else ""
        node.value = ln.num.value[-1] if ln.num is not None and ln.kind in ("num", "inline") else 0
        node.next_value = next_values.get(at)
        outline.place(node, prev_heading)
        nodes.append(node)
        prev_heading = not node.inline

    return _clauses(nodes, title)


def _clauses(nodes: list[_Node], title: str) -> list[Clause]:
    clauses: list[Clause] = []
    seen: set[str] = set()

    def unique(anchor: str) -> str:
        while anchor in seen:
            anchor += "-b"
        seen.add(anchor)
        return anchor

    root = nodes[0]
    for node in nodes:
        if node is root:
            path = (title,) if title else ()
            anchor = unique("s-0")
        else:
            parent_path = node.parent.path if node.parent is not root else ()
            path = parent_path + ((node.title,) if node.title else ())
            hint = node.anchor_hint
            # A number that counts within its parent ("（一）", "1、" under "二、") is named after
            # the parent, "s-2-p1", so that it never takes a chapter's name; dotted numbers,
            # articles and chapters name themselves.
            nested = node.parent.number is not None and node.level[0] not in ("dot", "art", "chap")
            if hint and node.prefix_tail and node.parent is not root and (nested or hint in seen):
                hint = f"{node.parent.anchor_hint}-{node.prefix_tail}"
            anchor = unique(hint or _anchor_hash(" › ".join(path)))
        node.path = path
        node.anchor_hint = anchor
        if not node.body and node is not root:
            # A heading with no text of its own still gets an anchor on the page.
            clauses.append(Clause(anchor, _section_id(node, anchor), path, node.line or node.title,
                                  True, False))
        elif node.body:
            own = [node.line or node.title] if node is not root and not node.inline else []
            full = "\n".join(own + node.body)
            for k, part in enumerate(_split_long(full, SPLIT_AT)):
                part_anchor = anchor if k == 0 else unique(f"{anchor}-{k + 1}")
                section = _section_id(node, anchor) + (f"#{k + 1}" if k else "")
                clauses.append(Clause(part_anchor, section, path, part,
                                      (bool(own) or node.inline) and k == 0))
        for kind, texts in node.asides:
            base = unique(f"s-{kind}")
            for k, part in enumerate(_split_long("\n".join(texts), SPLIT_AT)):
                part_anchor = base if k == 0 else unique(f"{base}-{k + 1}")
                clauses.append(Clause(part_anchor, part_anchor.removeprefix("s-"),
                                      path or ((title,) if title else ()), part, False, False))
    return clauses


def _section_id(node: _Node, anchor: str) -> str:
    return node.number or anchor.removeprefix("s-")
