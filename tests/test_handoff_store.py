"""Handoff conversations in the log database, on SQLite and on a real PostgreSQL server:
messages in order after a cursor, tokens, closing, Telegram threads, retention, the report."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import text, update

from bot.handoff_store import ConversationClosed, Handoffs, clean_text, handoffs
from bot.store import Store, utcnow


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    s = Store(url, hash_secret="k", retention_days=30)
    with s.engine.begin() as conn:  # the PostgreSQL database is shared by the session
        for table in ("handoff_telegram", "handoff_messages", "handoffs"):
            conn.execute(text(f"DELETE FROM {table}"))
    yield s
    s.close()


def new(hs: Handoffs, **kw) -> tuple[dict, str]:
    args = dict(question="怎么开发票？", reason="refused", lang="zh", policy_id="mcmeet",
                answered=False, answer_heading=None, answer_url=None)
    args.update(kw)
    return hs.create(**args)


def test_a_conversation_is_read_only_with_its_own_token(store):
    hs = Handoffs(store.engine)
    row, token = new(hs)
    other, other_token = new(hs)
    assert hs.authorize(row["id"], token)["question"] == "怎么开发票？"
    assert hs.authorize(row["id"], other_token) is None
    assert hs.authorize(row["id"], "") is None
    assert hs.authorize("not-an-id", token) is None
    assert len(token) >= 40  # 256 random bits, URL-safe
    with store.engine.connect() as conn:  # only its hash is kept
        stored = conn.execute(text("SELECT token_hash FROM handoffs")).scalars().all()
    assert token not in stored and len(stored) == 2


def test_messages_come_in_order_after_a_cursor_and_the_first_agent_reply_is_timed(store):
    hs = Handoffs(store.engine)
    row, _ = new(hs)
    a = hs.add_message(row["id"], sender="visitor", text="还在吗？")
    b = hs.add_message(row["id"], sender="agent", text="在的 <b>", agent="Li")
    c = hs.add_message(row["id"], sender="agent", kind="clause", text="盟畅 › 5.6",
                       payload={"url": "http://x/policies/mcmeet#s-5-6", "quote": "…"}, agent="Li")
    assert a["id"] < b["id"] < c["id"]
    assert [m["text"] for m in hs.messages_after(row["id"])] == ["还在吗？", "在的 <b>", "盟畅 › 5.6"]
    assert [m["id"] for m in hs.messages_after(row["id"], a["id"])] == [b["id"], c["id"]]
    assert hs.messages_after(row["id"], c["id"]) == []
    shown = Handoffs.public_message(hs.messages_after(row["id"], b["id"])[0])
    assert shown["kind"] == "clause" and shown["answer"]["url"].endswith("#s-5-6")
    assert hs.get(row["id"])["first_reply_at"] == b["created_at"]


def test_a_closed_conversation_takes_no_more_messages(store):
    hs = Handoffs(store.engine)
    row, _ = new(hs)
    assert hs.claim(row["id"], "Li")["status"] == "claimed"
    assert hs.close(row["id"]) is True
    assert hs.close(row["id"]) is False
    assert hs.claim(row["id"], "Wang") is None
    with pytest.raises(ConversationClosed):
        hs.add_message(row["id"], sender="visitor", text="hello?")
    hs.add_message(row["id"], sender="system", kind="status", text="Li",
                   payload={"event": "closed"}, allow_closed=True)
    assert hs.list_open() == []


def test_telegram_messages_lead_back_to_their_conversation(store):
    hs = Handoffs(store.engine)
    row, _ = new(hs)
    chat = -1001234567890123  # supergroup ids do not fit 32 bits
    hs.link_telegram(row["id"], chat, 5_000_000_001, card=True)
    hs.link_telegram(row["id"], chat, 5_000_000_002)
    hs.link_telegram(row["id"], chat, 5_000_000_002)  # twice is harmless
    assert hs.by_telegram(chat, 5_000_000_002)["id"] == row["id"]
    assert hs.by_telegram(chat, 1) is None
    assert hs.card_of(row["id"], chat) == 5_000_000_001


def test_text_is_cleaned_of_what_a_database_refuses(store):
    hs = Handoffs(store.engine)
    row, _ = new(hs, question=clean_text("a\x00b\ud800c"))
    m = hs.add_message(row["id"], sender="visitor", text=clean_text(" x\x00\x07y\udfff \n"))
    assert hs.get(row["id"])["question"] == "ab\ufffdc"
    assert hs.messages_after(row["id"])[0]["text"] == m["text"] == "xy\ufffd"


def test_concurrent_visitors_and_agents_lose_no_message(store):
    hs = Handoffs(store.engine)
    row, _ = new(hs)
    errors = []

    def write(sender, n):
        try:
            for i in range(n):
                hs.add_message(row["id"], sender=sender, text=f"{sender} {i}")
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=write, args=(s, 20)) for s in ("visitor", "agent") * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    ids = [m["id"] for m in hs.messages_after(row["id"])]
    assert len(ids) == 120 and ids == sorted(set(ids))


def test_retention_purges_idle_conversations_with_their_messages(store):
    hs = Handoffs(store.engine)
    old, _ = new(hs)
    recent, _ = new(hs)
    hs.add_message(old["id"], sender="visitor", text="old")
    hs.link_telegram(old["id"], -100, 7, card=True)
    hs.add_message(recent["id"], sender="visitor", text="recent")
    long_ago = utcnow() - timedelta(days=31)
    with store.engine.begin() as conn:
        conn.execute(update(handoffs).where(handoffs.c.id == old["id"])
                     .values(created_at=long_ago, updated_at=long_ago))
    store.purge()
    assert hs.get(old["id"]) is None and hs.get(recent["id"]) is not None
    assert hs.messages_after(old["id"]) == [] and hs.by_telegram(-100, 7) is None
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM handoff_messages")).scalar() == 1


def test_report_counts_handoffs_per_day_first_reply_and_unanswered(store):
    hs = Handoffs(store.engine)
    now = utcnow()
    rows = [new(hs, question=f"q{i}")[0] for i in range(4)]
    for row, wait in zip(rows[:3], (30, 60, 300)):
        hs.add_message(row["id"], sender="agent", text="hi", agent="Li")
        with store.engine.begin() as conn:
            conn.execute(update(handoffs).where(handoffs.c.id == row["id"]).values(
                created_at=now - timedelta(seconds=wait), first_reply_at=now))
    with store.engine.begin() as conn:
        conn.execute(update(handoffs).where(handoffs.c.id == rows[0]["id"]).values(
            created_at=now - timedelta(days=2, seconds=-30), first_reply_at=now - timedelta(days=2)))
    r = store.report(days=7)["handoffs"]
    assert r["total"] == 4 and sum(d["handoffs"] for d in r["per_day"]) == 4
    assert len(r["per_day"]) == 2
    assert r["answered"] == 3 and r["median_first_reply_s"] == 60.0
    assert r["unanswered"] == 1 and r["unanswered_recent"][0]["question"] == "q3"


def test_privacybot_report_prints_the_handoffs(store):
    from bot.cli import format_report

    hs = Handoffs(store.engine)
    row, _ = new(hs, question="有人吗？")
    answered, _ = new(hs)
    hs.add_message(answered["id"], sender="agent", text="在", agent="Li")
    text = format_report(store.report(days=7))
    assert "Handoffs: 2, 1 answered by an agent (median first reply" in text
    assert "1 nobody answered" in text and "not answered: 有人吗？   (open," in text
