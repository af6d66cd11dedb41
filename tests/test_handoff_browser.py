"""The widget's human handoff in a real Chromium, on a help-center page of another origin with
hostile CSS, against the real app under uvicorn whose bot polls the Bot API stand-in with the real
python-telegram-bot client: refusal → "联系人工客服" → messages both ways → the agent's reply
shown (as text), reloads, the clause card of /quote, 👎 → handoff, back to the bot, closing.

Skipped like tests/test_widget_browser.py when Chromium is missing (fails under CI)."""
from __future__ import annotations

import re
import time

import pytest

from bot.api import create_app
from bot.handoff_store import Handoffs
from bot.settings import Settings
from bot.store import Store
from botapi_standin import callback_update, message_update, user
from conftest import serve_app
from test_handoff_telegram import AGENT, AGENTS, telegram_env
from test_widget_browser import (ARTIFACTS, LAUNCHER, NOT_HELPFUL, ask, expect, host_site,  # noqa: F401
                                 open_page, shared_chromium, widget)

TALK_ZH, TALK_EN = "联系人工客服", "Talk to a person"


@pytest.fixture(scope="module")
def chromium():
    """Stopped at the end of this module (unless test_widget_browser's is running too)."""
    with shared_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def ho_store(tmp_path_factory):
    s = Store(f"sqlite:///{tmp_path_factory.mktemp('ho-browser') / 'log.sqlite3'}", hash_secret="k")
    yield s
    s.close()


@pytest.fixture(scope="module")
def bot_url(standin, policy_index, ho_store, hermetic_env):
    with pytest.MonkeyPatch.context() as mp:  # the environment only while the app is made
        telegram_env(mp, standin)
        app = create_app(Settings(), policy_index, ho_store)
    with serve_app(app) as url:
        standin.wait("deleteWebhook", timeout=30)  # the bot polls
        yield url


def card_for(standin, store, question):
    """The handoff card sent to the agents for `question`, once linked to its conversation."""
    [call] = standin.wait("sendMessage", lambda c: int(c.params["chat_id"]) == AGENTS
                          and f"{question}" in c.params["text"] and "Handoff" in c.params["text"],
                          timeout=10)
    hid = re.search(r"#([0-9a-f]{8})", call.params["text"]).group(1)
    deadline = time.monotonic() + 5
    with store.engine.connect() as conn:
        from sqlalchemy import text
        full = conn.execute(text("SELECT id FROM handoffs WHERE id LIKE :p"), {"p": hid + "%"}).scalar()
    while Handoffs(store.engine).card_of(full, AGENTS) is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return call, full


def agent_reply(standin, text, card):
    standin.push(message_update(text, chat_id=AGENTS, from_user=user(AGENT, first_name="Li"),
                                chat_type="supergroup", reply_to=card.result))


def shadow(page, js):
    return page.evaluate(
        f"() => {{ const root = document.querySelector('privacybot-widget').shadowRoot; return {js}; }}")




def test_refusal_to_a_person_and_back(open_page, host_site, bot_url, standin, ho_store):
    page = open_page(host_site.page(bot_url))
    page.get_by_role("button", name=LAUNCHER).click()
    w = widget(page)
    ask(page, "怎么开发票？")
    refusal = w.locator(".card").last
    expect(refusal.locator(".message")).to_contain_text("没有找到")
    talk = refusal.get_by_role("button", name=TALK_ZH)
    expect(talk).to_be_visible()
    talk.click()
    expect(w.locator(".ho-note").last).to_have_text(re.compile("已通知人工客服"))
    expect(w.locator(".ho-banner")).to_be_visible()
    box = page.get_by_role("textbox", name="输入问题 / Your question")
    expect(box).to_have_attribute("placeholder", "写给人工客服…")
    card, hid = card_for(standin, ho_store, "怎么开发票？")
    assert "could not answer" in card.params["text"] and "👎" not in card.params["text"]

    # The visitor writes: shown as typed, sent to the agents escaped, never to the bot.
    ho_store.flush()
    asks_before = len(ho_store.question_rows())
    box.fill("<b>发票</b> & <img src=x onerror=alert(1)>")
    box.press("Enter")
    mine = w.locator(".ho-visitor").last
    expect(mine).to_have_text("<b>发票</b> & <img src=x onerror=alert(1)>")
    [follow] = standin.wait("sendMessage", lambda c: "发票</b>" in c.params["text"] or "发票&lt;" in c.params["text"])
    assert "&lt;b&gt;发票&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;" in follow.params["text"]
    assert follow.params["reply_parameters"]["message_id"] == card.result["message_id"]
    ho_store.flush()
    assert len(ho_store.question_rows()) == asks_before

    # The agent replies in Telegram: shown as text (how fast: bench/handoff.py).
    agent_reply(standin, "您好 <script>alert(2)</script><i>我是客服</i>", card)
    bubble = w.locator(".ho-agent .bubble").last
    expect(bubble).to_have_text("您好 <script>alert(2)</script><i>我是客服</i>")
    expect(w.locator(".ho-agent .who").last).to_have_text("Li · 人工客服")
    assert shadow(page, "root.querySelectorAll('script, img, i, b').length") == 0

    # Contact, then a reload: the conversation, the banner and the listening go on.
    w.locator(".ho-contact input").fill("li@example.com")
    w.get_by_role("button", name="保存").click()
    expect(w.locator(".ho-contact-msg")).to_have_text("客服可以写信到 li@example.com")
    standin.wait("sendMessage", lambda c: "li@example.com" in c.params["text"])
    assert Handoffs(ho_store.engine).get(hid)["contact"] == "li@example.com"
    page.reload()
    w = widget(page)
    expect(w.locator(".ho-agent .bubble").last).to_have_text("您好 <script>alert(2)</script><i>我是客服</i>")
    expect(w.locator(".ho-visitor").last).to_have_text("<b>发票</b> & <img src=x onerror=alert(1)>")
    expect(w.locator(".ho-banner")).to_be_visible()
    agent_reply(standin, "/quote 怎么注销账号", card)
    clause = w.locator(".ho-agent .card").last
    expect(clause.locator(".path")).to_have_text("盟畅云会议 › 五、您的权利 › 5.6 注销帐号")
    expect(clause.locator("blockquote")).to_contain_text("注销")
    expect(clause.get_by_role("link", name="查看原文")).to_have_attribute(
        "href", "https://help.example.com/policies/mcmeet#s-5-6")
    agent_reply(standin, "after the reload", card)
    expect(w.locator(".ho-agent .bubble").last).to_have_text("after the reload")
    assert len(w.locator(".ho-agent .bubble").all()) == 2  # nothing shown twice
    screenshot(page, "widget-handoff.png")

    # Back to the bot: the box asks the bot again; the agents' replies still arrive.
    w.get_by_role("button", name="返回机器人").click()
    expect(w.locator(".ho-banner")).to_be_hidden()
    expect(page.get_by_role("textbox", name="输入问题 / Your question")).to_have_attribute(
        "placeholder", "输入您的问题…")
    ask(page, "怎么注销账号？")
    expect(w.locator(".card > .path").last).to_have_text("盟畅云会议 › 五、您的权利 › 5.6 注销帐号")
    # The agent closes it in Telegram: the widget says so.
    standin.push(callback_update(f"ho:close:{hid}", from_user=user(AGENT, first_name="Li"),
                                 message=card.result, query_id="close-1"))
    expect(w.locator(".ho-note").last).to_have_text(re.compile("客服已结束对话"))
    expect(w.locator(".ho-banner")).to_be_hidden()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name))


def test_a_downvote_and_the_panel_offer_a_person_in_english(open_page, host_site, bot_url,
                                                             standin, ho_store):
    page = open_page(host_site.page(bot_url, {"data-lang": "en"}, html_lang="en"))
    page.get_by_role("button", name=LAUNCHER).click()
    w = widget(page)
    bar = w.locator(".ho-bar").get_by_role("button", name=TALK_EN)
    expect(bar).to_be_visible()  # always offered from the panel
    ask(page, "How do I delete my McMeet account?")
    card = w.locator(".card").last
    expect(card.locator("blockquote").first).to_contain_text("注销")
    expect(card.get_by_role("button", name=TALK_EN)).to_have_count(0)  # answered: not offered
    card.get_by_role("button", name=NOT_HELPFUL).click()
    card.get_by_role("button", name="Send").click()
    talk = card.get_by_role("button", name=TALK_EN)
    expect(talk).to_be_visible()
    talk.click()
    expect(w.locator(".ho-note").last).to_have_text(re.compile("A person has been told"))
    expect(bar).to_be_hidden()
    call, hid = card_for(standin, ho_store, "How do I delete my McMeet account?")
    assert "👎" in call.params["text"] and "English" in call.params["text"]
    assert "5.6 注销帐号" in call.params["text"]
    expect(page.get_by_role("textbox", name="输入问题 / Your question")).to_have_attribute(
        "placeholder", "Write to a person…")
    standin.push(callback_update(f"ho:claim:{hid}", from_user=user(AGENT, first_name="Li"),
                                 message=call.result, query_id="claim-en"))
    expect(w.locator(".ho-note").last).to_have_text("Li is looking after you")


def test_no_person_is_offered_when_handoff_is_off(open_page, host_site, base_url):
    page = open_page(host_site.page(base_url))
    page.get_by_role("button", name=LAUNCHER).click()
    ask(page, "怎么开发票？")
    w = widget(page)
    expect(w.locator(".card .message").last).to_contain_text("没有找到")
    page.wait_for_timeout(300)  # availability answered
    expect(w.get_by_role("button", name=TALK_ZH)).to_have_count(0)
    assert w.locator(".ho-bar").is_hidden()


def test_traditional_chinese_pages_get_their_own_words(open_page, host_site, bot_url, standin,
                                                       ho_store):
    page = open_page(host_site.page(bot_url, html_lang="zh-TW"))
    page.get_by_role("button", name=LAUNCHER).click()
    w = widget(page)
    ask(page, "如何註銷帳號？")
    expect(w.locator(".card > .path").last).to_contain_text("5.6")
    w.locator(".ho-bar").get_by_role("button", name="聯絡真人客服").click()
    expect(w.locator(".ho-note").last).to_have_text(re.compile("已通知真人客服"))
    call, _ = card_for(standin, ho_store, "如何註銷帳號？")
    assert "繁體中文" in call.params["text"] and "asked from the panel" in call.params["text"]
    expect(page.get_by_role("textbox", name="输入问题 / Your question")).to_have_attribute(
        "placeholder", "寫給真人客服…")
