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


from .cleaning import clean_text
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
    import yaml  # here: only a build reads front matter, a warm start loads the saved index

    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ValueError("front matter is not a mapping")
    return meta, text[m.end():]


def _scalar_text(key: str, value) -> str | None:
    """A front matter value where text is expected: a number or date written bare in YAML
    (`company: 2021`, `updated: 2021-03-09`) is read as its text; a list or a mapping is an
    error (the file is skipped with a message), never a policy that breaks a reply later."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict, set, tuple)):
        raise ValueError(f"front matter field {key!r} must be text, not a "
                         f"{'list' if isinstance(value, (list, set, tuple)) else 'mapping'}")
    return clean_text(str(value)).strip() or None


TEXT_FIELDS = ("id", "title", "product", "company", "updated", "language", "source_url")


def _checked_meta(meta: dict) -> dict:
    """The front matter fields a policy keeps, as texts, and `aliases` as a list of texts (a
    comma-separated text is split); other fields are left out."""
    out = {}
    for key, value in meta.items():
        key = clean_text(str(key))
        if key in TEXT_FIELDS:
            out[key] = _scalar_text(key, value)
        elif key != "aliases":
            continue
        elif isinstance(value, (list, tuple)):
            out[key] = [a for a in (_scalar_text("aliases", v) for v in value) if a]
        else:
            text = _scalar_text("aliases", value) or ""
            out[key] = [v.strip() for v in text.split(",") if v.strip()]
    return out


def load_policy(path: Path) -> Policy:
    """Read one policy file (raises OSError / UnicodeDecodeError / ValueError on bad files)."""
    raw = clean_text(path.read_bytes().decode("utf-8-sig"))
    if not raw.strip():
        raise ValueError("file is empty")
    if path.suffix.lower() in (".html", ".htm"):
        meta, text = {}, clean_text(html_to_text(raw))
    else:
        meta, text = _front_matter(raw)
        meta = _checked_meta(meta)  # YAML escapes ("\ud800") and bare numbers are made text here
    stem = clean_text(path.stem)  # a file name's undecodable bytes arrive as lone surrogates
    pid = slug(meta.get("id") or stem)
    # What the front matter leaves out is guessed from the text; the stem names the product only
    # when the text names none (a curated file that gives a product keeps it, and its title).
    stated = f"{meta['title']}\n" if meta.get("title") else ""  # a stated title names the product
    guessed = []

    def guess():  # read the text only for what the front matter leaves out (it takes ~10 ms)
        if not guessed:
            guessed.append(guess_metadata(stated + text, stem))
        return guessed[0]

    product = meta.get("product") or guess().product
    language = meta.get("language") or guess().language
    kind = " Privacy Policy" if language == "en" else "隐私政策"
    title = meta.get("title") or (f"{product}{kind}" if meta.get("product") else guess().title)
    source_url = meta.get("source_url")
    if source_url and not re.match(r"https?://", source_url, re.I):
        log.warning("%s: ignoring source_url %r (not an http(s) address)", path, source_url)
        source_url = None
    updated = meta.get("updated") or guess().updated
    aliases = (meta["aliases"] if "aliases" in meta
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
        except (OSError, UnicodeDecodeError, ValueError) as exc:
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
