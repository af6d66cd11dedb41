"""Bounded load on loopback against a real `privacybot serve`: zero errors, p99 and memory.

PRIVACYBOT_LOAD_SECONDS (default 5) and PRIVACYBOT_LOAD_CLIENTS (default 64) size the run; the
figures are printed and written to artifacts/load.json.
"""
from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, get_free_port
from test_cli import EXE, env, wait_ready

QUESTIONS = ["怎么注销账号？", "How do I delete my account?", "会收集我的位置信息吗？",
             "vymeet為什麼要讀取通訊錄", "Does vymeet sell my data?", "明天会下雨吗",
             "数据泄露了你们会怎么通知", "Where does McMeet store user data?"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.fixture
def served(tmp_path):
    port = get_free_port()
    url = f"http://127.0.0.1:{port}"
    err = open(tmp_path / "stderr.txt", "w+", encoding="utf-8")
    proc = subprocess.Popen([EXE, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=err, cwd=ROOT,
                            env=env(PRIVACYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
                                    PRIVACYBOT_LOG_LEVEL="warning"))
    wait_ready(proc, url, "/readyz")
    yield proc, url, tmp_path / "log.sqlite3"
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    err.close()


async def hammer(url: str, clients: int, seconds: float, stop_after=None, latencies=None):
    """Closed-loop clients; returns (latencies, errors). `latencies` may be given, to be
    watched while they run."""
    latencies = [] if latencies is None else latencies
    errors: list[str] = []
    end = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, trust_env=False, timeout=30, limits=limits) as c:
        async def one(n: int) -> None:
            i = n
            while time.monotonic() < end:
                t0 = time.perf_counter()
                try:
                    r = await c.post("/api/v1/ask", json={"question": QUESTIONS[i % len(QUESTIONS)]})
                except httpx.HTTPError as e:
                    errors.append(repr(e))
                    if stop_after is not None:
                        return
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"HTTP {r.status_code}")
                i += 1
        await asyncio.gather(*(one(n) for n in range(clients)))
    return latencies, errors


def test_bounded_load_has_no_errors_and_stable_memory(served):
    proc, url, _ = served
    seconds = float(os.environ.get("PRIVACYBOT_LOAD_SECONDS", "5"))
    clients = int(os.environ.get("PRIVACYBOT_LOAD_CLIENTS", "64"))
    asyncio.run(hammer(url, 4, 1.0))  # warm-up
    start_rss = rss_mb(proc.pid)
    latencies, errors = asyncio.run(hammer(url, clients, seconds))
    end_rss = rss_mb(proc.pid)
    latencies.sort()
    figures = {"clients": clients, "seconds": seconds, "requests": len(latencies),
               "errors": len(errors), "rps": round(len(latencies) / seconds, 1),
               "p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
               "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1),
               "rss_start_mb": round(start_rss, 1), "rss_end_mb": round(end_rss, 1)}
    print("load:", json.dumps(figures))
    (ROOT / "artifacts").mkdir(exist_ok=True)
    (ROOT / "artifacts" / "load.json").write_text(json.dumps(figures, indent=2))
    assert errors == [], errors[:5]
    assert len(latencies) > 100
    assert end_rss < start_rss * 1.25 + 30, figures  # no growth with the number of requests


def test_sigterm_finishes_requests_in_flight_and_loses_no_log_row(served):
    proc, url, db = served

    async def run():
        answered: list[float] = []
        task = asyncio.create_task(hammer(url, 16, 30.0, stop_after=True, latencies=answered))
        # the signal comes once the server is busy answering (after a fixed second, a loaded
        # machine had sometimes answered fewer than 20)
        while len(answered) < 30 and not task.done():
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        return await task

    latencies, errors = asyncio.run(run())
    # uvicorn shuts down gracefully, then re-raises the signal: the exit is "terminated by
    # SIGTERM" (or 0 on older uvicorn), never an error exit.
    assert proc.wait(timeout=30) in (0, -signal.SIGTERM)
    assert len(latencies) > 20
    # Every answered question was logged before the process ended (the queue is flushed).
    con = sqlite3.connect(db)
    logged = con.execute("SELECT count(*) FROM questions").fetchone()[0]
    con.close()
    answered = len(latencies) - len([e for e in errors if e.startswith("HTTP")])
    assert logged >= answered - 0 and logged >= 20, (logged, answered)
    # Every request the server accepted was answered with a 200, never a 5xx. After the
    # signal, new connections are refused and idle keep-alive ones closed (a request sent on
    # one at that instant sees the close: ReadError / RemoteProtocolError, as with any
    # HTTP/1.1 server going away).
    assert not [e for e in errors if e.startswith("HTTP")], errors[:5]
    assert all(e.split("(")[0] in ("ConnectError", "ReadError", "RemoteProtocolError")
               for e in errors), errors[:5]
