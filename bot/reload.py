"""Hot reload: build a new index in the background and swap it in, atomically.

Requests take `app.state.index` once when they start, so those in flight finish on the old
index while new ones get the new; nothing waits and nothing fails. A corpus that fails to build
leaves the old index serving and the error in `status()`. With `watch`, a changed corpus
folder (files added, removed, resized or touched) triggers the same reload.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from index import CorpusError
from index.corpus import policy_files

from .settings import Settings

log = logging.getLogger("privacybot.reload")


def folder_signature(folder: Path) -> tuple:
    """Cheap summary of a corpus folder: names, sizes and modification times of its files."""
    try:
        return tuple((p.name, st.st_size, st.st_mtime_ns)
                     for p in policy_files(folder) for st in [p.stat()])
    except OSError:
        return ("<unreadable>",)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Reloader:
    def __init__(self, app, settings: Settings):
        self.app, self.settings = app, settings
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False
        self._stop = threading.Event()
        self.state: dict[str, Any] = {"running": False, "reloads": 0, "last_ok": None,
                                      "last_error": None, "last_error_at": None,
                                      "last_seconds": None}

    def status(self) -> dict[str, Any]:
        index = self.app.state.index
        return {**self.state, "policies": len(index.policies) if index else 0,
                "clauses": len(index.entries) if index else 0}

    def trigger(self) -> bool:
        """Start a rebuild; True if one started now, False if one was running (it will run
        once more when done, so the latest corpus is always built)."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return False
            self.state["running"] = True
            self._thread = threading.Thread(target=self._run, name="privacybot-reindex",
                                            daemon=True)
            self._thread.start()
            return True

    def wait(self, timeout: float | None = None) -> None:
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _run(self) -> None:
        while True:
            t0 = time.perf_counter()
            try:
                index = self.settings.load_index()
            except (CorpusError, OSError, ValueError) as e:
                self._failed(f"{e.__class__.__name__}: {e}")
            except Exception as e:  # noqa: BLE001 - a bad corpus must never stop the server
                log.exception("reindex failed")
                self._failed(f"{e.__class__.__name__}: {e}")
            else:
                self.app.state.index = index  # one reference swap: atomic for readers
                self.state.update(reloads=self.state["reloads"] + 1, last_ok=_now(),
                                  last_seconds=round(time.perf_counter() - t0, 3))
                log.info("reindexed: %d policies, %d clauses in %.2f s", len(index.policies),
                         len(index.entries), time.perf_counter() - t0)
            with self._lock:
                if not self._again:
                    self.state["running"] = False
                    return
                self._again = False

    def _failed(self, message: str) -> None:
        log.error("reindex failed, the previous index keeps serving: %s", message)
        self.state.update(last_error=message, last_error_at=_now())

    # -- watching the corpus folder ------------------------------------------------------------
    def watch(self, interval: float = 2.0) -> None:
        """Poll the corpus folder; reload when it changed (after it stayed still one interval,
        so a file being copied is not read half-written)."""
        def loop() -> None:
            seen = folder_signature(self.settings.corpus)
            while not self._stop.wait(interval):
                now = folder_signature(self.settings.corpus)
                if now != seen:
                    if self._stop.wait(interval):
                        return
                    if folder_signature(self.settings.corpus) != now:
                        continue  # still changing: look again next round
                    seen = now
                    log.info("corpus folder %s changed: reindexing", self.settings.corpus)
                    self.trigger()

        threading.Thread(target=loop, name="privacybot-watch", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
