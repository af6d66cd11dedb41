"""Human handoff API: the widget hands a conversation to the agents and reads their replies.

    POST /api/v1/handoffs                     start one → {id, token}; the agents get it at once
    POST /api/v1/handoffs/{id}/messages       the visitor writes to the agents
    GET  /api/v1/handoffs/{id}/messages       messages after N, waiting up to `wait` s (long poll)
    POST /api/v1/handoffs/{id}/contact        the visitor's e-mail, optional
    GET  /api/v1/handoffs/availability        whether handoff is on

A conversation is read and written only with its own token (`Authorization: Bearer TOKEN`).
Agents answer in Telegram (bot/handoff_telegram.py) or in /admin/handoffs (bot/handoff_admin.py).
Handoff is on when TELEGRAM_AGENT_CHAT_ID and TELEGRAM_BOT_TOKEN are set, or with
PRIVACYBOT_HANDOFF=on (agents answer in /admin only); PRIVACYBOT_HANDOFF=off turns it off.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fastapi import APIRouter, FastAPI, Header, HTTPException, Path, Query, Request
from pydantic import BaseModel, Field, field_validator

from .guard import RateLimit
from .handoff_common import REASONS, ConversationClosed, clean_text, public_message
from .settings import Settings
from .store_common import StoreError

if TYPE_CHECKING:
    from .handoff_store import Handoffs

log = logging.getLogger("privacybot.handoff")

PREFIX = "/api/v1/handoffs"
ID = r"^[0-9a-f]{32}$"
MAX_WAIT = 25.0  # seconds a read may wait (under the request timeout and uvicorn's 30 s drain)
DB_POLL = 1.0  # seconds between looks at the database while waiting (another process's writes)
WAITERS_PER_CONVERSATION = 3  # concurrent long polls on one conversation
# An e-mail address, and text with something in it, as the OpenAPI document states them (no
# control characters: they are removed before checking).
# Blanks and control characters spelled out: `\s` differs between Python, JavaScript and Rust.
_BLANK = r"\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
EMAIL_PATTERN = rf"^[^@{_BLANK}]{{1,64}}@[^@.{_BLANK}]+(\.[^@.{_BLANK}]+)+$"
SOME_TEXT = rf"[^{_BLANK}]"


# -- configuration ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class HandoffConfig:
    enabled: bool
    telegram_chat_id: int | None = None  # the agents' chat, when Telegram is used
    reason: str = ""  # why it is off, for the log

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None,
                 settings: Settings | None = None) -> "HandoffConfig":
        env = os.environ if environ is None else environ
        mode = env.get("PRIVACYBOT_HANDOFF", "auto").strip().lower() or "auto"
        chat = env.get("TELEGRAM_AGENT_CHAT_ID", "").strip()
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if mode in ("off", "false", "0", "no"):
            return cls(False, reason="PRIVACYBOT_HANDOFF=off")
        chat_id = None
        if chat:
            if re.fullmatch(r"-?\d{1,20}", chat):
                chat_id = int(chat)
            else:
                log.error("TELEGRAM_AGENT_CHAT_ID must be a numeric chat id (a group's is "
                          "negative, e.g. -1001234567890), not %r; handoff to Telegram is off",
                          chat[:40])
        telegram = chat_id if (chat_id is not None and token) else None
        if chat_id is not None and not token:
            log.error("TELEGRAM_AGENT_CHAT_ID is set but TELEGRAM_BOT_TOKEN is not; handoff to "
                      "Telegram is off")
        if telegram is not None:
            return cls(True, telegram)
        if mode in ("on", "true", "1", "yes"):
            if settings is not None and not settings.admin_token:
                log.warning("PRIVACYBOT_HANDOFF=on without Telegram nor PRIVACYBOT_ADMIN_TOKEN: "
                            "nobody can answer the visitors; handoff is off")
                return cls(False, reason="no agents' channel")
            return cls(True)
        return cls(False, reason="TELEGRAM_AGENT_CHAT_ID and TELEGRAM_BOT_TOKEN not set")


# -- in-process notification ------------------------------------------------------------------------

class Hub:
    """Wakes the reads waiting on a conversation when a message is written in this process
    (from any thread or event loop). Writes from another process are seen by the reads' own
    look at the database every DB_POLL seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def listen(self, handoff_id: str) -> tuple[asyncio.AbstractEventLoop, asyncio.Event]:
        waiter = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(handoff_id, set()).add(waiter)
        return waiter

    def unlisten(self, handoff_id: str, waiter) -> None:
        with self._lock:
            found = self._waiters.get(handoff_id)
            if found is not None:
                found.discard(waiter)
                if not found:
                    del self._waiters[handoff_id]

    def waiting(self, handoff_id: str) -> int:
        with self._lock:
            return len(self._waiters.get(handoff_id, ()))

    def notify(self, handoff_id: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(handoff_id, ()))
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop is closed: its waiter is gone
                pass


HUB = Hub()  # one per process: the web app, the Telegram handlers and /admin share it


class Handoff:
    """What the routes, the Telegram handlers and /admin share in one process."""

    def __init__(self, config: HandoffConfig, get_store):
        self.config = config
        self.get_store = get_store
        self.relay = None  # handoff_telegram.Relay when Telegram is used
        self.hub = HUB

    @property
    def handoffs(self) -> Handoffs:
        """The handoff tables; StoreError when the log is not there. May wait for the log to
        open (bot/deferred_store.py): from async code, call it in a worker thread."""
        from .handoff_store import Handoffs  # SQLAlchemy: imported once the log is in use

        store = self.get_store()
        if store is None:
            raise StoreError("no log database")
        return Handoffs(store.engine)


# -- API models -------------------------------------------------------------------------------------

def _clean(v: str) -> str:
    v = clean_text(v, limit=len(v))  # over 2000 characters is refused, not cut
    if not v:
        raise ValueError("text is empty")
    return v


class HandoffRequest(BaseModel):
    question: str | None = Field(None, max_length=500, description=(
        "The visitor's last question, if any; the server answers it again to show the agents "
        "what the bot said."), examples=["怎么开发票？"])
    policy_id: str | None = Field(None, max_length=200, description="The widget's `data-policy`.")
    lang: Literal["zh", "en", "zh-Hant"] | None = Field(None, description="The widget's language.")
    reason: Literal[REASONS] | None = Field(None, description=(
        "Why: `refused` (the bot could not answer), `downvote` (👎 on the answer), `panel`."))
    contact: str | None = Field(None, max_length=254, pattern=EMAIL_PATTERN,
                                description="An e-mail address (optional).")

    @field_validator("question")
    @classmethod
    def _question(cls, v: str | None) -> str | None:
        return clean_text(v) or None if v is not None else None

    @field_validator("contact", mode="before")
    @classmethod
    def _contact(cls, v):
        return _email(v)


def _email(v):
    """Cleaned before the pattern is checked; the pattern's error is made readable."""
    if not isinstance(v, str):
        return v  # the type check says what is wrong
    v = clean_text(v, 254)
    if not re.fullmatch(EMAIL_PATTERN, v):
        raise ValueError("must be an e-mail address such as name@example.com")
    return v


class HandoffCreated(BaseModel):
    id: str = Field(description="The conversation's id (in its URLs).")
    token: str = Field(description="Its secret: send it as `Authorization: Bearer TOKEN`.")
    status: Literal["open", "claimed", "closed"]
    created_at: str


class VisitorMessage(BaseModel):
    text: str = Field(max_length=2000, pattern=SOME_TEXT,
                      description="What the visitor writes to the agents.")

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, v):
        return _clean(v) if isinstance(v, str) else v


class MessageCreated(BaseModel):
    id: int


class ContactRequest(BaseModel):
    email: str = Field(max_length=254, pattern=EMAIL_PATTERN,
                       description="Where an agent may write back.")

    @field_validator("email", mode="before")
    @classmethod
    def _e(cls, v):
        return _email(v)


class ContactReply(BaseModel):
    contact: str


class ClauseOut(BaseModel):
    policy_id: str | None = None
    policy_title: str | None = None
    product: str | None = None
    section_id: str | None = None
    heading: str | None = None
    quote: str | None = None
    url: str | None = None
    updated: str | None = None


class MessageOut(BaseModel):
    id: int = Field(description="Ascending; read on with `after` = the last id seen.")
    at: str
    sender: Literal["visitor", "agent", "system"]
    kind: Literal["text", "clause", "status"]
    text: str
    agent: str | None = Field(None, description="The agent's name, for an agent's message.")
    answer: ClauseOut | None = Field(None, description="The clause an agent sent (`kind: clause`).")
    event: Literal["claimed", "closed"] | None = Field(None, description="For `kind: status`.")


class Messages(BaseModel):
    status: Literal["open", "claimed", "closed"]
    agent: str | None = Field(None, description="Who claimed the conversation.")
    contact: str | None = None
    messages: list[MessageOut]


class Availability(BaseModel):
    enabled: bool


# -- routes -----------------------------------------------------------------------------------------

TOKEN_RESPONSES = {401: {"description": "No conversation token sent"},
                   404: {"description": "No such conversation, or not its token"},
                   422: {"description": "Invalid request"},
                   429: {"description": "Too many requests; see Retry-After"},
                   503: {"description": "The log database is unavailable"}}


def _unavailable() -> HTTPException:
    return HTTPException(503, "the conversation could not be stored right now; try again later",
                         headers={"Retry-After": "10"})


def _bearer(authorization: str | None) -> str:
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(401, "send the conversation's token as Authorization: Bearer TOKEN",
                            headers={"WWW-Authenticate": 'Bearer realm="handoff"'})
    return value.strip()


def router(handoff: Handoff) -> APIRouter:
    r = APIRouter(prefix=PREFIX, tags=["handoff"])

    def enabled_sync() -> Handoffs:
        if not handoff.config.enabled:
            raise HTTPException(404, "human handoff is not enabled on this server")
        try:
            return handoff.handoffs
        except StoreError:
            raise _unavailable()

    async def enabled() -> Handoffs:
        # In a worker thread: the log may still be opening at start (bot/deferred_store.py).
        return await asyncio.to_thread(enabled_sync)

    async def authorized(handoff_id: str, authorization: str | None) -> dict:
        token = _bearer(authorization)
        store = await enabled()
        try:
            row = await asyncio.to_thread(store.authorize, handoff_id, token)
        except StoreError:
            raise _unavailable()
        if row is None:
            raise HTTPException(404, "no such conversation (or the token is not its own)")
        return row

    Auth = Header(None, description="`Bearer TOKEN`, the token given when the conversation "
                                    "was created.")
    HandoffId = Path(pattern=ID, description="The conversation's id.")

    @r.get("/availability", response_model=Availability)
    def availability() -> dict:
        """Whether visitors can be handed to a person (the widget shows its button then)."""
        return {"enabled": handoff.config.enabled}

    @r.post("", response_model=HandoffCreated, status_code=201,
            responses={404: {"description": "Handoff not enabled, or unknown policy_id"},
                       **{k: v for k, v in TOKEN_RESPONSES.items() if k not in (401, 404)}})
    async def create(body: HandoffRequest, request: Request) -> dict:
        """Hand the conversation to a person: the question and what the bot answered go to the
        agents at once. Returns the conversation's id and its token (shown once)."""
        from .api import client_of

        store = await enabled()
        index = request.app.state.index
        policy_id = None
        if body.policy_id is not None:
            policy_id = index.resolve(body.policy_id)
            if policy_id is None:
                raise HTTPException(404, f"unknown policy_id {body.policy_id!r}")
        answered, heading, url, lang = None, None, None, body.lang
        if body.question:
            base = request.app.state.settings.public_base_url or str(request.base_url).rstrip("/")
            reply = index.ask(body.question, policy_id, 1, body.lang, base)
            answered = reply.answered
            lang = lang or reply.lang
            if reply.answered and reply.answers:
                a = reply.answers[0]
                heading, url = f"{a.product} › {a.heading}", a.url
        store_ = request.app.state.store
        try:
            row, token = await asyncio.to_thread(
                store.create, question=body.question, reason=body.reason, lang=lang,
                policy_id=policy_id, answered=answered, answer_heading=heading, answer_url=url,
                contact=body.contact, client=store_.pseudonym(client_of(request)))
        except StoreError:
            raise _unavailable()
        log.info("handoff %s created (%s)", row["id"][:8], body.reason or "no reason given")
        if handoff.relay is not None:
            handoff.relay.new_handoff(row)
        return {"id": row["id"], "token": token, "status": row["status"],
                "created_at": row["created_at"].isoformat(timespec="seconds") + "Z"}

    @r.post("/{handoff_id}/messages", response_model=MessageCreated, status_code=201,
            responses={**TOKEN_RESPONSES,
                       409: {"description": "The conversation was closed by an agent"}})
    async def post_message(body: VisitorMessage, handoff_id: str = HandoffId,
                           authorization: str | None = Auth) -> dict:
        """The visitor writes to the agents (they get it as a reply in the same thread)."""
        row = await authorized(handoff_id, authorization)
        try:
            msg = await asyncio.to_thread(handoff.handoffs.add_message, handoff_id,
                                          sender="visitor", text=body.text)
        except ConversationClosed:
            raise HTTPException(409, "this conversation was closed; start a new one")
        except StoreError:
            raise _unavailable()
        handoff.hub.notify(handoff_id)
        if handoff.relay is not None:
            handoff.relay.visitor_message(row, body.text)
        return {"id": msg["id"]}

    @r.post("/{handoff_id}/contact", response_model=ContactReply,
            responses={**TOKEN_RESPONSES,
                       409: {"description": "The conversation was closed by an agent"}})
    async def post_contact(body: ContactRequest, handoff_id: str = HandoffId,
                           authorization: str | None = Auth) -> dict:
        """Leave an e-mail address for the agents (optional)."""
        row = await authorized(handoff_id, authorization)
        if row["status"] == "closed":
            raise HTTPException(409, "this conversation was closed; start a new one")
        try:
            await asyncio.to_thread(handoff.handoffs.set_contact, handoff_id, body.email)
        except StoreError:
            raise _unavailable()
        if handoff.relay is not None:
            handoff.relay.contact(row, body.email)
        return {"contact": body.email}

    @r.get("/{handoff_id}/messages", response_model=Messages, responses=TOKEN_RESPONSES)
    async def read_messages(request: Request, handoff_id: str = HandoffId,
                            authorization: str | None = Auth,
                            after: int = Query(0, ge=0, le=2**62, description=(
                                "Only messages with an id above this one.")),
                            wait: float = Query(0, ge=0, le=MAX_WAIT, description=(
                                "Seconds to wait for a message when there is none yet "
                                f"(long poll, at most {MAX_WAIT:.0f})."))) -> dict:
        """The conversation's messages after `after`: at once if there are some, else when the
        first one arrives or `wait` seconds have passed (then an empty list)."""
        row = await authorized(handoff_id, authorization)
        hub, store = handoff.hub, handoff.handoffs
        if wait and hub.waiting(handoff_id) >= WAITERS_PER_CONVERSATION:
            raise HTTPException(429, "too many reads waiting on this conversation",
                                headers={"Retry-After": "2"})
        timeout = request.app.state.settings.request_timeout
        if timeout:
            wait = min(wait, max(0.0, timeout - 2))
        deadline = time.monotonic() + wait
        while True:
            waiter = hub.listen(handoff_id)  # before reading: a write meanwhile wakes us
            try:
                try:
                    rows = await asyncio.to_thread(store.messages_after, handoff_id, after)
                    if rows or time.monotonic() >= deadline:
                        row = await asyncio.to_thread(store.get, handoff_id) or row
                        break
                except StoreError:
                    raise _unavailable()
                if await request.is_disconnected():
                    rows = []
                    break
                try:
                    await asyncio.wait_for(waiter[1].wait(),
                                           min(DB_POLL, max(0.0, deadline - time.monotonic())))
                except TimeoutError:
                    pass
            finally:
                hub.unlisten(handoff_id, waiter)
        return {"status": row["status"], "agent": row["agent"], "contact": row["contact"],
                "messages": [public_message(m) for m in rows]}

    return r


# -- wiring -----------------------------------------------------------------------------------------

class _HandoffPaths:
    """The handoff POST paths, for guard.RateLimit (which tests `path in paths`)."""

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and path.startswith(PREFIX)


def limit(app: FastAPI, settings: Settings) -> None:
    """Rate-limit the handoff POSTs per client like ask (own buckets, same rates). Call where
    create_app adds its RateLimit, so that CORS still wraps the 429."""
    app.add_middleware(RateLimit, per_client=settings.rate_limit,
                       overall=settings.rate_limit_global, paths=_HandoffPaths(),
                       limit_loopback=settings.rate_limit_loopback)


def mount(app: FastAPI, settings: Settings, environ: Mapping[str, str] | None = None) -> Handoff:
    """The API routes, /admin/handoffs and the relay to the agents' Telegram chat."""
    from . import handoff_admin

    config = HandoffConfig.from_env(environ, settings)
    handoff = Handoff(config, lambda: getattr(app.state, "store", None))
    if config.enabled:
        log.info("human handoff on (agents: %s)", "Telegram chat %d and /admin"
                 % config.telegram_chat_id if config.telegram_chat_id is not None else "/admin")
    if config.telegram_chat_id is not None:
        from . import handoff_telegram

        handoff.relay = handoff_telegram.Relay.from_env(handoff, environ, settings)
    app.state.handoff = handoff
    app.include_router(router(handoff))
    handoff_admin.mount(app, settings, handoff)
    return handoff


async def stop(app: FastAPI) -> None:
    """In the app's lifespan, at shutdown: finish sending to the agents, close the relay."""
    handoff = getattr(app.state, "handoff", None)
    if handoff is not None and handoff.relay is not None:
        await handoff.relay.close()


def widget_response(static: "os.PathLike[str] | str"):
    """/widget.js: handoff.js in front of widget.js, one file (the embed stays one tag). Read
    at each request, as FileResponse did, so an edited file is served at once."""
    from pathlib import Path as FilePath

    from starlette.responses import Response

    folder = FilePath(static)
    body = (folder / "handoff.js").read_bytes() + b"\n" + (folder / "widget.js").read_bytes()
    return Response(body, media_type="text/javascript",
                    headers={"Cache-Control": "public, max-age=300"})
