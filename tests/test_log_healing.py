"""The log database heals by itself: a SQLite file made read-only then writable again, or
deleted while the server runs, over real HTTP with concurrent clients. A 201 always means the
row is in the database."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from contextlib import contextmanager

import httpx
import pytest

from bot.api import create_app
from bot.settings import Settings
from bot.store import Store
from conftest import serve_app

BURST = 16


@pytest.fixture
def site(policy_index, tmp_path, hermetic_env):
    path = tmp_path / "log.sqlite3"
    store = Store(f"sqlite:///{path}", hash_secret="k", retry_delays=(0.05,))
    with serve_app(create_app(Settings(rate_limit="off"), policy_index, store)) as url, \
            httpx.Client(base_url=url, trust_env=False, timeout=60,
                         limits=httpx.Limits(max_connections=BURST)) as c:
        yield c, store, path
    store.close()


def asked(c, n: int) -> list[str]:
    return [c.post("/api/v1/ask", json={"question": f"怎么注销账号？{i}"}).json()["id"]
            for i in range(n)]


def burst(c, qids: list[str]) -> dict[str, int]:
    """One feedback per question id, all at once; {feedback id or question id: status}."""
    out: dict[str, int] = {}
    gate = threading.Barrier(len(qids))

    def post(qid):
        gate.wait()
        r = c.post("/api/v1/feedback", json={"question_id": qid, "vote": "down"})
        out[r.json()["id"] if r.status_code == 201 else qid] = r.status_code

    threads = [threading.Thread(target=post, args=(q,)) for q in qids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def stored(store) -> set[str]:
    return {r["id"] for r in store.feedback_rows(limit=100_000)}


@contextmanager
def read_only(path):
    """The file made read-only: chmod for a normal user; root ignores modes, so chattr +i."""
    if os.geteuid() != 0:
        os.chmod(path, 0o444)
        try:
            yield
        finally:
            os.chmod(path, 0o644)
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_feedback_recovers_after_the_file_was_read_only(site):
    c, store, path = site
    qids = asked(c, 6 * BURST)
    assert set(burst(c, qids[:BURST]).values()) == {201}
    store.engine.dispose()  # as after a quiet spell: new connections open during the outage
    answered = {}
    with read_only(path):
        answered |= burst(c, qids[BURST:2 * BURST])
        time.sleep(1)
        assert c.get("/readyz").json()["log"] == "unavailable"
    assert 503 in answered.values()
    # healed within the bursts, not after a long wait (the report: 503s for more than 30 s);
    # the bound is loose so that a loaded machine does not fail the test
    deadline = time.monotonic() + 25
    for i in range(2, 6):
        codes = burst(c, qids[i * BURST:(i + 1) * BURST])
        answered |= codes
        if i >= 3:  # two bursts after the file is writable again, everything is stored
            assert set(codes.values()) == {201}, codes
    assert time.monotonic() < deadline
    created = {k for k, v in answered.items() if v == 201}
    assert created <= stored(store)  # never a 201 for a row that was not stored
    assert c.get("/readyz").json()["log"] == "ok"
    assert "privacybot_log_database_up 1.0" in c.get("/metrics").text


def test_feedback_recovers_after_the_file_was_deleted(site):
    c, store, path = site
    assert set(burst(c, asked(c, BURST)).values()) == {201}
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    answered: dict[str, int] = {}
    for i in range(4):  # questions asked after the deletion, then votes on them
        codes = burst(c, asked(c, BURST))
        answered |= codes
        if i >= 1:  # healed during the first burst, not at a restart
            assert set(codes.values()) == {201}, codes
    created = {k for k, v in answered.items() if v == 201}
    assert path.exists()
    assert created <= stored(store), "201 answered for rows that were lost"
    # questions asked after the deletion are logged into the new file too
    qid = c.post("/api/v1/ask", json={"question": "会收集我的位置信息吗？"}).json()["id"]
    store.flush()
    assert qid in {r["id"] for r in store.question_rows()}
    assert c.get("/readyz").json() == {"status": "ready", "log": "ok"}
    metrics = c.get("/metrics").text
    reconnects = [ln for ln in metrics.splitlines() if ln.startswith("privacybot_log_reconnects_total")]
    assert reconnects and float(reconnects[0].split()[-1]) >= 1


def test_readyz_heals_a_deleted_file_without_any_write(site):
    c, store, path = site
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    assert c.get("/readyz").json()["log"] == "ok"
    with store.engine.connect() as conn:  # the tables are back in the new file
        assert conn.exec_driver_sql("SELECT count(*) FROM feedback").scalar() == 0


def test_a_file_replaced_by_garbage_is_a_503_then_heals_when_it_goes(site):
    c, store, path = site
    assert set(burst(c, asked(c, 4)).values()) == {201}
    for p in path.parent.glob(path.name + "*"):
        p.unlink()
    path.write_bytes(b"this is not a database" * 100)
    codes = burst(c, asked(c, 4))
    assert set(codes.values()) <= {503, 404} and 503 in codes.values()
    assert c.get("/readyz").json() == {"status": "ready", "log": "unavailable"}
    assert c.post("/api/v1/ask", json={"question": "怎么注销账号？"}).status_code == 200
    path.unlink()
    assert c.get("/readyz").json()["log"] == "ok"
    assert set(burst(c, asked(c, 4)).values()) == {201}
