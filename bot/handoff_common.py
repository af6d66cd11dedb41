"""What the handoff API and /admin/handoffs need of the handoff tables without SQLAlchemy (kept
off the server's start, see bot/deferred_store.py): the values a conversation takes, text as
stored, the closed-conversation error and a message as the visitor sees it."""
from __future__ import annotations

import json
import re
from datetime import datetime

STATUSES = ("open", "claimed", "closed")
SENDERS = ("visitor", "agent", "system")
KINDS = ("text", "clause", "status")
REASONS = ("refused", "downvote", "panel")
MAX_TEXT = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str, limit: int = MAX_TEXT) -> str:
    """Text as stored: no NUL or other control characters (PostgreSQL refuses NUL), lone
    surrogates replaced (they cannot be encoded), trimmed, at most `limit` characters."""
    return _CONTROL.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", value).strip()[:limit]


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat(timespec="milliseconds") + "Z" if dt else None


class ConversationClosed(Exception):
    """A message for a conversation an agent has closed."""


def public_message(m: dict) -> dict:
    """A message as the API shows it to the visitor."""
    payload = json.loads(m["payload"]) if m.get("payload") else None
    return {"id": m["id"], "at": iso(m["created_at"]), "sender": m["sender"],
            "kind": m["kind"], "text": m["text"], "agent": m.get("agent"),
            "answer": payload if m["kind"] == "clause" else None,
            "event": (payload or {}).get("event") if m["kind"] == "status" else None}
