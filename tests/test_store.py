"""The question/feedback log on a real SQLite file: writes, pseudonyms, purge, report, faults."""
from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from bot.store import Store, StoreError, questions, utcnow

ANSWERED = {"answered": True, "lang": "zh", "answers": [
    {"policy_id": "mcmeet", "section_id": "5.6", "heading": "五、您的权利 › 5.6 注销帐号",
     "score": 12.5}]}
UNANSWERED = {"answered": False, "lang": "zh", "answers": []}


@pytest.fixture
def sqlite_store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'log.sqlite3'}", hash_secret="k", retention_days=30)
    yield s
    s.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The same store on SQLite (the default) and on a real PostgreSQL server (replicas)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url, hash_secret="k", retention_days=30)
    with s.engine.begin() as conn:  # the PostgreSQL database is shared by the session
        conn.execute(text("DELETE FROM questions"))
        conn.execute(text("DELETE FROM feedback"))
    yield s
    s.close()


def test_questions_are_logged_with_their_reply(store):
    qid = store.log_question(question="怎么注销账号？", reply=ANSWERED, channel="widget",
                             latency_ms=4.2, client="203.0.113.9|Mozilla/5.0")
    assert store.flush()
    [row] = store.question_rows()
    assert row["id"] == qid and row["channel"] == "widget" and row["answered"] is True
    assert (row["policy_id"], row["section_id"], row["score"]) == ("mcmeet", "5.6", 12.5)
    assert row["latency_ms"] == 4.2 and row["lang"] == "zh"


def test_clients_are_stored_only_as_pseudonyms(sqlite_store, tmp_path):
    store = sqlite_store
    client = "203.0.113.9|Mozilla/5.0 (X11)"
    store.log_question(question="q", reply=UNANSWERED, channel="api", latency_ms=1, client=client)
    store.add_feedback(question_id=None, vote="up", client=client)
    store.flush()
    raw = (tmp_path / "log.sqlite3").read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("log.sqlite3-*"))
    assert b"203.0.113.9" not in raw and b"Mozilla" not in raw
    pseudonym = store.question_rows()[0]["client"]
    assert pseudonym == store.feedback_rows()[0]["client"] == store.pseudonym(client)
    assert len(pseudonym) == 32
    other = Store(store.url, hash_secret="another key", writer=False)
    assert other.pseudonym(client) != pseudonym  # keyed: not a plain hash anyone can redo
    other.close()


def test_sqlite_runs_in_wal_mode(sqlite_store, tmp_path):
    store = sqlite_store
    store.add_feedback(question_id="x", vote="up")
    con = sqlite3.connect(tmp_path / "log.sqlite3")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_feedback_is_validated(store):
    with pytest.raises(ValueError):
        store.add_feedback(question_id="x", vote="meh")
    with pytest.raises(ValueError):
        store.add_feedback(question_id="x", vote="down", reason="because")


def test_no_feedback_lost_under_concurrent_writers(store):
    writers, each = 16, 25
    errors: list[Exception] = []

    def write(n: int) -> None:
        try:
            for i in range(each):
                store.add_feedback(question_id=f"{n}-{i}", vote="down" if i % 2 else "up",
                                   reason="other" if i % 2 else None, comment=f"w{n} #{i}")
                store.log_question(question=f"w{n} q{i}", reply=UNANSWERED, channel="api",
                                   latency_ms=1)
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.flush()
    assert errors == []
    assert len(store.feedback_rows(limit=10_000)) == writers * each
    assert len(store.question_rows(limit=10_000)) == writers * each
    assert store.dropped == 0


def test_old_rows_are_purged(store):
    old = store.log_question(question="old", reply=UNANSWERED, channel="api", latency_ms=1)
    new = store.log_question(question="new", reply=UNANSWERED, channel="api", latency_ms=1)
    store.add_feedback(question_id=old, vote="up")
    store.flush()
    with store.engine.begin() as conn:
        conn.execute(update(questions).where(questions.c.id == old)
                     .values(asked_at=utcnow() - timedelta(days=31)))
        conn.execute(text("UPDATE feedback SET created_at = :t"),
                     {"t": utcnow() - timedelta(days=45)})
    assert store.purge() == (1, 1)
    assert [r["id"] for r in store.question_rows()] == [new]
    assert store.feedback_rows() == []


def test_report_counts_unanswered_downvotes_and_days(store):
    for q in ["怎么开发票", "怎么开发票 ", "怎么开发票", "天气怎么样"]:
        store.log_question(question=q, reply=UNANSWERED, channel="widget", latency_ms=1)
    qid = store.log_question(question="怎么注销账号？", reply=ANSWERED, channel="telegram",
                             latency_ms=1)
    store.add_feedback(question_id=qid, vote="down", reason="wrong_clause", policy_id="mcmeet",
                       section_id="5.6", quote="5.6 注销帐号")
    store.add_feedback(question_id=qid, vote="down", reason="unclear", policy_id="mcmeet",
                       section_id="5.6")
    store.add_feedback(question_id=qid, vote="up", policy_id="mcmeet", section_id="5.6")
    store.flush()
    r = store.report(days=7)
    assert r["totals"] == {"questions": 5, "answered": 1, "unanswered": 4, "answered_ratio": 0.2,
                           "feedback_up": 1, "feedback_down": 2}
    assert r["unanswered"][0]["question"].strip() == "怎么开发票" and r["unanswered"][0]["count"] == 3
    [clause] = r["downvoted"]
    assert (clause["policy_id"], clause["section_id"], clause["down"], clause["up"]) == \
        ("mcmeet", "5.6", 2, 1)
    assert clause["reasons"] == {"wrong_clause": 1, "unclear": 1}
    assert {(d["channel"], d["questions"]) for d in r["per_day"]} == {("widget", 4), ("telegram", 1)}


def test_unusable_database_drops_rows_without_raising(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    s = Store(f"sqlite:///{tmp_path / 'a-file' / 'log.sqlite3'}", retry_delays=(0.01, 0.01))
    qid = s.log_question(question="q", reply=UNANSWERED, channel="api", latency_ms=1)
    assert qid and s.flush()
    assert s.dropped == 1 and s.written == 0
    with pytest.raises(StoreError):
        s.add_feedback(question_id=qid, vote="up")
    s.close()


def test_locked_database_row_is_written_once_the_lock_is_released(tmp_path):
    path = tmp_path / "log.sqlite3"
    s = Store(f"sqlite:///{path}", retry_delays=(0.3, 0.5, 1.0))
    locker = sqlite3.connect(path, timeout=0, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    threading.Timer(0.5, locker.rollback).start()
    s.log_question(question="q", reply=UNANSWERED, channel="api", latency_ms=1)
    assert s.flush(timeout=30)
    assert s.written == 1 and s.dropped == 0
    locker.close()
    s.close()


def test_replicas_migrate_together_and_share_one_log(pg_url):
    """Several replicas starting at once against one PostgreSQL: one migrates, all log."""
    stores: list[Store] = []
    errors: list[Exception] = []

    def start() -> None:
        try:
            stores.append(Store(pg_url, hash_secret="shared"))
        except Exception as e:  # noqa: BLE001 - asserted below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4
    with stores[0].engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0002"
        before = conn.execute(text("SELECT count(*) FROM questions")).scalar()
    for n, s in enumerate(stores):
        s.log_question(question=f"replica {n}", reply=UNANSWERED, channel="api", latency_ms=1,
                       client="203.0.113.9")
        s.flush()
    rows = [r for r in stores[0].question_rows(limit=10_000) if r["question"].startswith("replica ")]
    assert len(rows) >= 4 and stores[0].report()["totals"]["questions"] >= before + 4
    assert len({r["client"] for r in rows}) == 1  # same secret: same pseudonym on every replica
    for s in stores:
        s.close()


def test_an_old_sqlite_log_without_migrations_is_adopted(tmp_path):
    """A log created before migrations existed keeps its rows and gets the version table."""
    import sqlite3 as sq
    path = tmp_path / "old.sqlite3"
    con = sq.connect(path)
    con.execute("CREATE TABLE questions (id VARCHAR(32) PRIMARY KEY, asked_at DATETIME NOT NULL, "
                "channel VARCHAR(32) NOT NULL, question TEXT NOT NULL, lang VARCHAR(8), "
                "answered BOOLEAN NOT NULL, policy_id VARCHAR(200), section_id VARCHAR(200), "
                "heading TEXT, score FLOAT, latency_ms FLOAT, client VARCHAR(32))")
    con.execute("INSERT INTO questions VALUES ('a', '2026-11-20 10:00:00', 'api', 'old', 'zh', 0, "
                "NULL, NULL, NULL, NULL, 1.0, NULL)")
    con.commit()
    con.close()
    s = Store(f"sqlite:///{path}", retention_days=3650)
    assert [r["question"] for r in s.question_rows()] == ["old"]
    s.add_feedback(question_id="a", vote="up")
    assert len(s.feedback_rows()) == 1
    s.close()


def test_metric_counts_stay_bounded_whatever_channels_clients_name(sqlite_store):
    for n in range(50):
        sqlite_store.log_question(question="q", reply=UNANSWERED, channel=f"made-up-{n}",
                                  latency_ms=1)
    sqlite_store.log_question(question="q", reply=ANSWERED, channel="widget", latency_ms=1)
    assert sqlite_store.counts == {("other", False): 50, ("widget", True): 1}
    sqlite_store.flush()
    assert {r["channel"] for r in sqlite_store.question_rows()} >= {"made-up-0", "widget"}


def test_schema_head_is_alembics_head():
    """SCHEMA_HEAD names the newest migration: a database at it is not migrated again."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from bot.store import MIGRATIONS, SCHEMA_HEAD
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(cfg).get_current_head() == SCHEMA_HEAD


def test_a_current_database_opens_without_loading_alembic(tmp_path):
    """A new database is migrated; once current, a server opens it without importing Alembic
    (10 MB of memory)."""
    import subprocess
    import sys
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    probe = ("import sys; from bot.store import Store; s = Store(%r); s.close(); "
             "print('alembic' in sys.modules)" % url)
    runs = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                           check=True).stdout.split()[-1] for _ in range(2)]
    assert runs == ["True", "False"]


def test_concurrent_votes_on_one_question_keep_one_row(store):
    qid = store.log_question(question="q", reply=ANSWERED, channel="api", latency_ms=1)
    store.flush()
    errors: list[Exception] = []
    gate = threading.Barrier(12)

    def vote(i: int) -> None:
        gate.wait()
        try:
            for j in range(5):
                store.add_answer_feedback(question_id=qid, vote="up" if (i + j) % 2 else "down",
                                          comment=f"{i}-{j}")
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [row] = [r for r in store.feedback_rows(limit=10_000) if r["question_id"] == qid]
    assert row["question"] == "q" and row["policy_id"] == "mcmeet"


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_log_works(url):
    s = Store(url, writer=False)
    qid = s.log_question(question="q", reply=ANSWERED, channel="api", latency_ms=1)
    assert s.add_answer_feedback(question_id=qid, vote="up") and s.check()
    s.close()
