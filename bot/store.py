"""The question and feedback log: SQLite by default, PostgreSQL for replicas (SQLAlchemy Core).

Questions are written by a background thread so that a slow, locked or absent database never
delays or fails an answer: rows wait in a bounded queue, failed batches are retried, and what
cannot be written is counted in `dropped`. Feedback is written at once, because the person who
gave it is told it was stored.

Askers are pseudonymous: a client (IP address, user agent, Telegram user id) is kept only as an
HMAC under a secret key, never in clear. Rows older than the retention period are purged.
"""
from __future__ import annotations

import logging
import os
import queue
import secrets
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import (Boolean, Column, DateTime, Float, MetaData, String, Table, Text,
                        case, create_engine, delete, event, func, insert, select, text)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

# What needs no SQLAlchemy lives in store_common; named here too, where callers found it.
from .store_common import (KNOWN_CHANNELS, REASONS, VOTES, StoreError,  # noqa: F401
                           UnknownQuestion, counted_channel, pseudonym, question_row, safe_url,
                           utcnow)

log = logging.getLogger("privacybot.store")

QUEUE_SIZE = 10_000
BATCH = 500
RETRY_DELAYS = (0.2, 1.0, 3.0)  # seconds between attempts at one batch
PURGE_EVERY = 6 * 3600.0

metadata = MetaData()

questions = Table(
    "questions", metadata,
    Column("id", String(32), primary_key=True),
    Column("asked_at", DateTime, nullable=False, index=True),  # UTC
    Column("channel", String(32), nullable=False),
    Column("question", Text, nullable=False),
    Column("lang", String(8)),
    Column("answered", Boolean, nullable=False),
    Column("policy_id", String(200)),
    Column("section_id", String(200)),
    Column("heading", Text),
    Column("score", Float),
    Column("latency_ms", Float),
    Column("client", String(32)),  # HMAC of the client, never the client itself
)

feedback = Table(
    "feedback", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime, nullable=False, index=True),  # UTC
    Column("question_id", String(64), index=True),
    Column("channel", String(32), nullable=False),
    Column("vote", String(8), nullable=False),
    Column("reason", String(32)),
    Column("comment", Text),
    Column("question", Text),
    Column("policy_id", String(200)),
    Column("section_id", String(200)),
    Column("url", Text),
    Column("quote", Text),
    Column("client", String(32)),
)


def make_engine(url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL mode and a busy timeout for concurrent writers."""
    u = make_url(url)
    if u.get_backend_name() == "postgresql" and u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")  # psycopg 3, not the legacy psycopg2
    if u.get_backend_name() != "sqlite":
        return create_engine(u, pool_pre_ping=True, pool_size=5, max_overflow=10)
    if u.database and u.database != ":memory:":
        try:
            Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # reported when the first write fails, not fatal here
            log.warning("cannot create the folder of %s: %s", safe_url(url), e)
    # A file's pool has no overflow: it never closes a connection on its own (see
    # Store.reconnect for why a connection to a deleted file must stay open); 20 is above the
    # writers that run at once. An in-memory database keeps SQLAlchemy's one connection.
    pool = ({"pool_size": 20, "max_overflow": 0, "pool_timeout": 30}
            if u.database and u.database != ":memory:" else {})
    engine = create_engine(u, connect_args={"check_same_thread": False, "timeout": 10}, **pool)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(conn, _record):
        cur = conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    return engine


MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 7_212_023  # PostgreSQL advisory lock id: replicas starting together migrate in turn


# The newest migration's revision (tests/test_store.py checks it against Alembic's head). A
# database already there is not migrated, and Alembic (10 MB of memory) is never imported.
SCHEMA_HEAD = "0002"


def schema_is_current(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == SCHEMA_HEAD
    except SQLAlchemyError:  # no such table yet: a new database
        return False


def migrate(engine: Engine) -> None:
    """Run the Alembic migrations up to the newest (bot/migrations/versions/)."""
    if schema_is_current(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class Store:
    def __init__(self, url: str = "sqlite:///privacybot.sqlite3", *, hash_secret: str = "",
                 retention_days: int = 90, writer: bool = True,
                 retry_delays: tuple[float, ...] = RETRY_DELAYS):
        self.url = url
        self.retry_delays = retry_delays
        self.retention = timedelta(days=retention_days)
        self._key = (hash_secret or secrets.token_hex(32)).encode()
        self.engine = make_engine(url)
        u = make_url(url)
        self._sqlite_path = (Path(u.database).expanduser() if u.get_backend_name() == "sqlite"
                             and u.database and u.database != ":memory:" else None)
        self._file_id: tuple[int, int] | None = None  # the SQLite file the pool is connected to
        self._heal_lock = threading.Lock()
        self._schema_lock = threading.Lock()
        self._set_aside: list = []  # pools of connections to deleted SQLite files (see reconnect)
        self.healthy = True  # the last write or check succeeded
        self._outage = False  # a write failed since the last one that succeeded
        self.reconnects = 0  # times every connection was dropped to start afresh
        self.dropped = 0  # question rows given up on (queue full or database failing)
        self.written = 0
        self.counts: dict[tuple[str, bool], int] = {}  # questions seen, by (channel, answered)
        self._schema_ready = False
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._closed = False
        self._pending: dict[str, dict] = {}  # question rows queued, not yet written, by id
        self._last_purge = 0.0
        self.ensure_schema()
        self._thread = None
        if writer:
            self._thread = threading.Thread(target=self._write_loop, name="privacybot-log",
                                             daemon=True)
            self._thread.start()

    # -- schema ------------------------------------------------------------------------------
    def ensure_schema(self) -> bool:
        """Bring the schema up to date (Alembic migrations); False (logged) when the database
        is unreachable."""
        self._heal()
        if self._schema_ready:
            return True
        with self._schema_lock:  # Alembic's context is module-global: one migration at a time
            if self._schema_ready:
                return True
            try:
                if self._sqlite_path is not None:  # a deleted folder is made again
                    self._sqlite_path.parent.mkdir(parents=True, exist_ok=True)
                migrate(self.engine)
            except (SQLAlchemyError, OSError) as e:
                log.warning("log database %s unavailable: %s", safe_url(self.url),
                            e.__class__.__name__)
                return False
            self._file_id = self._file_identity()
            self._schema_ready = True
            return True

    # -- healing -----------------------------------------------------------------------------
    # A pooled SQLite connection opened while the file was read-only stays read-only for good,
    # and one opened before the file was deleted keeps writing into the deleted file. So: a
    # connection that fails a write is dropped, not reused (and the schema is checked again),
    # and before each use the file is checked to be the one connected to; if not, every
    # pooled connection is dropped and the schema made again.
    def _file_identity(self) -> tuple[int, int] | None:
        if self._sqlite_path is None:
            return None
        try:
            st = os.stat(self._sqlite_path)
        except OSError:
            return None
        return (st.st_dev, st.st_ino)

    def _heal(self) -> None:
        # Checked whether or not the schema is thought ready: a migration run over the old
        # pool would find its tables in the deleted file and take the new file for it.
        if self._sqlite_path is None or self._file_id is None:
            return
        if self._file_identity() == self._file_id:
            return
        with self._heal_lock:
            now = self._file_identity()
            if now == self._file_id:
                return
            self.reconnect("file deleted" if now is None else "file replaced")
            self._file_id = now

    def reconnect(self, why: str) -> None:
        """Drop every pooled connection; the schema is checked again before the next write.

        The connections to a deleted SQLite file are set aside, never closed: SQLite closing
        the last connection to a WAL database deletes `<path>-wal` and `<path>-shm` by name,
        which are now the new file's, with the rows written there since."""
        log.warning("log database %s: %s; reconnecting", safe_url(self.url), why)
        with self._lock:
            self.reconnects += 1
        self._schema_ready = False
        if self._sqlite_path is not None:
            self._set_aside.append(self.engine.pool)  # a few descriptors per deletion
            self.engine.dispose(close=False)
        else:
            self.engine.dispose()

    def _failed(self, e: Exception) -> None:
        self.healthy = False
        self._outage = True
        self._schema_ready = False  # a truncated file has lost its tables: check on next use

    def _written(self) -> None:
        """A write succeeded. The first after failures ends an outage: the pooled connections
        opened during it (read-only ones, if the file was) are replaced all at once, rather
        than dropped one failed write at a time over the next bursts."""
        self.healthy = True
        if self._outage:
            self._outage = False
            self.engine.dispose()  # checked-out connections are closed as they come back

    @contextmanager
    def _transaction(self):
        """A connection in a transaction; dropped from the pool if anything in it fails."""
        with self.engine.connect() as conn:
            try:
                with conn.begin():
                    yield conn
            except SQLAlchemyError:
                if self._sqlite_path is not None and self._file_identity() != self._file_id:
                    self._heal()  # the file went: its connections are set aside, not closed
                else:
                    conn.invalidate()  # e.g. opened while the file was read-only: not reused
                    with self._lock:
                        self.reconnects += 1
                raise

    def _written_where_checked(self, file_id) -> None:
        """After a write: the file is still the one checked before it (else the row went into
        a deleted file, and is lost)."""
        if self._sqlite_path is not None and self._file_identity() != file_id:
            raise StoreError("the log database file changed during the write")

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
            return True
        except SQLAlchemyError:
            return False

    def check(self) -> bool:
        """Whether the log can take writes now (schema in place, file the one connected to,
        database answering); heals what it can on the way. For /readyz."""
        ok = self.ensure_schema() and self.ping()
        if ok and self._sqlite_path is not None and not self.healthy:
            ok = os.access(self._sqlite_path, os.W_OK)
        self.healthy = bool(ok)
        return self.healthy

    # -- pseudonyms --------------------------------------------------------------------------
    def pseudonym(self, client: str | None) -> str | None:
        return pseudonym(self._key, client)

    # -- questions (queued) ------------------------------------------------------------------
    def log_question(self, *, question: str, reply: dict, channel: str, latency_ms: float,
                     client: str | None = None) -> str:
        """Queue one asked question with its reply; returns its id at once."""
        return self.log_row(question_row(question=question, reply=reply, channel=channel,
                                         latency_ms=latency_ms, client=self.pseudonym(client)))

    def log_row(self, row: dict) -> str:
        """Queue a question row (store_common.question_row); returns its id."""
        qid = row["id"]
        with self._lock:
            key = (counted_channel(row["channel"]), row["answered"])
            self.counts[key] = self.counts.get(key, 0) + 1
        if self._closed or self._thread is None:
            self._write_batch([row])
            return qid
        with self._lock:
            self._pending[qid] = row
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                self._pending.pop(qid, None)
            log.warning("question log queue full: row dropped")
        return qid

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            batch, markers = [], []
            while True:
                if item is None:  # close()
                    self._finish(batch, markers)
                    return
                if isinstance(item, threading.Event):
                    markers.append(item)
                else:
                    batch.append(item)
                if len(batch) >= BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._finish(batch, markers)
            if time.monotonic() - self._last_purge > PURGE_EVERY:
                self._last_purge = time.monotonic()
                try:
                    self.purge()
                except SQLAlchemyError as e:
                    log.warning("purge failed: %s", e.__class__.__name__)

    def _finish(self, batch: list[dict], markers: list[threading.Event]) -> None:
        if batch:
            self._write_batch(batch)
            with self._lock:
                for row in batch:
                    self._pending.pop(row["id"], None)
        for m in markers:
            m.set()

    def _write_batch(self, batch: list[dict]) -> None:
        for attempt, delay in enumerate((0.0, *self.retry_delays)):
            if delay and not self._closed:
                time.sleep(delay)
            try:
                if not self.ensure_schema():
                    raise StoreError("database unavailable")
                file_id = self._file_id
                with self._transaction() as conn:
                    conn.execute(insert(questions), batch)
                self._written_where_checked(file_id)
                with self._lock:
                    self.written += len(batch)
                self._written()
                return
            except (SQLAlchemyError, StoreError) as e:
                log.warning("question log write failed (attempt %d): %s", attempt + 1,
                            e.__class__.__name__)
                self._failed(e)
        with self._lock:
            self.dropped += len(batch)
        log.error("question log: %d rows dropped after retries", len(batch))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every question queued so far is written (or dropped)."""
        if self._thread is None or self._closed:
            return True
        marker = threading.Event()
        self._queue.put(marker)
        return marker.wait(timeout)

    def close(self) -> None:
        if self._closed:
            return
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=15)
        self._closed = True
        self.engine.dispose()

    # -- feedback (synchronous) --------------------------------------------------------------
    def question(self, qid: str, wait: float = 0.3) -> dict[str, Any] | None:
        """The logged question `qid` (queued or written), or None; a miss is looked up once
        more after `wait` seconds, as another replica may not have written it yet."""
        for attempt in range(2):
            with self._lock:
                row = self._pending.get(qid)
            if row is not None:
                return dict(row)
            if not self.ensure_schema():
                raise StoreError("log database unavailable")
            try:
                with self._transaction() as conn:
                    found = conn.execute(select(questions).where(questions.c.id == qid)).mappings().first()
            except SQLAlchemyError as e:
                self._failed(e)
                raise StoreError("log database unavailable") from e
            if found is not None:
                return dict(found)
            if attempt == 0 and wait:
                time.sleep(wait)
        return None

    def add_answer_feedback(self, *, question_id: str, vote: str, reason: str | None = None,
                            comment: str | None = None, channel: str = "widget",
                            client: str | None = None,
                            shown: Callable[[str, str], tuple[str | None, str | None]] | None = None) -> str:
        """👍/👎 on a question this server answered. The question and the clause come from the
        log, the clause's link and quote from `shown(policy_id, section_id)` (built by the
        server), never from the client; a second vote on a question replaces the first.
        Raises UnknownQuestion for an id the log does not hold, StoreError when it is down."""
        row = self.question(question_id)
        if row is None:
            raise UnknownQuestion(question_id)
        pid, sid = row.get("policy_id"), row.get("section_id")
        url, quote = shown(pid, sid) if shown and pid and sid else (None, None)
        return self.add_feedback(question_id=question_id, vote=vote, reason=reason,
                                 comment=comment, question=row["question"], policy_id=pid,
                                 section_id=sid, url=url, quote=quote, channel=channel,
                                 client=client, replace=True)

    def add_feedback(self, *, question_id: str | None, vote: str, reason: str | None = None,
                     comment: str | None = None, question: str | None = None,
                     policy_id: str | None = None, section_id: str | None = None,
                     url: str | None = None, quote: str | None = None, channel: str = "widget",
                     client: str | None = None, replace: bool = False) -> str:
        if vote not in VOTES:
            raise ValueError(f"vote must be one of {', '.join(VOTES)}")
        if reason is not None and reason not in REASONS:
            raise ValueError(f"reason must be one of {', '.join(REASONS)}")
        fid = uuid.uuid4().hex
        row = {"id": fid, "created_at": utcnow(), "question_id": question_id,
               "channel": channel[:32], "vote": vote, "reason": reason, "comment": comment,
               "question": question, "policy_id": policy_id, "section_id": section_id,
               "url": url, "quote": quote, "client": self.pseudonym(client)}
        try:
            if not self.ensure_schema():
                raise StoreError("log database unavailable")
            file_id = self._file_id
            with self._transaction() as conn:
                if replace and question_id is not None:  # one vote per question
                    if conn.dialect.name == "postgresql":  # concurrent votes on it take turns
                        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:q))"),
                                     {"q": question_id})
                    conn.execute(delete(feedback).where(feedback.c.question_id == question_id))
                conn.execute(insert(feedback), [row])
            self._written_where_checked(file_id)  # never a 201 for a row in a deleted file
        except (SQLAlchemyError, StoreError) as e:
            log.error("feedback not stored: %s", e.__class__.__name__)
            self._failed(e)
            raise StoreError("log database unavailable") from e
        self._written()
        return fid

    # -- reading -----------------------------------------------------------------------------
    def question_rows(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(questions).order_by(questions.c.asked_at.desc())
                                .limit(limit)).mappings()
            return [dict(r) for r in rows]

    def feedback_rows(self, limit: int = 1000) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(feedback).order_by(feedback.c.created_at.desc())
                                .limit(limit)).mappings()
            return [dict(r) for r in rows]

    def purge(self, now: datetime | None = None) -> tuple[int, int]:
        """Delete rows older than the retention period; returns (questions, feedback) deleted."""
        cutoff = (now or utcnow()) - self.retention
        if not self.ensure_schema():
            return (0, 0)
        from . import handoff_store  # its tables live here too; imported late (it imports us)

        with self.engine.begin() as conn:
            q = conn.execute(delete(questions).where(questions.c.asked_at < cutoff)).rowcount
            f = conn.execute(delete(feedback).where(feedback.c.created_at < cutoff)).rowcount
            h = handoff_store.purge(conn, cutoff)
        if h:
            log.info("purged %d handoff conversations idle since before %s", h, cutoff.date())
        if q or f:
            log.info("purged %d questions and %d feedback rows older than %s", q, f, cutoff.date())
        return (q, f)

    def report(self, days: int = 30, top: int = 20, now: datetime | None = None) -> dict[str, Any]:
        """What was asked, what went unanswered, which clauses got 👎, per day and channel."""
        since = (now or utcnow()) - timedelta(days=days)
        self.ensure_schema()  # the file the report reads is the one written (healed if replaced)
        q, f = questions.c, feedback.c
        day = func.date(q.asked_at)
        with self.engine.connect() as conn:
            total, answered = conn.execute(
                select(func.count(), func.coalesce(func.sum(case((q.answered, 1), else_=0)), 0))
                .where(q.asked_at >= since)).one()
            votes = dict(conn.execute(select(f.vote, func.count()).where(f.created_at >= since)
                                      .group_by(f.vote)).all())
            text = func.lower(func.trim(q.question))
            unanswered = conn.execute(
                select(func.min(q.question).label("question"), func.count().label("count"),
                       func.max(q.asked_at).label("last_asked"))
                .where(q.asked_at >= since, q.answered.is_(False))
                .group_by(text).order_by(func.count().desc(), func.max(q.asked_at).desc())
                .limit(top)).mappings().all()
            # A clause's 👍/👎 count the clients who gave them (by pseudonym), not the votes:
            # one client voting on many answers of the same clause counts once.
            who = func.coalesce(f.client, f.id)
            down = func.count(func.distinct(case((f.vote == "down", who))))
            clauses = conn.execute(
                select(f.policy_id, f.section_id, down.label("down"),
                       func.count(func.distinct(case((f.vote == "up", who)))).label("up"),
                       func.max(f.url).label("url"), func.max(f.quote).label("quote"))
                .where(f.created_at >= since, f.policy_id.is_not(None))
                .group_by(f.policy_id, f.section_id).having(down > 0)
                .order_by(down.desc(), f.policy_id, f.section_id).limit(top)).mappings().all()
            reasons = conn.execute(
                select(f.policy_id, f.section_id, f.reason, func.count(func.distinct(who)))
                .where(f.created_at >= since, f.vote == "down")
                .group_by(f.policy_id, f.section_id, f.reason)).all()
            per_day = conn.execute(
                select(day.label("day"), q.channel, func.count().label("questions"),
                       func.sum(case((q.answered, 1), else_=0)).label("answered"))
                .where(q.asked_at >= since).group_by(day, q.channel)
                .order_by(day, q.channel)).mappings().all()
            from . import handoff_store

            handoff_report = handoff_store.report(conn, since, top)
        by_clause: dict[tuple, dict[str, int]] = {}
        for pid, sid, reason, n in reasons:
            by_clause.setdefault((pid, sid), {})[reason or "none"] = n
        return {
            "since": since.isoformat(timespec="seconds") + "Z",
            "days": days,
            "totals": {"questions": total, "answered": int(answered),
                       "unanswered": total - int(answered),
                       "answered_ratio": round(answered / total, 3) if total else None,
                       "feedback_up": votes.get("up", 0), "feedback_down": votes.get("down", 0)},
            "unanswered": [{"question": r["question"], "count": r["count"],
                            "last_asked": r["last_asked"].isoformat(timespec="seconds") + "Z"}
                           for r in unanswered],
            "downvoted": [{"policy_id": r["policy_id"], "section_id": r["section_id"],
                           "down": int(r["down"]), "up": int(r["up"] or 0), "url": r["url"],
                           "quote": (r["quote"] or "")[:120],
                           "reasons": by_clause.get((r["policy_id"], r["section_id"]), {})}
                          for r in clauses],
            "per_day": [{"day": str(r["day"]), "channel": r["channel"],
                         "questions": r["questions"], "answered": int(r["answered"] or 0)}
                        for r in per_day],
            "dropped": self.dropped,
            "handoffs": handoff_report,
        }
