"""What the question log's users need without SQLAlchemy (0.15–0.2 s of imports, kept off the
server's start, see bot/deferred_store.py): its errors, the values it takes, a question's row,
the pseudonym of a client, and the database URL checked and shown without importing it."""
from __future__ import annotations

import hashlib
import hmac
import importlib.util
import re
import uuid
from datetime import UTC, datetime

VOTES = ("up", "down")
# Channels counted by name in the metrics; any other a client names is counted as "other",
# so that callers cannot grow the metrics without bound.
KNOWN_CHANNELS = frozenset({"api", "widget", "web", "telegram"})
REASONS = ("wrong_clause", "not_answered", "unclear", "other")


class StoreError(Exception):
    """The log database could not take a write (or is not open yet)."""


class UnknownQuestion(LookupError):
    """Feedback names a question this log does not hold."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def pseudonym(key: bytes, client: str | None) -> str | None:
    """The HMAC the log keeps of a client (IP address and user agent, Telegram id), never the
    client itself."""
    if not client:
        return None
    return hmac.new(key, client.encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:32]


def question_row(*, question: str, reply: dict, channel: str, latency_ms: float,
                 client: str | None) -> dict:
    """The log row of one asked question and its reply (`client`: already a pseudonym)."""
    best = (reply.get("answers") or [None])[0] or {}
    return {
        "id": uuid.uuid4().hex, "asked_at": utcnow(), "channel": channel[:32],
        "question": question, "lang": reply.get("lang"), "answered": bool(reply.get("answered")),
        "policy_id": best.get("policy_id"), "section_id": best.get("section_id"),
        "heading": best.get("heading"), "score": best.get("score"),
        "latency_ms": round(float(latency_ms), 3), "client": client,
    }


def counted_channel(channel: str) -> str:
    return channel if channel in KNOWN_CHANNELS else "other"


# SQLAlchemy's own URL pattern (sqlalchemy/engine/url.py, _parse_url), so that a URL read here
# is read the same way there.
_URL = re.compile(r"""
    (?P<name>[\w\+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?(?::(?P<port>[^/\?]*))?)?
    (?:/(?P<database>[^\?]*))?
    (?:\?(?P<query>.*))?
    """, re.X)


def safe_url(url: str) -> str:
    """The database URL without its password, for logs."""
    m = _URL.match(url)
    if not m or (m["port"] and not m["port"].isdigit()):
        return "<invalid database URL>"
    if m["password"] is None:
        return url
    return url[:m.start("password")] + "***" + url[m.end("password"):]


def opens_later(url: str) -> bool:
    """Whether the log at `url` can be opened after the server is up: a URL of a kind known to
    work here (SQLite without options, PostgreSQL through psycopg, installed), read without
    SQLAlchemy. Any other (a typo, another database, a driver not installed) is opened at
    start, where what SQLAlchemy says about it stops `serve` with a clear message."""
    m = _URL.fullmatch(url.strip()) if url == url.strip() else None
    if not m or (m["port"] and not m["port"].isdigit()):
        return False
    name = m["name"]
    if name in ("sqlite", "sqlite+pysqlite"):
        return m["query"] is None and not (m["username"] or m["ipv4host"] or m["ipv6host"]
                                           or m["port"])
    if name in ("postgresql", "postgresql+psycopg"):
        return importlib.util.find_spec("psycopg") is not None
    return False
