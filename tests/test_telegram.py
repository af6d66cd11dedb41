"""The Telegram bot, end to end: the real python-telegram-bot client against a stand-in Bot API
server on loopback (tests/botapi_standin.py), the webhook through the real app under uvicorn,
and `privacybot telegram` as a subprocess."""
from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from telegram import Update

from bot import telegram_render as tr
from bot.store import Store, StoreError
from bot.telegram import (ConfigError, TelegramBot, TelegramConfig, normalize_api_base_url,
                          parse_allowed_users)
from botapi_standin import (BOT_ID, BOT_USERNAME, TOKEN, BotApiStandIn, callback_update,
                            chosen_inline_update, inline_update, message_update, user)
from index import PolicyIndex

ROOT = Path(__file__).resolve().parent.parent
AGENT, AGENT_EN, AGENT_2 = 1001, 1002, 1003
STRANGER = 999
ALLOWED_TAGS = {"b", "i", "a", "code", "pre", "blockquote"}
PUBLIC = "http://127.0.0.1:8000"
_chats = itertools.count(1)


# -- helpers -----------------------------------------------------------------------------------

class TelegramHTML(HTMLParser):
    """Fails on what Telegram's HTML parse mode would refuse: unknown tags, unbalanced tags,
    a bare & or <."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, f"tag <{tag}> not allowed"
        assert tag == "a" or not attrs, f"<{tag}> has attributes {attrs}"
        if tag == "a":
            assert [k for k, _ in attrs] == ["href"], attrs
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> does not close {self.stack}"
        self.stack.pop()

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_data(self, data):
        self.text += data


def check_html(text: str) -> str:
    """Assert `text` is valid Telegram HTML; returns its visible text."""
    bare = re.sub(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", "", text)
    assert "&" not in bare, f"bare & in {text!r}"
    assert not re.search(r"<(?!/?(b|i|a|code|pre|blockquote)[ >])", text), f"bare < in {text!r}"
    p = TelegramHTML()
    p.feed(text)
    p.close()
    assert not p.stack, f"unclosed tags {p.stack}"
    return p.text


def chat_of(chat_id):
    return lambda c: int(c.params.get("chat_id", 0)) == chat_id


def buttons(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def texts(calls) -> str:
    return "\n".join(c.params["text"] for c in calls)


@contextmanager
def polling(bot: TelegramBot):
    """The real PTB Application polling (long poll) in a background thread's event loop."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="ptb-loop", daemon=True)
    thread.start()
    app = bot.build_application(polling=True)

    def run(coro):
        return asyncio.run_coroutine_threadsafe(coro, loop).result(30)

    async def start():
        await app.initialize()
        await bot.setup_commands(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5,
                                        allowed_updates=Update.ALL_TYPES)

    async def stop():
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    run(start())
    try:
        yield app
    finally:
        run(stop())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def make_bot(standin, index, store, allowed=frozenset({AGENT, AGENT_EN, AGENT_2})):
    config = TelegramConfig(token=TOKEN, api_base_url=normalize_api_base_url(standin.url),
                            public_base_url=PUBLIC, allowed_users=allowed)
    return TelegramBot(config, lambda: index, lambda: store)


# -- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tg_store(tmp_path_factory):
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('tg') / 'log.sqlite3'}",
                  hash_secret="test-secret")
    yield store
    store.close()


@pytest.fixture(scope="module")
def running(standin, policy_index, tg_store):
    bot = make_bot(standin, policy_index, tg_store)
    with polling(bot):
        yield bot


@pytest.fixture
def chat():
    return next(_chats)


@pytest.fixture
def group():
    return -100_000 - next(_chats)


def ask(standin, text, chat_id, uid=AGENT, lang="zh-hans", chat_type="private", count=1,
        reply_to=None):
    standin.push(message_update(text, chat_id=chat_id, from_user=user(uid, lang),
                                chat_type=chat_type, reply_to=reply_to))
    return standin.wait("sendMessage", chat_of(chat_id), count=count)


# -- rendering (unit) --------------------------------------------------------------------------

def test_split_cuts_a_long_blockquote_into_balanced_parts_and_keeps_every_character():
    quote = "".join(f"第{i}条 <script>alert('x')</script> & 年龄<14岁。\n" for i in range(400))
    spans = [tr.b("产品 › 五、您的权利"), tr.Span("\n摘自：\n"), tr.Span(quote, "blockquote"),
             tr.Span("\n相关条款："), tr.Span("\n• "), tr.link("其他 › 条款", "http://x/p?a=1&b=2")]
    parts = tr.split(spans)
    assert len(parts) >= 4
    seen = ""
    for part in parts:
        assert tr.ulen(part) <= 4096
        seen += check_html(part)
    assert parts[1].startswith("<blockquote>") and parts[0].endswith("</blockquote>")
    assert '<a href="http://x/p?a=1&amp;b=2">' in parts[-1]
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731 - parts are stripped at their ends
    assert squash(seen) == squash("产品 › 五、您的权利摘自：" + quote + "相关条款：• 其他 › 条款")


def test_split_cuts_at_line_ends_and_counts_utf16_units():
    line = "😀" * 99 + "\n"  # an emoji is 2 UTF-16 units: 199 units a line
    parts = tr.split([tr.Span(line * 60, "b")], limit=1000)
    for part in parts:
        assert tr.ulen(part) <= 1000
        check_html(part)
        assert part.count("😀") % 99 == 0  # cut at line ends, never mid-line
        assert "\n</b>" not in part[:-5] and not part.startswith("<b>\n")
    assert sum(p.count("😀") for p in parts) == 99 * 60


def test_split_moves_a_span_that_fits_whole_to_the_next_part():
    spans = [tr.Span("a" * 90), tr.link("link text", "http://x"), tr.Span("b" * 5)]
    parts = tr.split(spans, limit=100)
    assert parts == ["a" * 90, '<a href="http://x">link text</a>bbbbb']


def test_split_of_a_short_message_is_one_part():
    assert tr.split([tr.b("<x>"), tr.Span(" & y")]) == ["<b>&lt;x&gt;</b> &amp; y"]


def test_config_from_the_environment():
    env = {"TELEGRAM_BOT_TOKEN": "42:abc_DEF-1", "TELEGRAM_API_BASE_URL": "http://10.0.0.5:8081/",
           "TELEGRAM_ALLOWED_USERS": " 5, 6 ,", "PUBLIC_BASE_URL": "https://help.example.com/"}
    c = TelegramConfig.from_env(env)
    assert c.token == "42:abc_DEF-1" and c.api_base_url == "http://10.0.0.5:8081/bot"
    assert c.file_base_url == "http://10.0.0.5:8081/file/bot"
    assert c.allowed_users == {5, 6} and c.allows(5) and not c.allows(7)
    assert c.public_base_url == "https://help.example.com"
    assert normalize_api_base_url("https://api.example/bot/") == "https://api.example/bot"
    assert normalize_api_base_url("") == "https://api.telegram.org/bot"
    assert TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": "1:a"}).allows(12345)
    assert parse_allowed_users("") is None
    with pytest.raises(ConfigError, match="TELEGRAM_ALLOWED_USERS"):
        parse_allowed_users("12,bob")
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN is not set"):
        TelegramConfig.from_env({})
    with pytest.raises(ConfigError, match="does not look like"):
        TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": "not a token"})


# -- private chat ------------------------------------------------------------------------------

def test_private_question_gets_the_clause_with_a_button_to_it(running, standin, chat, tg_store):
    [call] = ask(standin, "怎么注销账号？", chat)
    text = call.params["text"]
    assert call.params["parse_mode"] == "HTML"
    visible = check_html(text)
    assert "<b>盟畅云会议 › 五、您的权利 › 5.6 注销帐号</b>" in text
    assert re.search(r"<blockquote>5\.6 注销帐号\n.*终止账号.*</blockquote>", text, re.S)
    assert "《盟畅云会议隐私政策》（2021-03-09 版）" in visible
    assert "相关条款" in visible and '<a href="http://127.0.0.1:8000/policies/' in text
    btns = buttons(call)
    assert btns[0] == {"text": "📄 查看原文", "url": f"{PUBLIC}/policies/mcmeet#s-5-6"}
    votes = [b["callback_data"] for b in btns[1:]]
    assert len(votes) == 2 and all(len(v.encode()) <= 64 for v in votes)
    qid = re.fullmatch(r"fb:([0-9a-f]+):up", votes[0]).group(1)
    assert votes[1] == f"fb:{qid}:down"
    assert call.params["link_preview_options"] == {"is_disabled": True}
    assert "reply_parameters" not in call.params  # no quoting in a private chat
    tg_store.flush()
    [row] = [r for r in tg_store.question_rows() if r["id"] == qid]
    assert row["channel"] == "telegram" and row["answered"] and row["section_id"] == "5.6"
    assert row["question"] == "怎么注销账号？"
    assert row["client"] and str(AGENT) not in row["client"]


def test_english_question_gets_english_framing(running, standin, chat):
    [call] = ask(standin, "How do I delete my account?", chat, uid=AGENT_EN, lang="en")
    visible = check_html(call.params["text"])
    assert "From the McMeet privacy policy (盟畅云会议隐私政策, version of 2021-03-09):" in visible
    assert "5.6 注销帐号" in visible
    assert buttons(call)[0] == {"text": "📄 Open clause", "url": f"{PUBLIC}/policies/mcmeet#s-5-6"}


def test_unanswered_question_says_so_and_what_can_be_asked(running, standin, chat):
    [call] = ask(standin, "明天会下雨吗", chat)
    visible = check_html(call.params["text"])
    assert "没有找到" in visible and "例如" in visible and "怎么注销账号" in visible
    assert all("url" not in b for b in buttons(call))  # no clause to open, votes only
    assert len(buttons(call)) == 2


def test_hostile_markup_in_a_question_is_escaped(running, standin, chat):
    [call] = ask(standin, "<b>x</b><script>alert(1)</script> 怎么注销账号 & <i>", chat)
    text = call.params["text"]
    check_html(text)
    assert "<script" not in text and "<i>" not in text


def test_a_question_over_500_characters_is_declined(running, standin, chat):
    [call] = ask(standin, "怎么注销账号" * 100, chat)
    assert "太长" in call.params["text"] and "500" in call.params["text"]


@pytest.mark.parametrize("lang, expected", [("zh-hans", "隐私政策助手"), ("zh-hant", "隐私政策助手"),
                                            ("en", "Privacy policy assistant"),
                                            (None, "Privacy policy assistant")])
def test_start_and_help_in_the_users_language(running, standin, chat, lang, expected):
    for n, command in enumerate(["/start", "/help"], 1):
        calls = ask(standin, command, chat, lang=lang, count=n)
        text = calls[-1].params["text"]
        assert expected in check_html(text)
        assert f"@{BOT_USERNAME}" in text and "/policies" in text


def test_policies_lists_the_policies_with_their_dates(running, standin, chat):
    [call] = ask(standin, "/policies", chat)
    visible = check_html(call.params["text"])
    assert "盟畅云会议" in visible and "2021-03-09" in visible
    assert "vymeet云会议" in visible and "2021-06-30" in visible
    assert f'href="{PUBLIC}/policies/mcmeet"' in call.params["text"]
    [en] = ask(standin, "/policies", next(_chats), uid=AGENT_EN, lang="en")
    assert "McMeet" in en.params["text"] and "version of 2021-03-09" in en.params["text"]


def test_ask_without_a_question_explains_itself(running, standin, chat):
    [call] = ask(standin, "/ask", chat)
    assert "/ask" in call.params["text"]


def test_bot_commands_are_registered(running, standin):
    calls = standin.wait("setMyCommands", count=2)
    names = {c["command"] for c in calls[0].params["commands"]}
    assert names == {"ask", "policies", "help"}


# -- access ------------------------------------------------------------------------------------

def test_a_user_not_allowed_gets_a_polite_refusal(running, standin, chat):
    [call] = ask(standin, "怎么注销账号？", chat, uid=STRANGER)
    assert "授权" in call.params["text"] and str(STRANGER) in call.params["text"]
    assert "reply_markup" not in call.params
    [en] = ask(standin, "/start", next(_chats), uid=STRANGER, lang="en")
    assert "only answers authorized support agents" in en.params["text"]


def test_a_user_not_allowed_gets_no_inline_results(running, standin):
    standin.push(inline_update("怎么注销账号", from_user=user(STRANGER), query_id="iq-stranger"))
    [call] = standin.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-stranger")
    assert call.params["results"] == [] and call.params["is_personal"] is True


# -- groups ------------------------------------------------------------------------------------

def test_group_message_without_mention_is_ignored(running, standin, group):
    standin.push(message_update("怎么注销账号？", chat_id=group, from_user=user(AGENT),
                                chat_type="supergroup"))
    standin.push(message_update("/ask@someone_else_bot 怎么注销账号？", chat_id=group,
                                from_user=user(AGENT), chat_type="supergroup"))
    # a question that is answered, after them: once it is, the others were handled (ignored)
    [call] = ask(standin, "/help", group, chat_type="supergroup")
    assert len(standin.calls_of("sendMessage", chat_of(group))) == 1
    assert "隐私政策助手" in call.params["text"]


def test_group_mention_is_answered_as_a_reply(running, standin, group):
    update = standin.push(message_update(f"@{BOT_USERNAME} 怎么注销账号？", chat_id=group,
                                         from_user=user(AGENT), chat_type="supergroup"))
    [call] = standin.wait("sendMessage", chat_of(group))
    assert "5.6 注销帐号" in call.params["text"]
    assert call.params["reply_parameters"]["message_id"] == update["message"]["message_id"]


def test_group_mention_without_question_explains_itself(running, standin, group):
    [call] = ask(standin, f"@{BOT_USERNAME}", group, chat_type="group")
    assert f"@{BOT_USERNAME} 怎么注销账号" in call.params["text"]


def test_group_ask_command_and_a_reply_to_the_bot(running, standin, group):
    [first] = ask(standin, f"/ask@{BOT_USERNAME} 会收集我的位置信息吗？", group, chat_type="group")
    assert "<blockquote>" in first.params["text"]
    bot_message = first.result  # what the Bot API returned for the bot's answer
    assert bot_message["from"]["id"] == BOT_ID
    calls = ask(standin, "How do I delete my account?", group, chat_type="group", count=2,
                reply_to=bot_message)
    assert "5.6 注销帐号" in calls[-1].params["text"]
    # a reply to someone else's message is not for the bot
    other = {**bot_message, "from": user(AGENT_2), "message_id": 5}
    standin.push(message_update("怎么注销账号", chat_id=group, from_user=user(AGENT),
                                chat_type="group", reply_to=other))
    ask(standin, "/ask 会收集我的位置信息吗？", group, chat_type="group", count=3)
    assert len(standin.calls_of("sendMessage", chat_of(group))) == 3


def test_a_stranger_mentioning_the_bot_in_a_group_is_refused(running, standin, group):
    [call] = ask(standin, f"@{BOT_USERNAME} 怎么注销账号？", group, uid=STRANGER,
                 chat_type="supergroup")
    assert "授权" in call.params["text"]


# -- inline mode -------------------------------------------------------------------------------

def test_inline_query_offers_up_to_three_clauses(running, standin):
    standin.push(inline_update("怎么注销账号", from_user=user(AGENT), query_id="iq-1"))
    [call] = standin.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-1")
    results = call.params["results"]
    assert 1 <= len(results) <= 3
    assert len({r["id"] for r in results}) == len(results)
    best = results[0]
    assert best["type"] == "article" and best["title"] == "盟畅云会议 › 五、您的权利 › 5.6 注销帐号"
    assert best["description"].startswith("5.6 注销帐号 · 如您是企业最终用户")
    content = best["input_message_content"]
    assert content["parse_mode"] == "HTML"
    check_html(content["message_text"])
    assert "<blockquote>5.6 注销帐号" in content["message_text"]
    assert f'<a href="{PUBLIC}/policies/mcmeet#s-5-6">' in content["message_text"]
    assert best["reply_markup"]["inline_keyboard"][0][0]["url"] == f"{PUBLIC}/policies/mcmeet#s-5-6"
    for r in results:
        check_html(r["input_message_content"]["message_text"])
        assert len(r["id"].encode()) <= 64


def test_inline_query_empty_offers_examples_and_unanswered_offers_nothing(running, standin):
    standin.push(inline_update("", from_user=user(AGENT_EN, "en"), query_id="iq-empty"))
    standin.push(inline_update("明天会下雨吗", from_user=user(AGENT), query_id="iq-none"))
    [empty] = standin.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-empty")
    assert 1 <= len(empty.params["results"]) <= 3
    assert empty.params["results"][0]["title"] == "Example: How do I delete my account?"
    [none] = standin.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-none")
    assert none.params["results"] == [] and "没有找到" in none.params["button"]["text"]


def test_chosen_inline_result_is_logged(running, standin, tg_store):
    question = "盟畅会收集我的手机号码吗？"
    standin.push(chosen_inline_update(question, from_user=user(AGENT)))

    def logged():
        tg_store.flush()
        return [r for r in tg_store.question_rows() if r["question"] == question]

    deadline = time.monotonic() + 10
    while not logged():
        assert time.monotonic() < deadline, "chosen inline result not logged"
        time.sleep(0.05)
    assert logged()[0]["channel"] == "telegram"


# -- feedback ----------------------------------------------------------------------------------

def vote(standin, call, which: str, uid=AGENT, query_id="cb"):
    data = next(b["callback_data"] for b in buttons(call)
                if b.get("callback_data", "").endswith(":" + which))
    standin.push(callback_update(data, from_user=user(uid), message=call.result,
                                 query_id=query_id))
    return data.split(":")[1]


def test_votes_are_stored_with_the_clause_shown(running, standin, chat, tg_store):
    [call] = ask(standin, "怎么注销账号？", chat)
    qid = vote(standin, call, "up", query_id="cb-up")
    [ack] = standin.wait("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cb-up")
    assert "谢谢" in ack.params["text"]
    [edit] = standin.wait("editMessageReplyMarkup", chat_of(chat))
    kept = [b for row in edit.params["reply_markup"]["inline_keyboard"] for b in row]
    assert kept == [{"text": "📄 查看原文", "url": f"{PUBLIC}/policies/mcmeet#s-5-6"}]
    [row] = [r for r in tg_store.feedback_rows() if r["question_id"] == qid]
    assert row["vote"] == "up" and row["channel"] == "telegram"
    assert (row["policy_id"], row["section_id"]) == ("mcmeet", "5.6")
    assert row["question"] == "怎么注销账号？" and row["url"].endswith("#s-5-6")
    assert row["client"] and str(AGENT) not in row["client"]


def test_a_down_vote_on_an_unanswered_reply_says_not_answered(running, standin, chat, tg_store):
    [call] = ask(standin, "明天会下雨吗", chat)
    qid = vote(standin, call, "down", query_id="cb-down")
    [ack] = standin.wait("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cb-down")
    assert "👎" in ack.params["text"]
    [row] = [r for r in tg_store.feedback_rows() if r["question_id"] == qid]
    assert row["vote"] == "down" and row["reason"] == "not_answered" and row["policy_id"] is None


def test_a_vote_the_store_cannot_take_is_reported(running, standin, chat, tg_store, monkeypatch):
    [call] = ask(standin, "怎么注销账号？", chat)

    def down(**kw):
        raise StoreError("log database unavailable")

    monkeypatch.setattr(tg_store, "add_feedback", down)
    vote(standin, call, "down", query_id="cb-fail")
    [ack] = standin.wait("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "cb-fail")
    assert ack.params["show_alert"] is True and "稍后" in ack.params["text"]
    assert not standin.calls_of("editMessageReplyMarkup", chat_of(chat))


def test_stale_or_forged_buttons_are_answered(running, standin, chat):
    msg = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": "x"}
    standin.push(callback_update("fb:not-hex:up", from_user=user(AGENT), message=msg,
                                 query_id="cb-bad"))
    standin.push(callback_update("other", from_user=user(AGENT), message=msg, query_id="cb-other"))
    for qid in ("cb-bad", "cb-other"):
        [ack] = standin.wait("answerCallbackQuery", lambda c: c.params["callback_query_id"] == qid)
        assert "失效" in ack.params["text"]


# -- errors ------------------------------------------------------------------------------------

def test_a_bot_api_error_is_logged_and_the_bot_keeps_answering(running, standin, caplog):
    caplog.set_level(logging.ERROR, logger="privacybot.telegram")
    failing, next_chat = next(_chats), next(_chats)
    standin.fail_next("sendMessage", 400, "Bad Request: chat not found")
    standin.push(message_update("怎么注销账号？", chat_id=failing, from_user=user(AGENT)))
    [failed] = standin.wait("sendMessage", chat_of(failing))
    assert failed.result == {"error": (400, "Bad Request: chat not found")}
    [call] = ask(standin, "会收集我的位置信息吗？", next_chat)
    assert "<blockquote>" in call.params["text"]
    deadline = time.monotonic() + 10
    while not any("chat not found" in r.getMessage().lower() for r in caplog.records):
        assert time.monotonic() < deadline, "the Bot API error was not logged"
        time.sleep(0.05)


def test_a_refused_clause_button_is_dropped_not_the_answer(running, standin, chat):
    standin.fail_next("sendMessage", 400, "Bad Request: inline keyboard button URL "
                                          "'http://127.0.0.1:8000/policies/mcmeet#s-5-6' is invalid")
    calls = ask(standin, "怎么注销账号？", chat, count=2)
    assert "error" in calls[0].result and "<blockquote>" in calls[1].params["text"]
    assert [b.get("url") for b in buttons(calls[1])] == [None, None]  # the votes stay


# -- invalid text and malformed updates ----------------------------------------------------------

def test_a_lone_surrogate_in_a_private_question_gets_an_answer(running, standin, chat, tg_store):
    [call] = ask(standin, "\ud800怎么注销账号？\udfff", chat)
    assert "5.6 注销帐号" in call.params["text"]
    tg_store.flush()
    assert any(r["question"] == "\ufffd怎么注销账号？\ufffd" for r in tg_store.question_rows())


def test_a_lone_surrogate_in_a_group_mention_and_an_inline_query(running, standin, group):
    [call] = ask(standin, f"@{BOT_USERNAME} \udc00怎么注销账号？", group, chat_type="supergroup")
    assert "5.6 注销帐号" in call.params["text"]
    standin.push(inline_update("\ud83d注销账号", from_user=user(AGENT), query_id="iq-surrogate"))
    [iq] = standin.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-surrogate")
    assert iq.params["results"]


def _msg(chat_id, **changes):
    m = {"message_id": 7, "date": 1700000000, "chat": {"id": chat_id, "type": "private"},
         "from": user(AGENT), "text": "怎么注销账号？"}
    m.update(changes)
    return {k: v for k, v in m.items() if v is not None}


MALFORMED = [
    lambda c: {"message": _msg(c, chat=None)},
    lambda c: {"message": _msg(c, text={"a": 1})},
    lambda c: {"message": _msg(c, text=["怎么注销账号？"])},
    lambda c: {"message": _msg(c, chat="private")},
    lambda c: {"message": _msg(c, chat={"id": "x", "type": "private"})},
    lambda c: {"message": _msg(c, date="yesterday")},
    lambda c: {"message": _msg(c, entities=[{"type": 1}])},
    lambda c: {"message": _msg(c, text="/ask 注销", entities=[{"type": "bot_command"}])},
    lambda c: {"message": _msg(c, **{"from": "agent"})},
    lambda c: {"message": [1, 2]},
    lambda c: {"message": "hello"},
    lambda c: {"edited_message": _msg(c, text=5)},
    lambda c: {"message": _msg(c, chat={"id": c, "type": "supergroup"},
                               text=f"@{BOT_USERNAME} 注销", reply_to_message={"text": 5})},
    lambda c: {"inline_query": {"id": "iq-bad", "from": user(AGENT), "query": 5, "offset": ""}},
    lambda c: {"inline_query": {"id": "iq-bad2", "query": "注销", "offset": ""}},
    lambda c: {"chosen_inline_result": {"result_id": "r", "from": user(AGENT), "query": None}},
    lambda c: {"callback_query": {"id": "cb-bad-1", "from": user(AGENT), "chat_instance": "1",
                                  "data": {"fb": 1}}},
    lambda c: {"callback_query": {"id": "cb-bad-2", "from": 5, "data": "fb:ab:up"}},
    lambda c: {"callback_query": {"id": "cb-bad-3", "from": user(AGENT), "data": "fb:ab:up",
                                  "message": {"chat": 5}}},
]


def test_malformed_updates_are_ignored_quietly(running, standin, caplog):
    caplog.set_level(logging.DEBUG)
    chats = [next(_chats) for _ in MALFORMED]
    for make, c in zip(MALFORMED, chats):
        standin.push(make(c))
    # a question after them: once it is answered, the malformed ones were handled
    [call] = ask(standin, "会收集我的位置信息吗？", next(_chats))
    assert "<blockquote>" in call.params["text"]
    for c in chats:
        assert not standin.calls_of("sendMessage", chat_of(c))
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info], \
        [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    ignored = [r.getMessage() for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == len(MALFORMED), ignored


# -- long replies and hostile policies (a corpus of their own) ---------------------------------

LONG_TITLE = "这是一个特别特别长的隐私政策标题，用来让政策列表超过 Telegram 单条消息四千零九十六个字符的上限" * 2


@pytest.fixture(scope="module")
def odd_index(tmp_path_factory) -> PolicyIndex:
    folder = tmp_path_factory.mktemp("odd-corpus")
    for i in range(40):
        (folder / f"p{i:02d}.md").write_text(
            f"---\nid: p{i:02d}\ntitle: \"{LONG_TITLE}{i}\"\nproduct: 产品{i}\n"
            f"updated: 2024-01-{i % 28 + 1:02d}\nlanguage: zh\n---\n"
            f"## 一、Cookie\n1.1\n我们使用 Cookie 记住您的偏好设置 {i}。\n", encoding="utf-8")
    (folder / "evil.md").write_text(
        "---\nid: evil\ntitle: \"<b>Evil</b><script>alert(1)</script> & Co 隐私政策\"\n"
        "product: \"Evil&Co <i>\"\nupdated: 2024-05-01\nlanguage: zh\n---\n"
        "## 五、<您的权利> & 注销\n5.6\n注销帐号\n您可以在“设置 > 账号 & 安全”中注销帐号 "
        "<script>alert(\"x\")</script>，注销后我们将删除您的个人信息 &amp; 数据。\n",
        encoding="utf-8")
    return PolicyIndex.from_folder(folder)


@pytest.fixture(scope="module")
def odd_bot(odd_index, tmp_path_factory):
    with BotApiStandIn() as s:
        store = Store(f"sqlite:///{tmp_path_factory.mktemp('odd') / 'log.sqlite3'}")
        with polling(make_bot(s, odd_index, store, allowed=None)):
            yield s
        store.close()


def test_a_reply_over_4096_characters_is_split_with_balanced_tags(odd_bot, odd_index):
    chat = next(_chats)
    odd_bot.push(message_update("/policies", chat_id=chat, from_user=user(5)))
    # wait until the whole list arrived: every policy's product is named once
    deadline = time.monotonic() + 10
    while True:
        calls = odd_bot.calls_of("sendMessage", chat_of(chat))
        if all(f"<b>产品{i}</b>" in texts(calls) for i in range(40)) and "Evil" in texts(calls):
            break
        assert time.monotonic() < deadline, f"{len(calls)} parts so far"
        time.sleep(0.05)
    assert len(calls) >= 2
    assert sum(len(c.params["text"]) for c in calls) > 4096
    for c in calls:
        assert len(c.params["text"]) <= 4096 and tr.ulen(c.params["text"]) <= 4096
        check_html(c.params["text"])
    assert len(odd_index.policies) == 41


def test_hostile_text_in_a_policy_is_escaped(odd_bot):
    chat = next(_chats)
    odd_bot.push(message_update("怎么注销账号", chat_id=chat, from_user=user(5)))
    [call] = odd_bot.wait("sendMessage", chat_of(chat))
    text = call.params["text"]
    visible = check_html(text)
    assert "<script>" in visible and 'alert("x")' in visible  # shown as text, verbatim
    assert "&lt;script&gt;" in text and "Evil&amp;Co &lt;i&gt;" in text
    assert "&amp;amp; 数据" in text  # the policy's own "&amp;" is quoted as written
    standin_inline = odd_bot.push(inline_update("怎么注销账号", from_user=user(5), query_id="iq-odd"))
    assert standin_inline
    [iq] = odd_bot.wait("answerInlineQuery", lambda c: c.params["inline_query_id"] == "iq-odd")
    for r in iq.params["results"]:
        check_html(r["input_message_content"]["message_text"])
    assert iq.params["results"][0]["title"].startswith("Evil&Co <i>")  # titles are plain text


# -- webhook through the real app --------------------------------------------------------------

@pytest.fixture
def webhook_env(monkeypatch, standin):
    for key in [k for k in os.environ if k.startswith("TELEGRAM_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", standin.url + "/bot")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.test/telegram/webhook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "hook-Secret_123")
    monkeypatch.setenv("TELEGRAM_ALLOWED_USERS", f"{AGENT}")


def test_webhook_through_the_web_app(webhook_env, standin, policy_index, tg_store, hermetic_env,
                                     caplog):
    from bot.api import create_app
    from bot.settings import Settings
    from conftest import serve_app

    caplog.set_level(logging.INFO, logger="privacybot.telegram")
    app = create_app(Settings(), policy_index, tg_store)
    sets_before = len(standin.calls_of("setWebhook"))
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
        [hook] = standin.wait("setWebhook", count=sets_before + 1)[sets_before:]
        assert hook.params["url"] == "https://bot.example.test/telegram/webhook"
        assert hook.params["secret_token"] == "hook-Secret_123"
        chat = next(_chats)
        update = message_update("怎么注销账号？", chat_id=chat, from_user=user(AGENT))
        update["update_id"] = 900_001
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                        {"X-Telegram-Bot-Api-Secret-Token": "hook-Secret_12"}):
            r = http.post("/telegram/webhook", json=update, headers=headers)
            assert r.status_code == 403, r.text
        good = {"X-Telegram-Bot-Api-Secret-Token": "hook-Secret_123"}
        for body in (b"{not json", b"[1, 2]", b'{"no_update_id": 1}', "\udcff".encode("utf-8", "surrogatepass"),
                     b'{"update_id": 5, "message": {"text": "no chat"}}',
                     b'{"update_id": 6, "message": {"message_id": 1, "date": 0, "text": "x"}}',
                     b'{"update_id": 7, "message": {"message_id": 1, "date": 0, "text": {},'
                     b' "chat": {"id": 1, "type": "private"}}}'):
            r = http.post("/telegram/webhook", content=body, headers=good)
            assert r.status_code == 400, (body, r.status_code, r.text)
        assert not standin.calls_of("sendMessage", chat_of(chat))
        r = http.post("/telegram/webhook", json=update, headers=good)
        assert r.status_code == 200
        [call] = standin.wait("sendMessage", chat_of(chat))
        assert "<blockquote>5.6 注销帐号" in call.params["text"]
        other = next(_chats)
        raw = json.dumps(message_update("\ud800怎么注销账号？", chat_id=other, from_user=user(AGENT))
                         | {"update_id": 900_002})
        assert http.post("/telegram/webhook", content=raw, headers=good).status_code == 200
        [call] = standin.wait("sendMessage", chat_of(other))
        assert "5.6 注销帐号" in call.params["text"]
        assert http.get("/healthz").status_code == 200  # the rest of the app is unaffected
        assert "/telegram/webhook" not in http.get("/openapi.json").text
    assert any("wrong or missing secret" in r.getMessage() for r in caplog.records)
    assert any("bad update" in r.getMessage() for r in caplog.records)


def test_webhook_is_not_mounted_without_a_secret(webhook_env, monkeypatch, policy_index, tg_store,
                                                 hermetic_env, caplog):
    from bot.api import create_app
    from bot.settings import Settings

    monkeypatch.delenv("TELEGRAM_WEBHOOK_SECRET")
    app = create_app(Settings(), policy_index, tg_store)
    assert "/telegram/webhook" not in [getattr(r, "path", None) for r in app.routes]
    assert any("TELEGRAM_WEBHOOK_SECRET is not set" in r.getMessage() for r in caplog.records)


def test_webhook_survives_a_failing_set_webhook(webhook_env, standin, policy_index, tg_store,
                                                hermetic_env, caplog):
    from bot.api import create_app
    from bot.settings import Settings
    from conftest import serve_app

    standin.fail_next("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
    app = create_app(Settings(), policy_index, tg_store)
    with serve_app(app) as url:
        assert httpx.get(url + "/healthz", trust_env=False).status_code == 200
    assert any("set_webhook" in r.getMessage() and "url must be provided" in r.getMessage().lower()
               for r in caplog.records)


def test_webhook_retries_when_the_bot_api_is_unreachable(webhook_env, standin, policy_index,
                                                         tg_store, hermetic_env, monkeypatch):
    from bot.api import create_app
    from bot.settings import Settings
    from bot.telegram import Webhook
    from conftest import serve_app

    monkeypatch.setattr(Webhook, "RETRY_FIRST", 0.05)
    before = len(standin.calls_of("setWebhook"))
    standin.fail_next("getMe", 502, "Bad Gateway")
    standin.fail_next("setWebhook", 500, "Internal Server Error")
    app = create_app(Settings(), policy_index, tg_store)
    with serve_app(app) as url, httpx.Client(base_url=url, trust_env=False, timeout=10) as http:
        calls = standin.wait("setWebhook", count=before + 2)[before:]
        assert "error" in calls[0].result and calls[1].result is True
        chat = next(_chats)
        update = {"update_id": 900_002, **message_update("/policies", chat_id=chat,
                                                          from_user=user(AGENT))}
        r = http.post("/telegram/webhook", json=update,
                      headers={"X-Telegram-Bot-Api-Secret-Token": "hook-Secret_123"})
        assert r.status_code == 200
        standin.wait("sendMessage", chat_of(chat))


# -- the command line --------------------------------------------------------------------------

def cli_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "PRIVACYBOT_"))
           and k not in ("DATABASE_URL", "PUBLIC_BASE_URL")}
    env["PRIVACYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env.update(extra)
    return env


PRIVACYBOT = str(Path(sys.executable).parent / "privacybot")


@pytest.mark.parametrize("extra, message", [
    ({}, "TELEGRAM_BOT_TOKEN is not set"),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_ALLOWED_USERS": "alice"}, "TELEGRAM_ALLOWED_USERS"),
])
def test_cli_without_a_usable_configuration_exits_2(tmp_path, extra, message):
    r = subprocess.run([PRIVACYBOT, "telegram"], env=cli_env(tmp_path, **extra),
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr


def test_cli_polls_the_bot_api_until_interrupted(tmp_path):
    with BotApiStandIn() as s:
        env = cli_env(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=s.url,
                      PUBLIC_BASE_URL="https://help.example.com")
        proc = subprocess.Popen([PRIVACYBOT, "telegram"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            s.wait("deleteWebhook", timeout=60)  # polling started
            s.push(message_update("怎么注销账号？", chat_id=77, from_user=user(AGENT)))
            [call] = s.wait("sendMessage", chat_of(77), timeout=20)
            assert buttons(call)[0]["url"] == "https://help.example.com/policies/mcmeet#s-5-6"
        finally:
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        assert "polling" in err and TOKEN not in err and "Traceback" not in err
