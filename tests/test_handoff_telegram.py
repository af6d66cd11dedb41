"""Handoff through the agents' Telegram chat, end to end: the real app under uvicorn polls the
Bot API stand-in with the real python-telegram-bot client (one process does everything), updates
arrive while it runs; and `privacybot telegram` as a separate process sharing the database."""
from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.api import create_app
from bot.handoff_store import Handoffs
from bot.settings import Settings
from bot.store import Store
from botapi_standin import TOKEN, BotApiStandIn, callback_update, message_update, user
from conftest import serve_app
from test_telegram import buttons, check_html

AGENTS = -100_777  # the agents' group
AGENT, STRANGER = 2001, 2999
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def ho_store(tmp_path_factory):
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('ho-tg') / 'log.sqlite3'}", hash_secret="k")
    LINKS.append(s)
    yield s
    s.close()


def telegram_env(mp, standin, **extra):
    for key in [k for k in os.environ if k.startswith("TELEGRAM_")]:
        mp.delenv(key)
    mp.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    mp.setenv("TELEGRAM_API_BASE_URL", standin.url)
    mp.setenv("TELEGRAM_AGENT_CHAT_ID", str(AGENTS))
    mp.setenv("TELEGRAM_ALLOWED_USERS", f"{AGENT}")
    mp.setenv("PUBLIC_BASE_URL", "https://help.example.com")
    for k, v in extra.items():
        mp.setenv(k, v)


@pytest.fixture(scope="module")
def http(standin, policy_index, ho_store, hermetic_env):
    """`privacybot serve` with the token and an agents' chat, no webhook: it polls."""
    with pytest.MonkeyPatch.context() as mp:  # the environment only while the app is made
        telegram_env(mp, standin)
        app = create_app(Settings(), policy_index, ho_store)
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
        standin.wait("deleteWebhook", timeout=30)  # polling starts
        yield c


def start(http, **body):
    r = http.post("/api/v1/handoffs", json={"question": "怎么注销账号？", "reason": "downvote",
                                             "lang": "zh", **body})
    assert r.status_code == 201, r.text
    return r.json()["id"], {"Authorization": f"Bearer {r.json()['token']}"}


def card_of(standin, hid):
    """The card's sendMessage, once the relay has linked it to the conversation (an agent
    replying to it before that would be faster than a person can be)."""
    [call] = standin.wait("sendMessage", lambda c: int(c.params["chat_id"]) == AGENTS
                          and f"#{hid[:8]}" in c.params["text"])
    deadline = time.monotonic() + 5
    while LINKS and Handoffs(LINKS[-1].engine).card_of(hid, AGENTS) is None:
        assert time.monotonic() < deadline, "the card was never linked"
        time.sleep(0.02)
    return call


LINKS: list[Store] = []  # the database the app under test writes to


def agent_says(standin, text, reply_to: dict, uid=AGENT):
    return standin.push(message_update(text, chat_id=AGENTS, from_user=user(uid),
                                       chat_type="supergroup", reply_to=reply_to))


def read(http, hid, auth, after=0, wait=10):
    r = http.get(f"/api/v1/handoffs/{hid}/messages?after={after}&wait={wait}", headers=auth)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_new_handoff_reaches_the_agents_with_what_the_bot_answered(http, standin):
    hid, _ = start(http, contact="li@example.com", policy_id="mcmeet")
    card = card_of(standin, hid)
    text = check_html(card.params["text"])
    assert "怎么注销账号？" in text and "5.6 注销帐号" in text and "li@example.com" in text
    assert "中文" in text and "mcmeet" in text and "👎" in text
    assert 'href="https://help.example.com/policies/mcmeet#s-5-6"' in card.params["text"]
    assert [b["callback_data"] for b in buttons(card)] == [f"ho:claim:{hid}", f"ho:close:{hid}"]
    hid, _ = start(http, question="怎么开发票？", reason="refused")
    assert "could not answer" in check_html(card_of(standin, hid).params["text"])


def test_visitor_messages_arrive_escaped_as_replies_in_the_same_thread(http, standin):
    hid, auth = start(http, question="<b>bold</b> & <a href='x'>")
    card = card_of(standin, hid)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='x'&gt;" in card.params["text"]
    r = http.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "<i>还在吗</i> & 😀"},
                  headers=auth)
    assert r.status_code == 201
    [follow] = standin.wait("sendMessage", lambda c: "还在吗" in c.params["text"]
                            and int(c.params["chat_id"]) == AGENTS)
    assert check_html(follow.params["text"]).endswith("<i>还在吗</i> & 😀")
    assert follow.params["reply_parameters"]["message_id"] == card.result["message_id"]


def test_an_agents_reply_reaches_the_visitor_as_text(http, standin, ho_store):
    """(How fast: bench/handoff.py.)"""
    hid, auth = start(http)
    card = card_of(standin, hid)
    before = read(http, hid, auth, wait=0)["messages"]
    agent_says(standin, "您好 <b>我是客服</b> & <script>", card.result)
    d = read(http, hid, auth, after=before[-1]["id"] if before else 0)
    [m] = d["messages"]
    assert m["text"] == "您好 <b>我是客服</b> & <script>" and m["sender"] == "agent"
    assert m["agent"] == "Agent"
    standin.wait("setMessageReaction")  # the agent sees it went through
    # A reply to the agent's own reply (any message of the thread) is routed too.
    own = {"message_id": next(_ids) + 900_000, "chat": {"id": AGENTS, "type": "supergroup"}}
    Handoffs(ho_store.engine).link_telegram(hid, AGENTS, own["message_id"])
    agent_says(standin, "还有别的问题吗？", {**own, "date": 0, "from": user(AGENT), "text": "x"})
    assert read(http, hid, auth, after=m["id"])["messages"][0]["text"] == "还有别的问题吗？"


def test_quote_as_a_reply_sends_the_best_clause_as_a_clause_card(http, standin):
    hid, auth = start(http)
    card = card_of(standin, hid)
    agent_says(standin, "/quote 怎么注销账号", card.result)
    [m] = read(http, hid, auth)["messages"]
    assert m["kind"] == "clause" and m["answer"]["heading"].endswith("5.6 注销帐号")
    assert m["answer"]["url"] == "https://help.example.com/policies/mcmeet#s-5-6"
    assert "注销" in m["answer"]["quote"]
    [confirm] = standin.wait("sendMessage", lambda c: "Sent to the visitor" in c.params["text"]
                             and int(c.params["chat_id"]) == AGENTS)
    check_html(confirm.params["text"])
    agent_says(standin, "/quote 明天会下雨吗", card.result)
    standin.wait("sendMessage", lambda c: "No clause answers that" in c.params["text"])
    agent_says(standin, "/quote", card.result)
    standin.wait("sendMessage", lambda c: "Usage: /quote" in c.params["text"])
    assert read(http, hid, auth, after=m["id"], wait=0)["messages"] == []


def test_claim_and_close_buttons_tell_the_visitor(http, standin):
    hid, auth = start(http)
    card = card_of(standin, hid)
    standin.push(callback_update(f"ho:claim:{hid}", from_user=user(AGENT, first_name="Li"),
                                 message=card.result, query_id="c1"))
    [claimed] = read(http, hid, auth)["messages"]
    assert claimed["event"] == "claimed" and claimed["agent"] == "Li"
    [edit] = standin.wait("editMessageText", lambda c: f"#{hid[:8]}" in c.params["text"])
    assert [b["callback_data"] for b in buttons(edit)] == [f"ho:close:{hid}"]
    standin.push(callback_update(f"ho:close:{hid}", from_user=user(AGENT, first_name="Li"),
                                 message=card.result, query_id="c2"))
    d = read(http, hid, auth, after=claimed["id"])
    assert d["messages"][0]["event"] == "closed"
    deadline = time.monotonic() + 5
    while d["status"] != "closed" and time.monotonic() < deadline:
        d = read(http, hid, auth, wait=0)
    assert d["status"] == "closed"
    assert http.post(f"/api/v1/handoffs/{hid}/messages", json={"text": "hi"},
                     headers=auth).status_code == 409
    agent_says(standin, "too late", card.result)
    standin.wait("sendMessage", lambda c: "conversation is closed" in c.params["text"])
    standin.push(callback_update(f"ho:claim:{'0' * 32}", from_user=user(AGENT),
                                 message=card.result, query_id="c3"))
    standin.wait("answerCallbackQuery", lambda c: c.params.get("callback_query_id") == "c3")


def test_strangers_cannot_answer_visitors(http, standin):
    hid, auth = start(http)
    card = card_of(standin, hid)
    agent_says(standin, "I am not an agent", card.result, uid=STRANGER)
    standin.wait("sendMessage", lambda c: int(c.params["chat_id"]) == AGENTS
                 and str(STRANGER) in c.params["text"])
    assert read(http, hid, auth, wait=0)["messages"] == []


def test_other_replies_in_the_agents_chat_still_reach_the_bot(http, standin):
    """A reply to one of the bot's answers that is not a handoff's is a question, as before."""
    answer = {"message_id": 777_777, "date": 0, "chat": {"id": AGENTS, "type": "supergroup"},
              "from": {"id": 123456789, "is_bot": True, "first_name": "Privacy",
                       "username": "privacy_test_bot"}, "text": "an answer"}
    agent_says(standin, "怎么注销账号？", answer)
    standin.wait("sendMessage", lambda c: "<blockquote>5.6 注销帐号" in c.params["text"]
                 and int(c.params["chat_id"]) == AGENTS)


def test_a_separate_privacybot_telegram_process_shares_the_database(standin, policy_index,
                                                                     tmp_path, hermetic_env):
    """`privacybot serve` with TELEGRAM_POLLING=off sends the cards; `privacybot telegram`
    receives the agents' replies and writes them; the widget's read finds them."""
    db = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    store = Store(db, hash_secret="k")
    LINKS.append(store)
    with pytest.MonkeyPatch.context() as mp, BotApiStandIn() as api:
        telegram_env(mp, api, TELEGRAM_POLLING="off")
        app = create_app(Settings(), policy_index, store)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRIVACYBOT_")}
        env.update(PRIVACYBOT_DATABASE_URL=db, PRIVACYBOT_CACHE_DIR=os.environ["PRIVACYBOT_CACHE_DIR"])
        env.pop("TELEGRAM_POLLING")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "privacybot"), "telegram"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
                api.wait("deleteWebhook", timeout=90)  # the separate process polls
                hid, auth = start(c)
                card = card_of(api, hid)
                agent_says(api, "来自另一个进程", card.result)
                d = read(c, hid, auth, wait=10)
                assert [m["text"] for m in d["messages"]] == ["来自另一个进程"]
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
            store.close()
        assert proc.returncode == 0, err
        assert "Traceback" not in err


def test_handoff_through_the_webhook(standin, policy_index, tmp_path, hermetic_env):
    """With TELEGRAM_WEBHOOK_URL set the same handlers take the agents' replies at
    POST /telegram/webhook."""
    store = Store(f"sqlite:///{tmp_path / 'hook.sqlite3'}", hash_secret="k")
    LINKS.append(store)
    secret = "hook-Secret_42"
    with pytest.MonkeyPatch.context() as mp:
        telegram_env(mp, standin, TELEGRAM_WEBHOOK_URL="https://bot.example.test/telegram/webhook",
                     TELEGRAM_WEBHOOK_SECRET=secret)
        app = create_app(Settings(), policy_index, store)
    try:
        with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=30) as c:
            hid, auth = start(c)
            card = card_of(standin, hid)
            update = message_update("来自 webhook 的回复", chat_id=AGENTS, from_user=user(AGENT),
                                    chat_type="supergroup", reply_to=card.result)
            update["update_id"] = 910_001
            r = c.post("/telegram/webhook", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": secret})
            assert r.status_code == 200
            assert [m["text"] for m in read(c, hid, auth)["messages"]] == ["来自 webhook 的回复"]
    finally:
        LINKS.remove(store)
        store.close()


def test_serve_workers_leave_polling_to_one_process():
    from bot.telegram_polling import no_polling_in_workers

    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert "privacybot telegram" in no_polling_in_workers(env)
    assert env["TELEGRAM_POLLING"] == "off"
    assert no_polling_in_workers(env) is None  # already off
    for env in ({}, {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://x/telegram/webhook"}):
        assert no_polling_in_workers(env) is None and "TELEGRAM_POLLING" not in env
