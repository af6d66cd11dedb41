"""The Telegram bot for support agents (python-telegram-bot v22).

Agents ask in a private chat, with /ask, a mention or a reply in a team group, or in inline mode
(`@bot 怎么注销账号`) to paste a clause to a customer. Replies quote the clause (HTML, escaped),
with a button to open it and 👍/👎 buttons whose votes go to the question/feedback log.

Two ways to run: `privacybot telegram` polls the Bot API (`main`); or, with TELEGRAM_WEBHOOK_URL
set, `privacybot serve` receives updates at POST /telegram/webhook (`attach_webhook`,
`start_webhook`, `stop_webhook`), so one process serves widget, API and bot.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import re
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from telegram import (BotCommand, BotCommandScopeDefault, InlineKeyboardButton,
                      InlineKeyboardMarkup, InlineQueryResultArticle, InlineQueryResultsButton,
                      InputTextMessageContent, LinkPreviewOptions, MessageEntity, Update)
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.ext import (Application, CallbackQueryHandler, ChosenInlineResultHandler,
                          CommandHandler, ContextTypes, Defaults, InlineQueryHandler,
                          MessageHandler, filters)

from index import PolicyIndex, Reply
from index.answer import EXAMPLES
from index.cleaning import clean_json

from . import telegram_render as tr
from .settings import Settings
from .store import Store, StoreError, UnknownQuestion
from .telegram_input import CleanRequest, problem

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.requests import Request
    from starlette.responses import Response

log = logging.getLogger("privacybot.telegram")

CHANNEL = "telegram"
MAX_QUESTION = 500
DEFAULT_API = "https://api.telegram.org"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8000"
WEBHOOK_PATH = "/telegram/webhook"
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token
TOKEN_RE = re.compile(r"\d+:[A-Za-z0-9_-]+")
FEEDBACK_RE = re.compile(r"fb:([0-9a-f]{1,32}):(up|down)")
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
SHOWN_KEPT = 5000  # answers remembered for the feedback on them (question, clause shown)
MAX_UPDATE_BYTES = 1_000_000


class ConfigError(ValueError):
    """The Telegram configuration in the environment cannot be used."""


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    api_base_url: str = DEFAULT_API + "/bot"  # PTB appends the token
    public_base_url: str = DEFAULT_PUBLIC_BASE_URL
    allowed_users: frozenset[int] | None = None  # None: everyone
    webhook_url: str | None = None
    webhook_secret: str | None = None

    @property
    def file_base_url(self) -> str:
        return self.api_base_url.removesuffix("/bot") + "/file/bot"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 settings: Settings | None = None) -> "TelegramConfig":
        """TELEGRAM_BOT_TOKEN (required), TELEGRAM_API_BASE_URL, TELEGRAM_ALLOWED_USERS,
        TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET; PUBLIC_BASE_URL through Settings."""
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError("TELEGRAM_BOT_TOKEN is not set; create a bot with @BotFather "
                              "(/newbot) and set TELEGRAM_BOT_TOKEN to the token it gives")
        if not TOKEN_RE.fullmatch(token):
            raise ConfigError("TELEGRAM_BOT_TOKEN does not look like a bot token "
                              "(digits, a colon, then letters: 123456789:AAE…)")
        public = (settings.public_base_url if settings is not None else "") \
            or env.get("PUBLIC_BASE_URL", "") or env.get("PRIVACYBOT_PUBLIC_BASE_URL", "")
        return cls(token=token,
                   api_base_url=normalize_api_base_url(env.get("TELEGRAM_API_BASE_URL", "")),
                   public_base_url=(public.strip() or DEFAULT_PUBLIC_BASE_URL).rstrip("/"),
                   allowed_users=parse_allowed_users(env.get("TELEGRAM_ALLOWED_USERS", "")),
                   webhook_url=env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None,
                   webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None)

    def allows(self, user_id: int | None) -> bool:
        return self.allowed_users is None or (user_id is not None and user_id in self.allowed_users)


def normalize_api_base_url(value: str) -> str:
    """A Bot API server address as PTB wants it ("https://host/bot", the token is appended);
    accepts it with or without the trailing "/bot"."""
    value = (value or "").strip().rstrip("/")
    if not value:
        return DEFAULT_API + "/bot"
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"TELEGRAM_API_BASE_URL must start with http:// or https://: {value!r}")
    return value if value.endswith("/bot") else value + "/bot"


def parse_allowed_users(value: str) -> frozenset[int] | None:
    """TELEGRAM_ALLOWED_USERS: comma-separated numeric user ids; empty means everyone."""
    ids = [v.strip() for v in (value or "").split(",") if v.strip()]
    if not ids:
        return None
    bad = [v for v in ids if not re.fullmatch(r"\d{1,20}", v)]
    if bad:
        raise ConfigError("TELEGRAM_ALLOWED_USERS must be comma-separated numeric Telegram user "
                          f"ids (e.g. 12345678,87654321); not ids: {', '.join(bad)}")
    return frozenset(int(v) for v in ids)


def is_local_url(url: str) -> bool:
    """True when agents' Telegram apps cannot open the address (loopback, private, no host)."""
    host = urlsplit(url).hostname or ""
    if host in ("", "localhost") or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


def _quiet_http_logs() -> None:
    # httpx logs every request URL at INFO, and Bot API URLs hold the token.
    for name in ("httpx", "httpcore"):
        lg = logging.getLogger(name)
        if lg.getEffectiveLevel() < logging.WARNING:
            lg.setLevel(logging.WARNING)


class TelegramBot:
    """The handlers and the Application that runs them. The index and the store are taken
    through callables, so a reloaded index (or the web app's store) is used as it is."""

    def __init__(self, config: TelegramConfig, get_index: Callable[[], PolicyIndex],
                 get_store: Callable[[], Store | None]):
        self.config = config
        self.get_index = get_index
        self.get_store = get_store
        self._shown: OrderedDict[str, dict] = OrderedDict()  # question id → what was shown

    # -- application ---------------------------------------------------------------------------
    def build_application(self, *, polling: bool = True) -> Application:
        """A PTB Application with every handler; without an Updater for webhook mode."""
        _quiet_http_logs()
        builder = (Application.builder().token(self.config.token)
                   .base_url(self.config.api_base_url).base_file_url(self.config.file_base_url)
                   # PTB's own defaults (256 and 1 connections), reading updates cleaned
                   .request(CleanRequest(connection_pool_size=256))
                   .get_updates_request(CleanRequest(connection_pool_size=1))
                   .concurrent_updates(16).post_init(self.setup_commands)
                   # a question deleted meanwhile still gets its answer, just not as a reply
                   .defaults(Defaults(allow_sending_without_reply=True)))
        if not polling:
            builder = builder.updater(None)
        app = builder.build()
        only_new = filters.UpdateType.MESSAGE
        app.add_handler(CommandHandler(["start", "help"], self.on_help, filters=only_new))
        app.add_handler(CommandHandler("policies", self.on_policies, filters=only_new))
        app.add_handler(CommandHandler("ask", self.on_ask, filters=only_new))
        app.add_handler(MessageHandler(
            only_new & filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, self.on_private_text))
        app.add_handler(MessageHandler(
            only_new & filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, self.on_group_text))
        app.add_handler(InlineQueryHandler(self.on_inline))
        app.add_handler(ChosenInlineResultHandler(self.on_chosen_inline))
        app.add_handler(CallbackQueryHandler(self.on_feedback, pattern=r"^fb:"))
        app.add_handler(CallbackQueryHandler(self.on_stale_button))
        app.add_error_handler(self.on_error)
        from . import handoff_telegram

        handoff_telegram.add_handlers(app, self)  # replies to handoffs, when an agents' chat is set
        return app

    async def setup_commands(self, application: Application) -> None:
        """The command menu, in English and Chinese; a failure is logged, not fatal."""
        en = [BotCommand("ask", "Ask about the privacy policies"),
              BotCommand("policies", "The policies I answer from"),
              BotCommand("help", "How to use this bot")]
        zh = [BotCommand("ask", "提问隐私政策的问题"), BotCommand("policies", "我能回答的隐私政策"),
              BotCommand("help", "使用说明")]
        try:
            await application.bot.set_my_commands(en, scope=BotCommandScopeDefault())
            await application.bot.set_my_commands(zh, language_code="zh")
        except TelegramError as e:
            log.warning("could not set the command menu: %s", e)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Network errors, Bot API errors and bad updates are logged; the bot keeps going."""
        uid = getattr(update, "update_id", None)
        err = context.error
        if isinstance(err, InvalidToken):  # its message holds the token
            log.error("Telegram rejected TELEGRAM_BOT_TOKEN (update %s)", uid)
            return
        log.error("Telegram update %s failed: %s: %s", uid, type(err).__name__, err,
                  exc_info=err if not isinstance(err, TelegramError) else None)

    # -- helpers -------------------------------------------------------------------------------
    def _allowed(self, update: Update) -> bool:
        user = update.effective_user
        return self.config.allows(user.id if user else None)

    @staticmethod
    def _lang(update: Update) -> str:
        user = update.effective_user
        return tr.ui_lang(user.language_code if user else None)

    async def _refuse(self, update: Update) -> None:
        user = update.effective_user
        log.info("refused user (not in TELEGRAM_ALLOWED_USERS)")
        await update.effective_message.reply_text(
            tr.text(self._lang(update), "refused", uid=user.id if user else "?"),
            do_quote=update.effective_chat.type != "private")

    def _ask(self, question: str, top_k: int = 3) -> tuple[Reply, float]:
        t0 = time.perf_counter()
        reply = self.get_index().ask(question, None, top_k, None, self.config.public_base_url)
        return reply, 1000 * (time.perf_counter() - t0)

    def _log_question(self, question: str, reply: Reply, ms: float, user_id: int | None) -> str | None:
        store = self.get_store()
        if store is None:
            return None
        try:
            return store.log_question(question=question, reply=reply.to_dict(), channel=CHANNEL,
                                      latency_ms=ms, client=str(user_id) if user_id else None)
        except Exception:  # the log never stops an answer
            log.exception("question not logged")
            return None

    def _remember(self, qid: str, question: str, reply: Reply) -> None:
        best = reply.answers[0] if reply.answered and reply.answers else None
        self._shown[qid] = {"question": question, "answered": reply.answered,
                            "policy_id": best and best.policy_id,
                            "section_id": best and best.section_id,
                            "url": best and best.url, "quote": best and best.quote}
        while len(self._shown) > SHOWN_KEPT:
            self._shown.popitem(last=False)

    @staticmethod
    def _keyboard(reply: Reply, qid: str | None, with_link: bool = True) -> InlineKeyboardMarkup | None:
        rows = []
        if with_link and reply.answered and reply.answers:
            label = tr.words("en" if reply.lang == "en" else "zh")["open"]
            rows.append([InlineKeyboardButton("📄 " + label, url=reply.answers[0].url)])
        if qid:
            rows.append([InlineKeyboardButton("👍", callback_data=f"fb:{qid}:up"),
                         InlineKeyboardButton("👎", callback_data=f"fb:{qid}:down")])
        return InlineKeyboardMarkup(rows) if rows else None

    async def _question(self, update: Update, question: str) -> None:
        """Answer one question in the chat it came from, and log it."""
        message = update.effective_message
        in_group = update.effective_chat.type != "private"
        if not self._allowed(update):
            await self._refuse(update)
            return
        question = question.strip()
        if len(question) > MAX_QUESTION:
            await message.reply_text(tr.text(self._lang(update), "too_long", n=MAX_QUESTION),
                                     do_quote=in_group)
            return
        reply, ms = await asyncio.to_thread(self._ask, question)
        user = update.effective_user
        qid = self._log_question(question, reply, ms, user.id if user else None)
        if qid:
            self._remember(qid, question, reply)
        log.info("telegram question in %s chat: answered=%s %.1f ms",
                 update.effective_chat.type, reply.answered, ms)
        parts = tr.split(tr.reply_spans(reply, self.get_index().policies))
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            markup = self._keyboard(reply, qid) if last else None
            kw = dict(do_quote=in_group and i == 0, link_preview_options=NO_PREVIEW)
            try:
                await message.reply_html(part, reply_markup=markup, **kw)
            except BadRequest as e:
                # Telegram refuses URL buttons it cannot open (a PUBLIC_BASE_URL on localhost):
                # answer without the button rather than not at all.
                if markup is None or "url" not in str(e).lower():
                    raise
                log.warning("Telegram refused the clause button (%s); set PUBLIC_BASE_URL to an "
                            "address agents can open", e)
                await message.reply_html(part, reply_markup=self._keyboard(reply, qid, False), **kw)

    # -- commands and messages -------------------------------------------------------------------
    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._allowed(update):
            await self._refuse(update)
            return
        lang = self._lang(update)
        await update.effective_message.reply_html(
            tr.help_text(lang, context.bot.username or "", self.get_index().policies,
                         EXAMPLES["en" if lang == "en" else "zh"]),
            link_preview_options=NO_PREVIEW)

    async def on_policies(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if not self._allowed(update):
            await self._refuse(update)
            return
        spans = tr.policies_spans(self.get_index().policies, self._lang(update),
                                  self.config.public_base_url)
        for part in tr.split(spans):
            await update.effective_message.reply_html(part, link_preview_options=NO_PREVIEW)

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        # The question as typed (context.args would lose its line breaks): after "/ask@bot".
        question = re.sub(r"^/\S+", "", message.text or "", count=1).strip()
        if not question:
            if not self._allowed(update):
                await self._refuse(update)
                return
            await message.reply_text(tr.text(self._lang(update), "ask_usage"),
                                     do_quote=message.chat.type != "private")
            return
        await self._question(update, question)

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self._question(update, update.effective_message.text or "")

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In a group, only a mention of the bot or a reply to one of its messages is a question."""
        message = update.effective_message
        bot = context.bot
        text = message.text or ""
        mentioned = False
        for entity, said in message.parse_entities(
                [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]).items():
            if ((entity.type == MessageEntity.MENTION and bot.username
                 and said.lower() == "@" + bot.username.lower())
                    or (entity.type == MessageEntity.TEXT_MENTION and entity.user
                        and entity.user.id == bot.id)):
                mentioned = True
                text = text.replace(said, " ")
        to_bot = message.reply_to_message
        replied = bool(to_bot and to_bot.from_user and to_bot.from_user.id == bot.id)
        if not (mentioned or replied):
            return
        if not text.strip():
            if not self._allowed(update):
                await self._refuse(update)
                return
            await message.reply_text(tr.text(self._lang(update), "mention_usage",
                                             username=bot.username), do_quote=True)
            return
        await self._question(update, text)

    # -- inline mode --------------------------------------------------------------------------------
    def _articles(self, reply: Reply, title_prefix: str = "", only_best: bool = False) -> list:
        out = []
        for i, a in enumerate(reply.answers[:1] if only_best else reply.answers[:3]):
            rid = hashlib.sha256(f"{reply.question}\0{a.policy_id}\0{a.section_id}".encode()).hexdigest()[:32]
            content = tr.split(tr.inline_spans(reply, i))[0]
            quote = " ".join(a.quote.split())
            heading = f"{a.product} › {a.heading}"
            out.append(InlineQueryResultArticle(
                id=f"{i}-{rid}",
                title=(title_prefix + reply.question) if title_prefix else heading,
                description=(heading + " — " if title_prefix else "") + quote[:120],
                input_message_content=InputTextMessageContent(
                    content, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW),
                reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                    "📄 " + tr.words("en" if reply.lang == "en" else "zh")["open"], url=a.url)]])))
        return out

    async def on_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Up to 3 clauses to paste; an empty query offers the example questions' answers."""
        iq = update.inline_query
        lang = self._lang(update)
        if not self._allowed(update):
            await iq.answer([], cache_time=0, is_personal=True, button=InlineQueryResultsButton(
                tr.text(lang, "refused_short"), start_parameter="access"))
            return
        query = iq.query.strip()[:MAX_QUESTION]
        if not query:
            results = []
            for example in EXAMPLES["en" if lang == "en" else "zh"]:
                reply, _ = await asyncio.to_thread(self._ask, example)
                if reply.answered:
                    results += self._articles(reply, tr.text(lang, "example"), only_best=True)
            await iq.answer(results[:3], cache_time=300)
            return
        reply, _ = await asyncio.to_thread(self._ask, query)
        if not reply.answered:
            await iq.answer([], cache_time=30, button=InlineQueryResultsButton(
                tr.text(lang, "no_answer"), start_parameter="help"))
            return
        await iq.answer(self._articles(reply), cache_time=30)

    async def on_chosen_inline(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline answer an agent sent is a question asked (needs /setinlinefeedback):
        the queries typed on the way there are not logged."""
        chosen = update.chosen_inline_result
        if not self._allowed(update) or not chosen.query.strip():
            return
        question = chosen.query.strip()[:MAX_QUESTION]
        reply, ms = await asyncio.to_thread(self._ask, question)
        self._log_question(question, reply, ms, chosen.from_user.id)

    # -- feedback -------------------------------------------------------------------------------
    async def on_feedback(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """👍/👎 under an answer: stored with the question and the clause shown."""
        cq = update.callback_query
        lang = self._lang(update)
        if not self._allowed(update):
            await cq.answer(tr.text(lang, "refused", uid=cq.from_user.id), show_alert=True)
            return
        m = FEEDBACK_RE.fullmatch(cq.data or "")
        store = self.get_store()
        if not m or store is None:
            await cq.answer(tr.text(lang, "feedback_bad"))
            return
        qid, vote = m.groups()
        shown = self._shown.get(qid, {})
        reason = "not_answered" if vote == "down" and shown.get("answered") is False else None
        index = self.get_index()

        def clause(policy_id: str, section_id: str) -> tuple[str | None, str | None]:
            answer = index.answer_of(policy_id, section_id, self.config.public_base_url)
            return (answer.url, answer.quote) if answer else (None, None)

        try:  # the question and clause come from the log, as for the web API
            await asyncio.to_thread(
                store.add_answer_feedback, question_id=qid, vote=vote, reason=reason,
                channel=CHANNEL, client=str(cq.from_user.id), shown=clause)
        except UnknownQuestion:
            await cq.answer(tr.text(lang, "feedback_bad"))
            return
        except StoreError:
            await cq.answer(tr.text(lang, "feedback_failed"), show_alert=True)
            return
        log.info("telegram feedback %s", vote)
        await cq.answer(tr.text(lang, "thanks_up" if vote == "up" else "thanks_down"))
        # One vote per answer: the 👍/👎 row goes, the link stays.
        markup = getattr(cq.message, "reply_markup", None)
        if markup is not None:
            keep = [row for row in markup.inline_keyboard
                    if not any(btn.callback_data for btn in row)]
            try:
                await cq.edit_message_reply_markup(InlineKeyboardMarkup(keep) if keep else None)
            except TelegramError as e:
                log.info("could not remove the vote buttons: %s", e)

    async def on_stale_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.callback_query.answer(tr.text(self._lang(update), "feedback_bad"))


# -- polling: `privacybot telegram` -----------------------------------------------------------------

def main(corpus: Path | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Run the bot in polling mode until interrupted. Exit codes: 0 stopped, 1 could not start
    (Bot API unreachable, token rejected, log database unusable), 2 bad configuration."""
    settings = Settings(**({"corpus": corpus} if corpus is not None else {}))
    try:
        config = TelegramConfig.from_env(environ, settings)
    except ConfigError as e:
        print(f"privacybot telegram: {e}", file=sys.stderr)
        return 2
    if config.webhook_url:
        print("privacybot telegram: TELEGRAM_WEBHOOK_URL is set, but this command polls; the "
              "webhook is removed while it runs (use `privacybot serve` for webhook mode)",
              file=sys.stderr)
    logging.getLogger("privacybot").setLevel(logging.INFO)
    index = settings.load_index()
    from sqlalchemy.exc import SQLAlchemyError

    from .store import safe_url
    try:
        store = Store(settings.database_url, hash_secret=settings.hash_secret,
                      retention_days=settings.retention_days)
    except (SQLAlchemyError, ImportError, ValueError) as e:
        print(f"privacybot telegram: cannot use the log database "
              f"{safe_url(settings.database_url)}: {e}", file=sys.stderr)
        return 1
    if is_local_url(config.public_base_url):
        print(f"privacybot telegram: clause links point to {config.public_base_url}, which agents' "
              "Telegram apps cannot open; set PUBLIC_BASE_URL to the web server's public address",
              file=sys.stderr)
    bot = TelegramBot(config, lambda: index, lambda: store)
    application = bot.build_application(polling=True)
    print(f"privacybot telegram: {len(index.policies)} policies, {len(index.entries)} clauses, "
          f"log in {safe_url(settings.database_url)}; polling "
          f"{config.api_base_url.removesuffix('/bot')} (Ctrl-C stops)", file=sys.stderr)
    try:
        application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    except InvalidToken:
        print("privacybot telegram: the Bot API rejected TELEGRAM_BOT_TOKEN; check it with "
              "@BotFather (/token)", file=sys.stderr)
        return 1
    except TelegramError as e:
        print(f"privacybot telegram: cannot reach the Bot API at "
              f"{config.api_base_url.removesuffix('/bot')}: {e}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


# -- webhook: inside `privacybot serve` ----------------------------------------------------------

class InServer:
    """The bot inside the web server, started and stopped by the app's lifespan (start_webhook,
    stop_webhook). When the Bot API cannot be reached at start, it keeps trying in the
    background, and the web app starts regardless. Subclasses say what starting means."""

    RETRY_FIRST = 5.0  # seconds before the first retry; doubled up to 5 minutes
    WHAT = "Telegram"  # how log lines name it

    def __init__(self, bot: TelegramBot, polling: bool):
        self.bot = bot
        self.config = bot.config
        self.application = bot.build_application(polling=polling)
        self.running = False
        self._retry: asyncio.Task | None = None

    async def start(self) -> None:
        if not await self._try_start():
            self._retry = asyncio.create_task(self._keep_trying())

    async def _keep_trying(self) -> None:
        delay = self.RETRY_FIRST
        while True:
            await asyncio.sleep(delay)
            if await self._try_start():
                return
            delay = min(delay * 2, 300.0)

    async def _try_start(self) -> bool:
        """One attempt; True when done, or when retrying cannot help (logged)."""
        if self.running:
            return True
        try:
            await self.application.initialize()
        except InvalidToken:
            log.error("%s: the Bot API rejected TELEGRAM_BOT_TOKEN; bot not started", self.WHAT)
            return True
        except TelegramError as e:
            log.error("%s: cannot reach the Bot API (%s); retrying", self.WHAT, e)
            return False
        await self.application.start()
        self.running = True
        await self.bot.setup_commands(self.application)
        return True

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self.running:
            self.running = False
            await self._stop_receiving()
            await self.application.stop()
            await self.application.shutdown()

    async def _stop_receiving(self) -> None:
        """What stops updates from coming in, before the Application stops."""


class Webhook(InServer):
    """The bot inside the web app: POST /telegram/webhook feeds the Application's update queue."""

    WHAT = "Telegram webhook"

    def __init__(self, bot: TelegramBot):
        super().__init__(bot, polling=False)

    async def _try_start(self) -> bool:
        """Start the Application, then register the webhook (again, after a failure)."""
        if not self.running:
            started = await super()._try_start()
            if not self.running:
                return started
        try:
            await self.application.bot.set_webhook(
                self.config.webhook_url, secret_token=self.config.webhook_secret,
                allowed_updates=Update.ALL_TYPES)
        except BadRequest as e:  # the address or the secret: retrying will not help
            log.error("Telegram set_webhook(%s) failed: %s; updates will not arrive (check "
                      "TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET)", self.config.webhook_url, e)
            return True
        except TelegramError as e:
            log.error("Telegram set_webhook(%s) failed: %s; retrying", self.config.webhook_url, e)
            return False
        log.info("Telegram webhook set to %s", self.config.webhook_url)
        return True

    async def endpoint(self, request: "Request") -> "Response":
        from starlette.responses import JSONResponse

        got = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(got.encode("latin-1", "replace"),
                                   (self.config.webhook_secret or "").encode()):
            log.warning("Telegram webhook: request with a wrong or missing secret token refused")
            return JSONResponse({"detail": "wrong secret token"}, status_code=403)
        if not self.running:
            return JSONResponse({"detail": "the Telegram bot is not running yet"}, status_code=503,
                                headers={"Retry-After": "10"})
        body = await request.body()
        try:
            if len(body) > MAX_UPDATE_BYTES:
                raise ValueError(f"{len(body)} bytes")
            data = json.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                raise ValueError("not a JSON object with an update_id")
            data = clean_json(data)
            if why := problem(data):  # the same checks as polling; here the sender is told
                raise ValueError(why)
            update = Update.de_json(data, self.application.bot)
        except Exception as e:  # noqa: BLE001 - whatever a bad update raises, it is a 400
            log.warning("Telegram webhook: bad update refused: %s: %s", type(e).__name__,
                        str(e)[:200])
            return JSONResponse({"detail": "not a Telegram update"}, status_code=400)
        await self.application.update_queue.put(update)
        return JSONResponse({"ok": True})


def attach_webhook(app: "FastAPI", settings: Settings | None = None,
                   environ: Mapping[str, str] | None = None) -> Webhook | None:
    """Mount POST /telegram/webhook on the web app when TELEGRAM_WEBHOOK_URL is set (with
    TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET). A configuration that cannot work is logged
    and the web app runs without the bot. The app's lifespan calls start_webhook/stop_webhook."""
    env = os.environ if environ is None else environ
    app.state.telegram = None
    if not env.get("TELEGRAM_WEBHOOK_URL", "").strip():
        from . import telegram_polling

        app.state.telegram = telegram_polling.attach(app, settings, env)  # token set: poll
        return None
    try:
        config = TelegramConfig.from_env(env, settings)
    except ConfigError as e:
        log.error("Telegram webhook not enabled: %s", e)
        return None
    if not config.webhook_secret:
        log.error("Telegram webhook not enabled: TELEGRAM_WEBHOOK_SECRET is not set (without it "
                  "anyone could post updates to %s)", WEBHOOK_PATH)
        return None
    if not SECRET_RE.fullmatch(config.webhook_secret):
        log.error("Telegram webhook not enabled: TELEGRAM_WEBHOOK_SECRET must be 1 to 256 "
                  "characters A-Z, a-z, 0-9, _ or -")
        return None
    if not config.webhook_url.startswith("https://"):
        log.warning("TELEGRAM_WEBHOOK_URL %s is not HTTPS; api.telegram.org only sends updates "
                    "to https:// addresses", config.webhook_url)
    if urlsplit(config.webhook_url).path.rstrip("/") != WEBHOOK_PATH:
        log.warning("TELEGRAM_WEBHOOK_URL %s does not end in %s, where the updates are served",
                    config.webhook_url, WEBHOOK_PATH)
    hook = Webhook(TelegramBot(config, lambda: app.state.index,
                               lambda: getattr(app.state, "store", None)))
    app.router.add_route(WEBHOOK_PATH, hook.endpoint, methods=["POST"], include_in_schema=False)
    app.state.telegram = hook
    return hook


async def start_webhook(app: "FastAPI") -> None:
    """Call in the app's lifespan once the index and store are loaded (no-op without a bot)."""
    hook = getattr(app.state, "telegram", None)
    if hook is not None:
        try:
            await hook.start()
        except Exception:  # the web app runs without the bot rather than not at all
            log.exception("Telegram webhook: the bot could not be started")


async def stop_webhook(app: "FastAPI") -> None:
    hook = getattr(app.state, "telegram", None)
    if hook is not None:
        await hook.stop()
