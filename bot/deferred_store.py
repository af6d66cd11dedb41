"""The question log opened after the server is up.

Opening the log (importing SQLAlchemy, making the engine, checking the schema) took 0.2–0.25 s
of a start, before the first /healthz. `serve` now holds a DeferredStore: the server starts
without it, and the app's lifespan opens the real Store (bot/store.py) in a thread. Questions
asked meanwhile are kept and handed to it, in order, when it opens: none is lost. What must
read the log (feedback's question lookup, handoffs, /admin, /readyz) waits for it, up to
OPEN_WAIT seconds, then gets StoreError: a 503 with Retry-After, as when the database is down.
The Store's own migrations run before its first write, as before.

Only a URL that store_common.opens_later vouches for is opened this way; any other is opened
at start, where a URL that can never work stops `serve` with SQLAlchemy's message.
"""
from __future__ import annotations

import logging
import secrets
import threading

from .store_common import (StoreError, counted_channel, pseudonym, question_row, safe_url)

log = logging.getLogger("privacybot.store")

OPEN_WAIT = 10.0  # seconds a reader waits for the log to open (it takes ~0.3 s)
EARLY_ROWS = 10_000  # questions kept before it opens (the Store's own queue is this size)


class DeferredStore:
    """The Store's interface, over a Store opened in the background (`open_in_background`)."""

    def __init__(self, url: str, *, hash_secret: str = "", retention_days: int = 90,
                 open_wait: float = OPEN_WAIT):
        self.url = url
        self.open_wait = open_wait
        # The Store gets this very key, so rows kept before it opens and after share pseudonyms.
        self._secret = hash_secret or secrets.token_hex(32)
        self._key = self._secret.encode()
        self._retention_days = retention_days
        self._store = None
        self._lock = threading.Lock()
        self._done = threading.Event()  # the open finished, well or not
        self._thread: threading.Thread | None = None
        self._early: list[dict] = []  # question rows asked before it opened, in order
        self._counts: dict[tuple[str, bool], int] = {}
        self._dropped = 0

    # -- opening ---------------------------------------------------------------------------------
    def open_in_background(self) -> None:
        with self._lock:
            if self._thread is None and not self._done.is_set():
                self._thread = threading.Thread(target=self._open, name="privacybot-log-open",
                                                daemon=True)
                self._thread.start()

    def _open(self) -> None:
        try:
            from .store import Store

            store = Store(self.url, hash_secret=self._secret,
                          retention_days=self._retention_days)
        except Exception as e:  # the URL was checked at start: not expected, never fatal
            log.error("cannot open the log database %s: %s", safe_url(self.url), e)
            with self._lock:
                self._dropped += len(self._early)
                self._early.clear()
            self._done.set()
            return
        with self._lock:
            for row in self._early:  # queued before any later question, in the order asked
                store.log_row(row)
            self._early.clear()
            self._store = store
        self._done.set()

    def opened(self, timeout: float | None = None):
        """The Store, once open; StoreError when it is not open within `timeout` seconds
        (default `open_wait`)."""
        if self._store is None:
            self._done.wait(self.open_wait if timeout is None else timeout)
        if self._store is None:
            raise StoreError("the log database is not open yet")
        return self._store

    # -- writing (never waits) -------------------------------------------------------------------
    def pseudonym(self, client: str | None) -> str | None:
        return pseudonym(self._key, client)

    def log_question(self, *, question: str, reply: dict, channel: str, latency_ms: float,
                     client: str | None = None) -> str:
        """Queue one asked question; kept here until the Store opens. Returns its id at once."""
        with self._lock:
            store = self._store
            if store is None:
                row = question_row(question=question, reply=reply, channel=channel,
                                   latency_ms=latency_ms, client=self.pseudonym(client))
                key = (counted_channel(row["channel"]), row["answered"])
                self._counts[key] = self._counts.get(key, 0) + 1
                if self._done.is_set() or len(self._early) >= EARLY_ROWS:
                    self._dropped += 1  # the open failed, or far too many before it
                    log.warning("question log not open: row dropped")
                else:
                    self._early.append(row)
                return row["id"]
        return store.log_question(question=question, reply=reply, channel=channel,
                                  latency_ms=latency_ms, client=client)

    # -- what the metrics read (never waits) -----------------------------------------------------
    @property
    def counts(self) -> dict[tuple[str, bool], int]:
        return self._store.counts if self._store is not None else dict(self._counts)

    @property
    def written(self) -> int:
        return self._store.written if self._store is not None else 0

    @property
    def dropped(self) -> int:
        return self._dropped + (self._store.dropped if self._store is not None else 0)

    @property
    def healthy(self) -> bool:
        # Before it opens nothing has failed; an open that failed is not healthy.
        return self._store.healthy if self._store is not None else not self._done.is_set()

    @property
    def reconnects(self) -> int:
        return self._store.reconnects if self._store is not None else 0

    # -- reading (waits for the open) ------------------------------------------------------------
    def check(self) -> bool:
        """For /readyz: whether the log takes writes (False while it cannot be opened)."""
        try:
            return self.opened().check()
        except StoreError:
            return False

    # The wait is in the call, not in looking the method up: `asyncio.to_thread(store.question,
    # …)` must not wait on the event loop.
    def question(self, *args, **kw):
        return self.opened().question(*args, **kw)

    def add_answer_feedback(self, **kw) -> str:
        return self.opened().add_answer_feedback(**kw)

    def add_feedback(self, **kw) -> str:
        return self.opened().add_feedback(**kw)

    def report(self, *args, **kw) -> dict:
        return self.opened().report(*args, **kw)

    def flush(self, timeout: float = 10.0) -> bool:
        return self.opened(timeout).flush(timeout)

    def __getattr__(self, name: str):
        # engine, question_rows, purge, …: the Store's own once it is open (waits for it; from
        # async code, look them up in a worker thread). Only called for names not defined here.
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.opened(), name)

    def close(self) -> None:
        """Finish the open (opening now if the server never started it, so no kept question
        is lost), then close the Store: its queued rows are written."""
        with self._lock:
            thread, never = self._thread, self._thread is None and not self._done.is_set()
        if never and self._early:
            self._open()
        if thread is not None:
            thread.join(timeout=60)
        if self._store is not None:
            self._store.close()
            return
        self._done.set()  # later questions are not kept for a Store that will not come
        with self._lock:
            lost, self._early = len(self._early), []
            self._dropped += lost
        if lost:
            log.error("question log never opened: %d questions not written", lost)
