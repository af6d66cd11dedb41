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
from urllib.parse import quote

import yaml

from .html import html_to_text
from .metadata import derived_aliases, drop_shared_aliases, guess_metadata
from .sections import Clause, split_clauses

log = logging.getLogger(__name__)

SUFFIXES = (".md", ".txt", ".html", ".htm")
# Letters and digits of any script: "中国银行.txt" keeps the id 中国银行 (links percent-encode it).
_ID_OK = re.compile(r"[^\w-]+")


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
    aliases_guessed: bool = field(default=False, repr=False, compare=False)  # not from front matter

    @property
    def names(self) -> list[str]:
        """Every name a question may use for this policy's product, longest first."""
        names = {self.product, *self.aliases, self.id}
        return sorted((n for n in names if n), key=len, reverse=True)

    @property
    def page(self) -> str:
        """Path of the policy's page on the web server (the id percent-encoded)."""
        return f"/policies/{quote(self.id, safe='')}"

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
    """A policy id from a file stem: as written (an operator passes it as policy_id), with
    runs of anything but letters, digits, "_" and "-" made one "-"."""
    return _ID_OK.sub("-", stem).strip("-") or "policy"


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
    # What the front matter leaves out is guessed from the text; the stem names the product only
    # when the text names none (a curated file that gives a product keeps it, and its title).
    stated = f"{meta['title']}\n" if meta.get("title") else ""  # a stated title names the product
    guessed = []

    def guess():  # read the text only for what the front matter leaves out (it takes ~10 ms)
        if not guessed:
            guessed.append(guess_metadata(stated + text, path.stem))
        return guessed[0]

    product = str(meta.get("product") or guess().product)
    language = str(meta.get("language") or guess().language)
    kind = " Privacy Policy" if language == "en" else "隐私政策"
    title = str(meta.get("title") or (f"{product}{kind}" if meta.get("product") else guess().title))
    source_url = meta.get("source_url") or None
    if source_url and not re.match(r"https?://", str(source_url), re.I):
        log.warning("%s: ignoring source_url %r (not an http(s) address)", path, source_url)
        source_url = None
    updated = meta.get("updated")
    updated = (updated.isoformat() if isinstance(updated, dt.date)
               else str(updated) if updated else guess().updated)
    aliases = (_as_list(meta.get("aliases")) if "aliases" in meta
               else guess().aliases if not meta.get("product") else derived_aliases(product))
    company = meta.get("company") or (guess().company if not meta else None)
    policy = Policy(
        id=pid, title=title, product=product, aliases=aliases,
        company=company, updated=updated, language=language,
        source_url=source_url, path=str(path),
        clauses=split_clauses(text, title), aliases_guessed="aliases" not in meta,
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
    drop_shared_aliases(list(policies.values()))
    return [policies[k] for k in sorted(policies)]
