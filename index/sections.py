"""Split a policy's text into clauses: the units a question is answered with.

A clause is the text under its nearest heading (numbered item, Chinese ordinal, Markdown
heading or an unnumbered heading line), with the path of headings above it and a stable
anchor. List blocks, bare list markers ("1)" on a line of its own) and `key：value` lines stay
inside the clause they belong to. Clauses longer than MAX_CHARS are split at line, then
sentence, boundaries.
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field

MAX_CHARS = 1000  # contract: a quote is at most 1000 characters
SPLIT_AT = MAX_CHARS  # measured: splitting at 400–800 characters did not answer better
SHORT_HEADING = 24  # an unnumbered heading is a short line
PARAGRAPH = 30  # a line at least this long reads as a paragraph

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_DOTTED_ALONE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?$")
_DOTTED_TITLE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?\s+(\S.{0,40})$")
_CN_CHAPTER = re.compile(r"^第([一二三四五六七八九十百零〇两\d]+)(?:章|部分)\s*(.*)$")
_CN_ORDINAL = re.compile(r"^([一二三四五六七八九十百]+)\s*[、.．]\s*(.*)$")
_CN_PAREN = re.compile(r"^[（(]([一二三四五六七八九十]+)[)）]\s*(.*)$")
_CN_ARTICLE = re.compile(r"^第([一二三四五六七八九十百零〇两\d]+)条\s*(.*)$")
_BARE_MARKER = re.compile(r"^(?:\d{1,3}[)）.、．]|[（(]\d{1,3}[)）]|[a-zA-Z][)）]|[·•●▪\-*])$")
_KV = re.compile(r"^([^：:，。；,;!?！？]{1,16})[：:]\s*\S")
_SENTENCE_PUNCT = re.compile(r"[。；;，,：:！!？?]")
_SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")


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


@dataclass
class Clause:
    """One answerable unit of a policy."""

    anchor: str  # id of the element on the policy page, e.g. "s-5-6"
    section_id: str  # "5.6", "五", or the anchor's tail for unnumbered headings
    path: tuple[str, ...]  # headings from the chapter down to this clause
    text: str  # verbatim lines of the clause, joined by "\n" (its own heading line first)
    has_heading: bool = True  # whether text starts with the clause's own heading line
    answerable: bool = True  # False for a bare heading: shown on the page, never quoted

    @property
    def heading(self) -> str:
        return " › ".join(self.path)


@dataclass
class _Line:
    text: str
    gap: int  # blank lines before it in the source
    md_level: int = 0  # Markdown heading level, 0 if not a Markdown heading


@dataclass
class _Node:
    level: int
    title: str
    number: str | None
    anchor_hint: str
    body: list[str] = field(default_factory=list)
    inline: bool = False  # the title is the start of the first body line, not a line of its own


def _read_lines(text: str) -> list[_Line]:
    lines, gap = [], 0
    for raw in text.splitlines():
        s = raw.strip()
        if not s:
            gap += 1
            continue
        m = _MD_HEADING.match(s)
        if m:
            lines.append(_Line(m.group(2).strip(), gap, len(m.group(1))))
        else:
            lines.append(_Line(re.sub(r"\s+", " ", s), gap))
        gap = 0
    return lines


def _merge_markers(lines: list[_Line]) -> list[_Line]:
    """Join a bare list marker ("1)", "·") or dotted number ("5.6") with the line after it."""
    out: list[_Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt and not ln.md_level and not nxt.md_level:
            if _BARE_MARKER.match(ln.text) and not _BARE_MARKER.match(nxt.text):
                out.append(_Line(f"{ln.text} {nxt.text}", ln.gap))
                i += 2
                continue
            if _DOTTED_ALONE.match(ln.text) and _is_short_title(nxt.text):
                out.append(_Line(f"{ln.text} {nxt.text}", ln.gap))
                i += 2
                continue
        out.append(ln)
        i += 1
    return out


def _is_short_title(text: str) -> bool:
    return (len(text) <= SHORT_HEADING and not _SENTENCE_PUNCT.search(text)
            and not _BARE_MARKER.match(text.split(" ")[0]) and not _DOTTED_ALONE.match(text))


def _is_kv(text: str) -> bool:
    return bool(_KV.match(text))


_DOTTED_INLINE = re.compile(r"^(\d{1,3}(?:\.\d{1,3})+)\.?\s*(?=[^\d.\s])")
_ARTICLE_INLINE = re.compile(r"^(第[一二三四五六七八九十百零〇两\d]+条)\s*(?=\S)")
_MD_NUMBER = re.compile(r"^(\d{1,3})[.、．]\s*\S")


def _inline_numbered(text: str) -> tuple[int, str, str, str] | None:
    """A numbered clause whose text starts on the number's own line ("第一条 本政策适用于…")."""
    m = _DOTTED_INLINE.match(text)
    if m:
        num = m.group(1)
        return 20 + num.count("."), num, num, "s-" + num.replace(".", "-")
    m = _ARTICLE_INLINE.match(text)
    if m:
        value = cn_number(m.group(1)[1:-1])
        if value is not None:
            return 13, m.group(1), m.group(1)[1:-1], f"s-a{value}"
    return None


def _numbered(text: str) -> tuple[int, str, str | None, str] | None:
    """(level, title, number, anchor hint) when the line is a numbered heading."""
    m = _DOTTED_ALONE.match(text)
    if m:
        num = m.group(1)
        return 20 + num.count("."), num, num, "s-" + num.replace(".", "-")
    m = _DOTTED_TITLE.match(text)
    if m and not _SENTENCE_PUNCT.search(m.group(2)):
        num = m.group(1)
        return 20 + num.count("."), text, num, "s-" + num.replace(".", "-")
    for pattern, level, prefix in ((_CN_CHAPTER, 10, "c"), (_CN_ORDINAL, 11, ""),
                                   (_CN_PAREN, 12, "p"), (_CN_ARTICLE, 13, "a")):
        m = pattern.match(text)
        if m and len(text) <= 40 and not re.search(r"[。；;]$", text):
            value = cn_number(m.group(1))
            if value is None or (pattern is _CN_ORDINAL and value > 30):
                continue
            return level, text, m.group(1), f"s-{prefix}{value}"
    return None


def _unnumbered_heading(lines: list[_Line], i: int, uses_gaps: bool) -> bool:
    """Whether line i is a heading line with no number (e.g. "推荐" above a paragraph)."""
    text = lines[i].text
    if not _is_short_title(text) or _is_kv(text):
        return False
    prev = lines[i - 1].text if i > 0 else ""
    nxt = lines[i + 1].text if i + 1 < len(lines) else ""
    if prev.endswith(("：", ":")):
        return False  # an item of the list the previous line opens
    if not (len(nxt) >= PARAGRAPH or _is_kv(nxt) or nxt.endswith(("：", ":"))):
        return False  # headings stand above a paragraph, a list intro or key：value lines
    if uses_gaps:
        return lines[i].gap >= 1  # list items follow each other without blank lines
    return not (prev and (_is_short_title(prev) or _is_kv(prev)))


LABEL_LEVEL = 40  # below every numbered level: the next heading of any kind ends it


def _list_label(lines: list[_Line], i: int) -> bool:
    """A short label ending in a colon ("相关定义：") followed by at least two key：value lines."""
    text = lines[i].text
    if not text.endswith(("：", ":")) or len(text) > 16 or _SENTENCE_PUNCT.search(text[:-1]):
        return False
    if _BARE_MARKER.match(text.split(" ")[0]):
        return False
    following = [ln.text for ln in lines[i + 1:i + 3]]
    return len(following) == 2 and all(_is_kv(t) for t in following)


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


def split_clauses(text: str, title: str = "") -> list[Clause]:
    """Clauses of one policy text, in document order."""
    lines = _merge_markers(_read_lines(text))
    explicit = any(ln.md_level for ln in lines)
    uses_gaps = any(ln.gap for ln in lines[1:])
    numbered_levels = [n[0] for ln in lines if (n := _numbered(ln.text))]
    top_level = min(numbered_levels, default=11)

    if lines and lines[0].md_level == 1 and sum(ln.md_level == 1 for ln in lines) == 1:
        title = title or lines[0].text  # a lone top heading is the document's title
        lines[0].md_level = 0
        lines = lines[1:] if lines[0].text == title else lines
    nodes: list[_Node] = [_Node(0, title, None, "s-0")]
    for i, ln in enumerate(lines):
        num = _numbered(ln.text)
        if ln.md_level:  # explicit level; a number in it still names the anchor
            m = _MD_NUMBER.match(ln.text)
            number = num[2] if num else (m.group(1) if m else None)
            hint = num[3] if num else (f"s-{number}" if number else "")
            nodes.append(_Node(ln.md_level, ln.text, number, hint))
            continue
        inline = None if num else _inline_numbered(ln.text)
        if inline:
            level, label, number, hint = inline
            nodes.append(_Node(level, label, number, hint, [ln.text], inline=True))
        elif num:
            level, head, number, hint = num
            nodes.append(_Node(level, head, number, hint))
        elif not explicit and _unnumbered_heading(lines, i, uses_gaps):
            nodes.append(_Node(top_level, ln.text, None, ""))
        elif _list_label(lines, i) and nodes[-1].body:
            # "相关定义：" above key：value lines, inside a longer text: a clause of its own
            nodes.append(_Node(LABEL_LEVEL, ln.text, None, ""))
        else:
            nodes[-1].body.append(ln.text)

    clauses: list[Clause] = []
    seen: set[str] = set()
    stack: list[_Node] = []
    for node in nodes:
        while stack and stack[-1].level >= node.level:
            stack.pop()
        stack.append(node)
        path = tuple(n.title for n in stack[1:] if n.title) or ((title,) if title else ())
        anchor = node.anchor_hint or _anchor_hash(" › ".join(path))
        while anchor in seen:
            anchor += "-b"
        seen.add(anchor)
        node.anchor_hint = anchor
        if not node.body and node is not nodes[0]:
            # A heading with no text of its own still gets an anchor on the page.
            clauses.append(Clause(anchor, _section_id(node, anchor), path, node.title, True, False))
            continue
        if not node.body:
            continue
        own = [node.title] if node is not nodes[0] and not node.inline else []
        full = "\n".join(own + node.body)
        for k, part in enumerate(_split_long(full, SPLIT_AT)):
            part_anchor = anchor if k == 0 else f"{anchor}-{k + 1}"
            seen.add(part_anchor)
            clauses.append(Clause(part_anchor, _section_id(node, anchor) + (f"#{k + 1}" if k else ""),
                                  path, part, (bool(own) or node.inline) and k == 0))
    return clauses


def _section_id(node: _Node, anchor: str) -> str:
    return node.number or anchor.removeprefix("s-")
