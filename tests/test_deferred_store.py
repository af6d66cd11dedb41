"""The question log opened after the server is up (bot/deferred_store.py): no question asked
before it opens is lost, what reads the log waits for it and gets 503 when it does not come,
and a database URL that can never work still stops `serve` at start."""
from __future__ import annotations

import json
import signal
import socket
import subprocess
import threading
import time

import httpx
import pytest

from bot.api import create_app
from bot.deferred_store import DeferredStore
from bot.settings import Settings
from bot.store import Store
from bot.store_common import opens_later, safe_url
from conftest import serve_app
from test_cli import EXE, env, wait_ready

REPLY = {"answered": True, "lang": "zh", "answers": [
    {"policy_id": "mcmeet", "section_id": "5-6", "heading": "5.6 注销帐号", "score": 12.5}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def log_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_questions_asked_before_the_log_opens_are_written_and_take_feedback(log_url):
    store = DeferredStore(log_url, hash_secret="k")
    early = [store.log_question(question=f"怎么注销账号 {i}", reply=REPLY, channel="widget",
                                latency_ms=1.5, client="10.0.0.1|ua") for i in range(3)]
    assert store.counts == {("widget", True): 3} and store.written == 0  # kept, not yet written
    store.open_in_background()
    late = store.log_question(question="later", reply=REPLY, channel="api", latency_ms=1.0,
                              client="10.0.0.1|ua")
    fid = store.add_answer_feedback(question_id=early[0], vote="down", reason="wrong_clause",
                                    channel="widget", client="10.0.0.1|ua")
    assert store.flush()
    assert store.counts == {("widget", True): 3, ("api", True): 1}
    store.close()

    check = Store(log_url, hash_secret="k", writer=False)
    try:
        rows = [check.question(qid, wait=0) for qid in (*early, late)]
        assert all(rows)  # every one written, none lost
        assert [r["question"] for r in rows] == ["怎么注销账号 0", "怎么注销账号 1",
                                                 "怎么注销账号 2", "later"]
        # one key before and after the open: the same client, the same pseudonym
        assert {r["client"] for r in rows} == {check.pseudonym("10.0.0.1|ua")}
        vote = next(f for f in check.feedback_rows() if f["id"] == fid)
        assert (vote["question_id"], vote["section_id"], vote["vote"]) == (early[0], "5-6", "down")
    finally:
        check.close()


def test_a_store_closed_before_the_server_opened_it_still_writes_its_questions(tmp_path):
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    store = DeferredStore(url)
    qid = store.log_question(question="q", reply=REPLY, channel="api", latency_ms=1, client=None)
    store.close()  # the server stopped before its lifespan started the open
    check = Store(url, writer=False)
    assert check.question(qid, wait=0) is not None
    check.close()


class SilentServer:
    """A TCP server on loopback that accepts and never answers: a PostgreSQL that hangs."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def test_a_log_that_does_not_open_in_time_gets_503_and_answers_go_on(policy_index,
                                                                      hermetic_env,
                                                                      monkeypatch):
    silent = SilentServer()
    monkeypatch.setenv("PRIVACYBOT_HANDOFF", "on")
    store = DeferredStore(f"postgresql://u@127.0.0.1:{silent.port}/db", open_wait=0.5)
    settings = Settings(admin_token="tok", rate_limit="off")
    app = create_app(settings, policy_index, store)
    try:
        with serve_app(app) as url, httpx.Client(base_url=url, timeout=10) as c:
            ask = c.post("/api/v1/ask", json={"question": "怎么注销账号"})
            assert ask.status_code == 200 and ask.json()["answered"]  # answers never wait
            assert c.get("/readyz").json() == {"status": "ready", "log": "unavailable"}
            fb = c.post("/api/v1/feedback", json={"question_id": ask.json()["id"], "vote": "up"})
            admin = c.get("/admin/report.json", headers={"Authorization": "Bearer tok"})
            handoff = c.post("/api/v1/handoffs", json={"question": "怎么开发票"})
            for r in (fb, admin, handoff):
                assert r.status_code == 503 and r.headers["retry-after"], r.text
            assert c.get("/metrics").status_code == 200
            silent.close()  # the database goes away: the open ends (a store that retries)
    finally:
        silent.close()
        store.close()


def test_readyz_right_at_the_first_healthz_waits_for_the_log(tmp_path, free_port):
    """`privacybot serve` itself: at its first 200 the log may still be opening; /readyz says
    what the log is once open, and a question asked then is logged and takes feedback."""
    db = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    url = f"http://127.0.0.1:{free_port}"
    proc = subprocess.Popen([EXE, "serve", "--port", str(free_port)],
                            env=env(PRIVACYBOT_DATABASE_URL=db, PRIVACYBOT_RATE_LIMIT="off"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=url, trust_env=False, timeout=20) as c:
            deadline = time.monotonic() + 60
            while True:  # no sleep between tries: be there at the first 200
                assert proc.poll() is None and time.monotonic() < deadline
                try:
                    if c.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.005)
            qid = c.post("/api/v1/ask", json={"question": "怎么注销账号"}).json()["id"]
            assert c.get("/readyz").json() == {"status": "ready", "log": "ok"}
            assert c.post("/api/v1/feedback",
                          json={"question_id": qid, "vote": "up"}).status_code == 201
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    report = json.loads(subprocess.run([EXE, "report", "--json", "--database", db],
                                       capture_output=True, text=True, env=env(),
                                       check=True).stdout)
    assert report["totals"]["questions"] == 1 and report["totals"]["feedback_up"] == 1


@pytest.mark.parametrize("url, words", [
    ("garbage", "Could not parse SQLAlchemy URL"),
    ("foo://host/db", "Can't load plugin: sqlalchemy.dialects:foo"),
    ("mysql://u@host/db", "No module named 'MySQLdb'"),
    ("postgresql+psycopg2://u@host/db", "No module named 'psycopg2'"),
    ("postgresql://u@host:port/db", "invalid literal for int()"),
])
def test_a_database_url_that_can_never_work_stops_serve_in_one_line(url, words, free_port):
    p = subprocess.run([EXE, "serve", "--port", str(free_port)], capture_output=True, text=True,
                       timeout=120, env=env(PRIVACYBOT_DATABASE_URL=url))
    assert p.returncode == 1
    last = p.stderr.strip().splitlines()[-1]
    assert last.startswith("privacybot: cannot use the log database ") and words in last
    assert "Traceback" not in p.stderr


@pytest.mark.parametrize("url, later", [
    ("sqlite:///privacybot.sqlite3", True), ("sqlite:////data/log.sqlite3", True),
    ("sqlite://", True), ("sqlite+pysqlite:///x.db", True),
    ("postgresql://u:pw@db:5432/log", True), ("postgresql+psycopg://u@db/log?sslmode=require", True),
    ("sqlite:///x.db?mode=ro", False),  # options: SQLAlchemy reads them at start
    ("postgresql://u@db:port/log", False), ("postgresql+psycopg2://u@db/log", False),
    ("mysql://u@db/log", False), ("garbage", False), ("", False), (" sqlite:///x.db", False),
])
def test_which_urls_open_after_the_start(url, later):
    assert opens_later(url) is later


def test_the_password_is_never_shown():
    assert safe_url("postgresql://u:s3cret@db:5432/log") == "postgresql://u:***@db:5432/log"
    assert safe_url("sqlite:///privacybot.sqlite3") == "sqlite:///privacybot.sqlite3"
    assert safe_url("garbage") == "<invalid database URL>"
