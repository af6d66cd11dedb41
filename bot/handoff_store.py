"""Human handoff storage: conversations handed from the widget to agents, and their messages.

Kept in the question log's database (same engine as bot/store.py, tables made by the Alembic
migration 0002). A conversation is read and written only with its token; the database keeps the
token's SHA-256, never the token. Rows older than the log's retention (by last activity) are
purged with the question log (Store.purge calls `purge`), and the admin report gets `report`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import secrets
import statistics
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, ForeignKey, Integer, String, Table,
                        Text, delete, func, insert, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

# What needs no SQLAlchemy lives in handoff_common; named here too, where callers found it.
from .handoff_common import (KINDS, MAX_TEXT, REASONS, SENDERS, STATUSES,  # noqa: F401
                             ConversationClosed, clean_text, iso, public_message)
from .store import StoreError, metadata, utcnow

log = logging.getLogger("privacybot.handoff")


handoffs = Table(
    "handoffs", metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False, index=True),  # UTC
    Column("updated_at", DateTime, nullable=False, index=True),  # last activity; retention
    Column("status", String(16), nullable=False),
    Column("reason", String(16)),  # refused, downvote, panel
    Column("lang", String(8)),
    Column("policy_id", String(200)),
    Column("question", Text),
    Column("answered", Boolean),
    Column("answer_heading", Text),
    Column("answer_url", Text),
    Column("contact", String(254)),
    Column("agent", String(128)),  # who claimed it (an agent's display name)
    Column("first_reply_at", DateTime),  # an agent's first message
    Column("closed_at", DateTime),
    Column("client", String(32)),  # HMAC of the visitor, as in the question log
)

handoff_messages = Table(
    "handoff_messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),  # the "after N" cursor
    Column("handoff_id", String(32), ForeignKey("handoffs.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("created_at", DateTime, nullable=False),
    Column("sender", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("payload", Text),  # JSON: the clause of a /quote, or the event of a status
    Column("agent", String(128)),
)

# Telegram messages of each handoff in the agents' chat, so that a reply to any of them is
# routed to its conversation.
handoff_telegram = Table(
    "handoff_telegram", metadata,
    Column("chat_id", BigInteger, primary_key=True),
    Column("message_id", BigInteger, primary_key=True),
    Column("handoff_id", String(32), ForeignKey("handoffs.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("card", Boolean, nullable=False, default=False),  # the first message, with buttons
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class Handoffs:
    """Handoff conversations on the log's engine; every method is synchronous (call it from a
    worker thread in async code) and raises StoreError when the database cannot be used."""

    def __init__(self, engine: Engine):
        self.engine = engine

    # -- conversations ---------------------------------------------------------------------------
    def create(self, *, question: str | None, reason: str | None, lang: str | None,
               policy_id: str | None, answered: bool | None, answer_heading: str | None,
               answer_url: str | None, contact: str | None = None,
               client: str | None = None) -> tuple[dict, str]:
        """A new open conversation; returns (its row, its token). The token is shown once."""
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = {"id": uuid.uuid4().hex, "token_hash": hash_token(token), "created_at": now,
               "updated_at": now, "status": "open", "reason": reason, "lang": lang,
               "policy_id": policy_id, "question": question, "answered": answered,
               "answer_heading": answer_heading, "answer_url": answer_url, "contact": contact,
               "agent": None, "first_reply_at": None, "closed_at": None, "client": client}
        self._write(lambda conn: conn.execute(insert(handoffs), [row]))
        return row, token

    def get(self, handoff_id: str) -> dict | None:
        with self._read() as conn:
            r = conn.execute(select(handoffs).where(handoffs.c.id == handoff_id)).mappings().first()
        return dict(r) if r else None

    def authorize(self, handoff_id: str, token: str) -> dict | None:
        """The conversation if `token` is its own, else None (constant-time comparison)."""
        row = self.get(handoff_id) if re.fullmatch(r"[0-9a-f]{32}", handoff_id or "") else None
        if row is None or not token:
            return None
        return row if hmac.compare_digest(row["token_hash"], hash_token(token)) else None

    def set_contact(self, handoff_id: str, contact: str) -> None:
        self._write(lambda conn: conn.execute(
            update(handoffs).where(handoffs.c.id == handoff_id)
            .values(contact=contact, updated_at=utcnow())))

    def claim(self, handoff_id: str, agent: str) -> dict | None:
        """Mark it claimed by `agent` (an open or claimed one); None when closed or unknown."""
        claimed = self._write(lambda conn: conn.execute(
            update(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.status != "closed")
            .values(status="claimed", agent=agent[:128], updated_at=utcnow())).rowcount)
        return self.get(handoff_id) if claimed else None

    def close(self, handoff_id: str) -> bool:
        """Close it; False when it was already closed or is unknown."""
        now = utcnow()
        return bool(self._write(lambda conn: conn.execute(
            update(handoffs).where(handoffs.c.id == handoff_id, handoffs.c.status != "closed")
            .values(status="closed", closed_at=now, updated_at=now)).rowcount))

    def list_open(self, limit: int = 100) -> list[dict]:
        with self._read() as conn:
            rows = conn.execute(select(handoffs).where(handoffs.c.status != "closed")
                                .order_by(handoffs.c.created_at.desc()).limit(limit)).mappings()
            return [dict(r) for r in rows]

    # -- messages ---------------------------------------------------------------------------------
    def add_message(self, handoff_id: str, *, sender: str, text: str, kind: str = "text",
                    payload: dict | None = None, agent: str | None = None,
                    allow_closed: bool = False) -> dict:
        """Append a message; raises ConversationClosed for a closed conversation (unless
        allow_closed, for the closing notice itself). An agent's first text sets first_reply_at."""
        assert sender in SENDERS and kind in KINDS
        now = utcnow()
        row = {"handoff_id": handoff_id, "created_at": now, "sender": sender, "kind": kind,
               "text": text, "payload": json.dumps(payload, ensure_ascii=False) if payload else None,
               "agent": agent[:128] if agent else None}

        def go(conn):
            status = conn.execute(select(handoffs.c.status).where(handoffs.c.id == handoff_id)
                                  ).scalar_one_or_none()
            if status is None or (status == "closed" and not allow_closed):
                return None
            mid = conn.execute(insert(handoff_messages).returning(handoff_messages.c.id),
                               [row]).scalar_one()
            if sender == "agent":
                conn.execute(update(handoffs).where(handoffs.c.id == handoff_id,
                                                    handoffs.c.first_reply_at.is_(None))
                             .values(first_reply_at=now))
            conn.execute(update(handoffs).where(handoffs.c.id == handoff_id)
                         .values(updated_at=now))
            return mid

        mid = self._write(go)
        if mid is None:
            raise ConversationClosed(handoff_id)
        return {"id": mid, **row}

    def messages_after(self, handoff_id: str, after: int = 0, limit: int = 200) -> list[dict]:
        with self._read() as conn:
            rows = conn.execute(select(handoff_messages)
                                .where(handoff_messages.c.handoff_id == handoff_id,
                                       handoff_messages.c.id > after)
                                .order_by(handoff_messages.c.id).limit(limit)).mappings()
            return [dict(r) for r in rows]

    public_message = staticmethod(public_message)

    # -- Telegram threads -------------------------------------------------------------------------
    def link_telegram(self, handoff_id: str, chat_id: int, message_id: int,
                      card: bool = False) -> None:
        def go(conn):
            try:
                with conn.begin_nested():
                    conn.execute(insert(handoff_telegram), [{
                        "chat_id": chat_id, "message_id": message_id, "handoff_id": handoff_id,
                        "card": card}])
            except IntegrityError:
                pass  # already linked
        self._write(go)

    def by_telegram(self, chat_id: int, message_id: int) -> dict | None:
        """The conversation a Telegram message in the agents' chat belongs to."""
        with self._read() as conn:
            hid = conn.execute(select(handoff_telegram.c.handoff_id).where(
                handoff_telegram.c.chat_id == chat_id,
                handoff_telegram.c.message_id == message_id)).scalar_one_or_none()
        return self.get(hid) if hid else None

    def card_of(self, handoff_id: str, chat_id: int) -> int | None:
        """The message id of the handoff's card in the agents' chat, if it was sent."""
        with self._read() as conn:
            return conn.execute(select(handoff_telegram.c.message_id).where(
                handoff_telegram.c.handoff_id == handoff_id, handoff_telegram.c.chat_id == chat_id,
                handoff_telegram.c.card.is_(True)).order_by(handoff_telegram.c.message_id.desc())
            ).scalars().first()

    # -- plumbing -----------------------------------------------------------------------------------
    def _write(self, fn):
        try:
            with self.engine.begin() as conn:
                return fn(conn)
        except SQLAlchemyError as e:
            log.error("handoff not stored: %s", e.__class__.__name__)
            raise StoreError("log database unavailable") from e

    class _Reader:
        def __init__(self, engine):
            self.engine, self.conn = engine, None

        def __enter__(self):
            try:
                self.conn = self.engine.connect()
            except SQLAlchemyError as e:
                raise StoreError("log database unavailable") from e
            return self.conn

        def __exit__(self, exc_type, exc, tb):
            self.conn.close()
            if isinstance(exc, SQLAlchemyError):
                log.error("handoff read failed: %s", exc.__class__.__name__)
                raise StoreError("log database unavailable") from exc
            return False

    def _read(self):
        return self._Reader(self.engine)


# -- retention and report (called by Store.purge and Store.report) ------------------------------

def purge(conn, cutoff: datetime) -> int:
    """Delete conversations with no activity since `cutoff`, with their messages and links."""
    old = select(handoffs.c.id).where(handoffs.c.updated_at < cutoff)
    conn.execute(delete(handoff_messages).where(handoff_messages.c.handoff_id.in_(old)))
    conn.execute(delete(handoff_telegram).where(handoff_telegram.c.handoff_id.in_(old)))
    return conn.execute(delete(handoffs).where(handoffs.c.updated_at < cutoff)).rowcount


def report(conn, since: datetime, top: int = 20) -> dict[str, Any]:
    """Handoffs per day, the median time to an agent's first reply, those nobody answered."""
    h = handoffs.c
    day = func.date(h.created_at)
    per_day = conn.execute(select(day.label("day"), func.count().label("n"))
                           .where(h.created_at >= since).group_by(day).order_by(day)).all()
    replied = conn.execute(select(h.created_at, h.first_reply_at)
                           .where(h.created_at >= since, h.first_reply_at.is_not(None))).all()
    waits = [(r - c).total_seconds() for c, r in replied]
    unanswered = conn.execute(
        select(h.id, h.created_at, h.status, h.question, h.lang, h.policy_id)
        .where(h.created_at >= since, h.first_reply_at.is_(None))
        .order_by(h.created_at.desc())).mappings().all()
    return {
        "total": sum(n for _, n in per_day),
        "per_day": [{"day": str(d), "handoffs": n} for d, n in per_day],
        "answered": len(waits),
        "median_first_reply_s": round(statistics.median(waits), 1) if waits else None,
        "unanswered": len(unanswered),
        "unanswered_recent": [{"id": r["id"], "created_at": iso(r["created_at"]),
                               "status": r["status"], "question": r["question"],
                               "lang": r["lang"], "policy_id": r["policy_id"]}
                              for r in unanswered[:top]],
    }



def report_lines(r: dict | None) -> list[str]:
    """The handoff part of `privacybot report`, as text lines."""
    if not r:
        return []
    median = f"{r['median_first_reply_s']:.0f} s" if r["median_first_reply_s"] is not None else "—"
    lines = ["", f"Handoffs: {r['total']}, {r['answered']} answered by an agent (median first "
                 f"reply {median}), {r['unanswered']} nobody answered"]
    lines += [f"  {d['day']}  {d['handoffs']:>6} handoffs" for d in r["per_day"]]
    lines += [f"  not answered: {u['question'] or '—'}   ({u['status']}, {u['created_at']})"
              for u in r["unanswered_recent"]]
    return lines
