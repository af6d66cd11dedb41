"""Human handoff in the agents' Telegram chat (TELEGRAM_AGENT_CHAT_ID).

To the agents (`Relay`, used by the web app): one card per new handoff — the visitor's question,
what the bot answered (heading and link) or that it could not, language, policy, contact — with
Claim and Close buttons; the visitor's later messages as replies to that card.

From the agents (`add_handlers`, part of the bot wherever it runs: polling in `privacybot serve`
or `privacybot telegram`, or the webhook): a Telegram reply to any message of a handoff goes to
the visitor as text; `/quote QUESTION` as such a reply sends the best clause as a clause card.
Handlers run in group -1, before the bot's question handlers, and stop there when a message was
a handoff's; anything else goes on to them. Everything is HTML-escaped both ways (the widget
shows text only).
"""
from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (Application, ApplicationHandlerStop, CallbackQueryHandler,
                          CommandHandler, ContextTypes, MessageHandler, filters)

from .handoff_store import ConversationClosed, Handoffs, clean_text
from .store import StoreError

log = logging.getLogger("privacybot.handoff")

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
BUTTON_RE = re.compile(r"ho:(claim|close):([0-9a-f]{32})")
RETRY_DELAYS = (1.0, 3.0, 10.0)  # seconds between attempts at one message to the agents
REASON_TEXT = {"refused": "机器人答不上 / the bot could not answer",
               "downvote": "访客点了 👎 / the visitor gave 👎",
               "panel": "访客主动要求 / asked from the panel"}
LANG_TEXT = {"zh": "中文", "zh-Hant": "繁體中文", "en": "English"}


def esc(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=False)


def _link(url: str | None, label: str) -> str:
    if url and url.startswith(("https://", "http://")):
        return f'<a href="{html.escape(url, quote=True)}">{esc(label)}</a>'
    return esc(label)


def card_html(row: dict) -> str:
    """The first message of a handoff in the agents' chat."""
    lines = [f"🙋 <b>转人工 / Handoff</b> #{row['id'][:8]}"]
    if row.get("question"):
        lines.append(f"<b>问题 / Question:</b> {esc(row['question'])}")
    else:
        lines.append("<b>问题 / Question:</b> —")
    if row.get("answered"):
        lines.append("<b>机器人回答 / Bot answered:</b> "
                     + _link(row.get("answer_url"), row.get("answer_heading") or "?"))
    elif row.get("question"):
        lines.append("<b>机器人回答 / Bot answered:</b> 没能回答 / could not answer")
    if row.get("reason") in REASON_TEXT:
        lines.append(f"<b>原因 / Why:</b> {REASON_TEXT[row['reason']]}")
    lines.append(f"<b>语言 / Language:</b> {esc(LANG_TEXT.get(row.get('lang') or '', row.get('lang') or '?'))}"
                 f" · <b>政策 / Policy:</b> {esc(row.get('policy_id') or '全部 / all')}")
    if row.get("contact"):
        lines.append(f"<b>联系方式 / Contact:</b> {esc(row['contact'])}")
    lines.append("<i>回复（Reply）本消息即可答复访客；回复中发 /quote 问题 可发送条款。\n"
                 "Reply to this message to answer the visitor; /quote QUESTION in a reply sends "
                 "a clause.</i>")
    return "\n".join(lines)


def card_buttons(handoff_id: str, status: str) -> InlineKeyboardMarkup | None:
    row = []
    if status == "open":
        row.append(InlineKeyboardButton("🙋 认领 / Claim", callback_data=f"ho:claim:{handoff_id}"))
    if status != "closed":
        row.append(InlineKeyboardButton("✅ 结束 / Close", callback_data=f"ho:close:{handoff_id}"))
    return InlineKeyboardMarkup([row]) if row else None


class Relay:
    """Sends a handoff's messages to the agents' chat, in order per conversation, in the
    background (the visitor's request never waits for Telegram); failures are retried, then
    logged. Each sent message is linked to its conversation, so replies to it find it."""

    def __init__(self, handoff, bot, chat_id: int, retry_delays=RETRY_DELAYS):
        self.handoff = handoff
        self.bot = bot
        self.chat_id = chat_id
        self.retry_delays = retry_delays
        self._ready = False
        self._locks: dict[str, list] = {}  # handoff id → [lock, users]
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def from_env(cls, handoff, environ: Mapping[str, str] | None = None, settings=None) -> "Relay | None":
        from telegram import Bot

        from .telegram import ConfigError, TelegramConfig, _quiet_http_logs

        try:
            config = TelegramConfig.from_env(environ, settings)
        except ConfigError as e:
            log.error("handoff to Telegram is off: %s", e)
            return None
        _quiet_http_logs()
        bot = Bot(config.token, base_url=config.api_base_url, base_file_url=config.file_base_url)
        return cls(handoff, bot, handoff.config.telegram_chat_id)

    # -- what the web app calls (from its event loop) -----------------------------------------------
    def new_handoff(self, row: dict) -> None:
        self._spawn(row["id"], lambda: self._ensure_card(row))

    def visitor_message(self, row: dict, text: str) -> None:
        self._spawn(row["id"], lambda: self._in_thread(row, f"💬 <b>访客 / Visitor:</b> {esc(text)}"))

    def contact(self, row: dict, email: str) -> None:
        self._spawn(row["id"], lambda: self._in_thread(
            row, f"📧 <b>联系方式 / Contact:</b> {esc(email)}"))

    def from_admin(self, row: dict, text: str, agent: str) -> None:
        """An answer given in /admin, so the agents in Telegram see it too."""
        self._spawn(row["id"], lambda: self._in_thread(
            row, f"🖥 <b>{esc(agent)}</b> (/admin): {esc(text)}"))

    def closed(self, row: dict, agent: str) -> None:
        self._spawn(row["id"], lambda: self._in_thread(
            row, f"✅ 已结束 / Closed by {esc(agent)}"))

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the messages being sent (tests, shutdown)."""
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)

    async def close(self) -> None:
        await self.drain(5.0)
        for t in list(self._tasks):
            t.cancel()
        if self._ready:
            self._ready = False
            try:
                await self.bot.shutdown()
            except Exception:  # noqa: BLE001 - shutting down anyway
                pass

    # -- sending ------------------------------------------------------------------------------------
    def _spawn(self, handoff_id: str, make) -> None:
        task = asyncio.get_running_loop().create_task(self._run(handoff_id, make))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, handoff_id: str, make) -> None:
        entry = self._locks.setdefault(handoff_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                for attempt, delay in enumerate((0.0, *self.retry_delays)):
                    if delay:
                        await asyncio.sleep(delay)
                    try:
                        await make()
                        return
                    except (TelegramError, StoreError, OSError) as e:
                        log.warning("handoff %s: message to the agents failed (attempt %d): %s",
                                    handoff_id[:8], attempt + 1, e)
                log.error("handoff %s: message to the agents given up after retries",
                          handoff_id[:8])
        finally:
            entry[1] -= 1
            if not entry[1]:
                self._locks.pop(handoff_id, None)

    async def _bot(self):
        if not self._ready:
            await self.bot.initialize()
            self._ready = True
        return self.bot

    async def _ensure_card(self, row: dict) -> int:
        store = await asyncio.to_thread(lambda: self.handoff.handoffs)  # may wait for the log
        card = await asyncio.to_thread(store.card_of, row["id"], self.chat_id)
        if card is not None:
            return card
        fresh = await asyncio.to_thread(store.get, row["id"]) or row
        bot = await self._bot()
        msg = await bot.send_message(self.chat_id, card_html(fresh), parse_mode=ParseMode.HTML,
                                     reply_markup=card_buttons(fresh["id"], fresh["status"]),
                                     link_preview_options=NO_PREVIEW)
        await asyncio.to_thread(store.link_telegram, row["id"], self.chat_id, msg.message_id, True)
        return msg.message_id

    async def _in_thread(self, row: dict, text_html: str) -> None:
        card = await self._ensure_card(row)  # a card that failed before is sent first
        bot = await self._bot()
        msg = await bot.send_message(
            self.chat_id, text_html, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
            reply_parameters=ReplyParameters(card, allow_sending_without_reply=True))
        await asyncio.to_thread(self.handoff.handoffs.link_telegram, row["id"], self.chat_id,
                                msg.message_id)


# -- from the agents: handlers of the bot -------------------------------------------------------------

def add_handlers(application: Application, bot, environ: Mapping[str, str] | None = None) -> None:
    """Add the handoff handlers to the bot's Application when TELEGRAM_AGENT_CHAT_ID is set.
    `bot` is the TelegramBot (its config, index and store)."""
    from .handoff import HUB, HandoffConfig

    config = HandoffConfig.from_env(environ)
    if config.telegram_chat_id is None:
        return
    agents = AgentHandlers(bot, config.telegram_chat_id, HUB)
    in_chat = filters.Chat(config.telegram_chat_id) & filters.UpdateType.MESSAGE & filters.REPLY
    application.add_handler(CommandHandler("quote", agents.on_quote, filters=in_chat), group=-1)
    application.add_handler(MessageHandler(in_chat & ~filters.COMMAND, agents.on_reply), group=-1)
    application.add_handler(CallbackQueryHandler(agents.on_button, pattern=r"^ho:"), group=-1)


class AgentHandlers:
    def __init__(self, bot, chat_id: int, hub):
        self.bot, self.chat_id, self.hub = bot, chat_id, hub

    async def _store(self) -> Handoffs | None:
        """The handoff tables (None without a log); StoreError when the log is down or not
        open yet. In a worker thread: at start the log may still be opening (deferred_store)."""
        store = self.bot.get_store()
        if store is None:
            return None
        return Handoffs(await asyncio.to_thread(lambda: store.engine))

    async def _thread_of(self, update: Update) -> tuple[Handoffs, dict] | None:
        """The handoff the replied-to message belongs to, or None (not a handoff's)."""
        message = update.effective_message
        target = message.reply_to_message
        if target is None:
            return None
        try:
            hs = await self._store()
            if hs is None:
                return None
            row = await asyncio.to_thread(hs.by_telegram, message.chat_id, target.message_id)
        except StoreError:
            await message.reply_text("⚠️ 数据库不可用，消息没有转给访客 / The log database is "
                                     "unavailable: not delivered", do_quote=True)
            raise ApplicationHandlerStop
        return (hs, row) if row else None

    @staticmethod
    def _name(update: Update) -> str:
        user = update.effective_user
        return clean_text(user.full_name, 128) if user else "agent"

    async def _deliver(self, update: Update, hs: Handoffs, row: dict, **message) -> bool:
        reply_to = update.effective_message
        try:
            await asyncio.to_thread(hs.add_message, row["id"], sender="agent",
                                    agent=self._name(update), **message)
        except ConversationClosed:
            await reply_to.reply_text("这个对话已结束，访客收不到 / This conversation is closed; "
                                      "the visitor will not see this", do_quote=True)
            return False
        except StoreError:
            await reply_to.reply_text("⚠️ 数据库不可用，消息没有转给访客 / The log database is "
                                      "unavailable: not delivered", do_quote=True)
            return False
        self.hub.notify(row["id"])
        await asyncio.to_thread(hs.link_telegram, row["id"], reply_to.chat_id, reply_to.message_id)
        return True

    async def on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        found = await self._thread_of(update)
        if found is None:
            return  # not a handoff's: the bot's own handlers take it
        hs, row = found
        message = update.effective_message
        if not self.bot._allowed(update):
            await self.bot._refuse(update)
            raise ApplicationHandlerStop
        text = clean_text(message.text or "")
        if not text:
            await message.reply_text("只能转发文字 / Only text is passed on to the visitor",
                                     do_quote=True)
            raise ApplicationHandlerStop
        if await self._deliver(update, hs, row, text=text):
            log.info("handoff %s: agent reply delivered", row["id"][:8])
            try:
                await message.set_reaction("👌")
            except TelegramError as e:
                log.info("could not react to the agent's reply: %s", e)
        raise ApplicationHandlerStop

    async def on_quote(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        found = await self._thread_of(update)
        if found is None:
            return
        hs, row = found
        if not self.bot._allowed(update):
            await self.bot._refuse(update)
            raise ApplicationHandlerStop
        question = clean_text(re.sub(r"^/\S+", "", message.text or "", count=1), 500)
        if not question:
            await message.reply_text("用法：回复访客的消息并发 /quote 问题 / Usage: /quote QUESTION "
                                     "as a reply in the visitor's thread", do_quote=True)
            raise ApplicationHandlerStop
        reply = await asyncio.to_thread(self.bot.get_index().ask, question, row["policy_id"], 1,
                                        row["lang"], self.bot.config.public_base_url)
        if not (reply.answered and reply.answers):
            await message.reply_text("没有找到回答它的条款，没有发送 / No clause answers that; "
                                     "nothing was sent", do_quote=True)
            raise ApplicationHandlerStop
        a = reply.answers[0]
        answer = {k: getattr(a, k) for k in ("policy_id", "policy_title", "product", "section_id",
                                              "heading", "quote", "url", "updated")}
        if await self._deliver(update, hs, row, text=f"{a.product} › {a.heading}", kind="clause",
                               payload=answer):
            quote = a.quote if len(a.quote) <= 600 else a.quote[:600] + "…"
            await message.reply_html(
                f"📎 已发给访客 / Sent to the visitor: {_link(a.url, f'{a.product} › {a.heading}')}"
                f"\n<blockquote>{esc(quote)}</blockquote>", do_quote=True,
                link_preview_options=NO_PREVIEW)
        raise ApplicationHandlerStop

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        cq = update.callback_query
        m = BUTTON_RE.fullmatch(cq.data or "")
        try:
            hs = await self._store()
        except StoreError:
            await cq.answer("数据库不可用 / The log database is unavailable", show_alert=True)
            raise ApplicationHandlerStop
        if not m or hs is None:
            await cq.answer("这个按钮已失效 / This button no longer works")
            raise ApplicationHandlerStop
        if not self.bot._allowed(update):
            await cq.answer("没有权限 / Not allowed", show_alert=True)
            raise ApplicationHandlerStop
        action, hid = m.groups()
        name = self._name(update)
        try:
            if action == "claim":
                row = await asyncio.to_thread(hs.claim, hid, name)
                if row is not None:
                    await asyncio.to_thread(hs.add_message, hid, sender="system", kind="status",
                                            text=name, agent=name, payload={"event": "claimed"})
            else:
                closed = await asyncio.to_thread(hs.close, hid)
                row = await asyncio.to_thread(hs.get, hid) if closed else None
                if row is not None:
                    await asyncio.to_thread(hs.add_message, hid, sender="system", kind="status",
                                            text=name, agent=name, payload={"event": "closed"},
                                            allow_closed=True)
        except StoreError:
            await cq.answer("数据库不可用 / The log database is unavailable", show_alert=True)
            raise ApplicationHandlerStop
        if row is None:
            await cq.answer("这个对话已结束 / This conversation is already closed")
            raise ApplicationHandlerStop
        self.hub.notify(hid)
        log.info("handoff %s %s", hid[:8], "claimed" if action == "claim" else "closed")
        await cq.answer(f"已认领 / Claimed by {name}" if action == "claim" else "已结束 / Closed")
        try:
            if cq.message is not None:
                await cq.edit_message_text(
                    card_html(row) + (f"\n🙋 {esc(name)}" if action == "claim"
                                      else f"\n✅ 已结束 / Closed by {esc(name)}"),
                    parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW,
                    reply_markup=card_buttons(hid, row["status"]))
        except TelegramError as e:
            log.info("could not update the handoff card: %s", e)
        raise ApplicationHandlerStop
