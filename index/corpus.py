"""Load policy files: curated Markdown with front matter, or raw .txt/.md/.html as dropped in.

A curated file starts with a YAML front matter block (id, title, product, aliases, company,
updated, language, source_url). A raw file has none: its id is the file stem, and title,
product and date are guessed from the text. Unreadable files are skipped with a warning.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .sections import Clause, split_clauses

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".txt", ".html", ".htm")
_ID_OK = re.compile(r"[^a-z0-9_-]+")
_TITLE_HINT = re.compile(r"隐私政策|隐私权政策|隐私条款|隐私保护|隱私政策|隱私權政策|privacy (policy|notice)", re.I)
_DATE = re.compile(
    r"(?:更新|生效|发布|更新日期|更新时间|生效日期|last updated|updated|effective)[^0-9\n]{0,12}"
    r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})", re.I)


@dataclass
class Policy:
    """One policy document and its clauses."""

    id: str
    title: str
    product: str
    aliases: list[str]
    company: str | None
    updated: str | None  # ISO date of the version served
    language: str
    source_url: str | None
    path: str
    clauses: list[Clause] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Every name a question may use for this policy's product, longest first."""
        names = {self.product, *self.aliases, self.id}
        return sorted((n for n in names if n), key=len, reverse=True)

    @property
    def latin_name(self) -> str:
        """The product's name for English replies: a Latin-script alias when it has one."""
        for name in [self.product, *self.aliases]:
            if name.isascii():
                return name
        return self.product

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "product": self.product,
                "aliases": self.aliases, "company": self.company, "updated": self.updated,
                "language": self.language, "source_url": self.source_url,
                "sections": sum(1 for c in self.clauses if c.answerable)}


class CorpusError(Exception):
    """The corpus folder holds no readable policy."""


def slug(stem: str) -> str:
    return _ID_OK.sub("-", stem.lower()).strip("-") or "policy"


def _front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    m = re.match(r"^---\s*\n(.*?)\n---\s*\n?", text, re.S)
    if not m:
        return {}, text
    meta = yaml.safe_load(m.group(1)) or {}
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[m.end():]


def html_to_text(html: str) -> str:
    """Readable lines of an HTML page: headings become Markdown headings, blocks become lines."""
    from selectolax.lexbor import LexborHTMLParser as HTMLParser

    tree = HTMLParser(html)
    for tag in ("script", "style", "noscript", "nav", "header", "footer", "svg"):
        for node in tree.css(tag):
            node.decompose()
    body = tree.body or tree.root
    if body is None:
        return ""
    lines: list[str] = []
    blocks = "h1,h2,h3,h4,h5,h6,p,li,td,th,dt,dd,pre,blockquote,div"
    for node in body.css(blocks):
        if node.tag == "div" and node.css_first("p,li,div,h1,h2,h3,h4,h5,h6,table,ul,ol"):
            continue  # a wrapper: its children carry the text
        text = re.sub(r"\s+", " ", node.text(separator=" ", deep=True)).strip()
        if not text:
            continue
        if node.tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = "#" * int(node.tag[1]) + " " + text
        lines.append(text)
    return "\n\n".join(lines)


_PRONOUNS = {"我们", "我司", "本公司", "公司", "您", "用户", "本应用", "本产品", "本平台", "本政策", "产品"}


def _guess_title(text: str, fallback: str) -> str:
    """The first short line naming a privacy policy, preferring one that names a product
    ("盟畅云会议隐私政策" over a menu's "隐私条款"), or a page title's "隐私条款 - 盟畅云会议"."""
    candidates = []
    for line in text.splitlines()[:60]:
        s = line.strip().lstrip("#").strip()
        if s and len(s) <= 60 and _TITLE_HINT.search(s) and not re.search(r"[。，；：！？,;!?]", s):
            candidates.append(s)
    for s in candidates:
        if len(s) <= 40 and " - " not in s and "|" not in s and _TITLE_HINT.sub("", s).strip(" 《》-—:："):
            return s
    for s in candidates:
        if " - " in s:  # a web page's title: "隐私条款 - 盟畅云会议"
            parts = [p.strip() for p in s.split(" - ")]
            named = [p for p in parts if not _TITLE_HINT.fullmatch(p) and len(p) <= 20]
            if named and any(_TITLE_HINT.fullmatch(p) for p in parts):
                return f"{named[0]}{_TITLE_HINT.search(s).group(0)}"
    return candidates[0] if candidates and len(candidates[0]) <= 40 else fallback


def _guess_product(title: str, text: str, fallback: str) -> str:
    product = _TITLE_HINT.sub("", title).strip(" 《》-—:：")
    if product:
        return product
    for m in re.finditer(r"[《“\"]([^《》“”\"]{2,20}?)(?:隐私政策|隐私条款|服务条款|》|”)", text[:5000]):
        name = m.group(1).strip("(（“ ")
        if name not in _PRONOUNS and not _TITLE_HINT.search(name):
            return name
    m = re.search(r"[(（“]+([A-Za-z0-9\u4e00-\u9fff]{2,20})[)）”]", text[:2000])
    return m.group(1) if m else fallback


def _guess_language(text: str) -> str:
    cjk = len(re.findall(r"[\u4e00-\u9fff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "en" if latin > 4 * cjk else "zh"


def _derived_aliases(product: str) -> list[str]:
    """Other names a question may use: the Latin part of a mixed name ("vymeet" of
    "vymeet云会议") and the name without a generic suffix ("星云笔记" of "星云笔记App")."""
    out = []
    if not product.isascii():
        out += re.findall(r"[A-Za-z][A-Za-z0-9]{2,}", product)
    short = re.sub(r"(?i)(app|应用|软件|平台|客户端|服务)$", "", product).strip()
    if short and short != product and len(short) >= 2:
        out.append(short)
    return out


def guess_date(text: str) -> str | None:
    m = _DATE.search(text[:5000])
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def load_policy(path: Path) -> Policy:
    """Read one policy file (raises OSError / UnicodeDecodeError / ValueError on bad files)."""
    raw = path.read_bytes().decode("utf-8-sig")
    if not raw.strip():
        raise ValueError("file is empty")
    if path.suffix.lower() in (".html", ".htm"):
        meta, text = {}, html_to_text(raw)
    else:
        meta, text = _front_matter(raw)
    pid = slug(str(meta.get("id") or path.stem))
    title = str(meta.get("title") or _guess_title(text, pid))
    product = str(meta.get("product") or _guess_product(title, text, pid))
    if _TITLE_HINT.fullmatch(title) and product != pid:
        title = product + title  # a bare "隐私政策" says nothing in a list of policies
    source_url = meta.get("source_url") or None
    if source_url and not re.match(r"https?://", str(source_url), re.I):
        log.warning("%s: ignoring source_url %r (not an http(s) address)", path, source_url)
        source_url = None
    updated = meta.get("updated")
    updated = updated.isoformat() if isinstance(updated, dt.date) else (str(updated) if updated else guess_date(text))
    aliases = _as_list(meta.get("aliases")) if "aliases" in meta else _derived_aliases(product)
    policy = Policy(
        id=pid, title=title, product=product, aliases=aliases,
        company=meta.get("company"), updated=updated,
        language=str(meta.get("language") or _guess_language(text)),
        source_url=source_url, path=str(path),
        clauses=split_clauses(text, title),
    )
    if not any(c.answerable for c in policy.clauses):
        raise ValueError("no text found")
    return policy


def policy_files(folder: Path) -> list[Path]:
    """The files of a corpus folder that are read as policies, in order."""
    return [path for path in sorted(folder.iterdir())
            if path.suffix.lower() in SUFFIXES and not path.name.startswith(".")
            and path.name.lower() != "readme.md" and not path.is_dir()]


def load_corpus(folder: str | Path) -> list[Policy]:
    """Every readable policy in `folder`, sorted by id; bad files are skipped with a warning."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CorpusError(f"corpus folder not found: {folder}")
    policies: dict[str, Policy] = {}
    for path in policy_files(folder):
        try:
            policy = load_policy(path)
        except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
            log.warning("skipping policy file %s: %s", path, exc)
            continue
        if policy.id in policies:
            log.warning("skipping policy file %s: id %r already used by %s", path, policy.id,
                        policies[policy.id].path)
            continue
        policies[policy.id] = policy
    if not policies:
        raise CorpusError(f"no readable policy file (.md, .txt, .html) in {folder}")
    return [policies[k] for k in sorted(policies)]
