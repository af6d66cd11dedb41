"""What a small deployment keeps out of memory: a server of the shipped corpus, without
Telegram, answering in every language, imports none of the heavy modules it does not need
(numba and LLVM for a compiled kernel a few hundred clauses do not need, python-telegram-bot,
Alembic once the log is at the newest migration, rjieba's default dictionary, scipy). Memory
and start time themselves are measured by bench/run.py (footprint on the shipped corpus)."""
import json
import os
import subprocess
import sys

from conftest import ROOT

PROBE = """
import asyncio, json, sys
from bot.api import create_app
from bot.settings import Settings

app = create_app(Settings())

async def main():
    async with app.router.lifespan_context(app):
        for q in ("怎么注销账号", "How do I delete my account?", "如何註銷帳號", "vymeet會讀取通訊錄嗎"):
            assert app.state.index.ask(q).answered, q

asyncio.run(main())
heavy = ("numba", "llvmlite", "scipy", "telegram", "alembic", "rjieba")
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def test_a_small_deployment_imports_no_heavy_module_it_does_not_need(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "PRIVACYBOT_", "DATABASE_URL", "PUBLIC_BASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
               PRIVACYBOT_CACHE_DIR=str(tmp_path / "cache"), PRIVACYBOT_CORPUS=str(ROOT / "corpus"))
    runs = [json.loads(subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True).stdout.splitlines()[-1])
            for _ in range(2)]
    assert {m.split(".")[0] for m in runs[0]} <= {"alembic"}  # a new log is migrated
    assert runs[1] == []  # the log is at the newest migration now


START = """
import asyncio, json, sys
from bot import cli
from bot.api import create_app
from bot.settings import Settings

settings = Settings()
index = settings.load_index()
store = cli._log_store(settings, 1)  # what `serve` does, up to the server's start
app = create_app(settings, index, store)
at_start = sorted(m for m in ("sqlalchemy", "alembic", "jinja2", "yaml") if m in sys.modules)

async def healthz():
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
               "scheme": "http", "path": "/healthz", "raw_path": b"/healthz", "query_string": b"",
               "root_path": "", "headers": [(b"host", b"127.0.0.1")], "client": ("127.0.0.1", 1),
               "server": ("127.0.0.1", 8000)}, receive, send)
    return sent[0]["status"]


async def main():
    async with app.router.lifespan_context(app):  # the server is up: the log opens meanwhile
        status = await healthz()
        threads = "anyio._backends._asyncio" in sys.modules  # a worker thread was started
        qid = store.log_question(question="怎么注销账号", reply=index.ask("怎么注销账号").to_dict(),
                                 channel="api", latency_ms=1.0)
        return qid, status, threads

qid, status, threads = asyncio.run(main())
store.close()
print(json.dumps({"at_start": at_start, "qid": qid, "healthz": status, "threads": threads}))
"""


def test_a_warm_start_imports_no_sqlalchemy_jinja2_or_yaml_before_its_first_healthz(tmp_path):
    """The log is opened after the server is up, templates at the first page, YAML only to
    build an index; the question asked meanwhile is written all the same."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "PRIVACYBOT_", "DATABASE_URL", "PUBLIC_BASE_URL"))}
    db = tmp_path / "log.sqlite3"
    env.update(DATABASE_URL=f"sqlite:///{db}", PRIVACYBOT_CACHE_DIR=str(tmp_path / "cache"),
               PRIVACYBOT_CORPUS=str(ROOT / "corpus"))
    runs = [json.loads(subprocess.run([sys.executable, "-c", START], cwd=ROOT, env=env, check=True,
                                      capture_output=True, text=True).stdout.splitlines()[-1])
            for _ in range(2)]
    assert runs[1]["at_start"] == []  # the warm start: index from the cache, log not yet open
    # /healthz answers on the event loop, without starting a worker thread
    assert [(r["healthz"], r["threads"]) for r in runs] == [(200, False), (200, False)]
    import sqlite3

    with sqlite3.connect(db) as conn:
        ids = {r[0] for r in conn.execute("SELECT id FROM questions")}
    assert ids == {runs[0]["qid"], runs[1]["qid"]}
